import type { K2Event } from '@k2/contracts';
import type { EventFilter, Grant } from './store.js';

export const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 1000;

export const clampLimit = (limit: number | undefined): number =>
  Math.min(MAX_LIMIT, Math.max(1, Math.floor(limit ?? DEFAULT_LIMIT)));

/** Cursors are opaque to clients: base64url JSON of whatever the backend needs to continue. */
export function encodeCursor(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

export function decodeCursor<T>(cursor: string | undefined): T | undefined {
  if (!cursor) return undefined;
  try {
    return JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as T;
  } catch {
    throw new InvalidQueryError('invalid cursor');
  }
}

/** A query the caller got wrong (a bad cursor, a bad time): a 400, not a 500. */
export class InvalidQueryError extends Error {
  override readonly name = 'InvalidQueryError';
}

export function toMs(iso: string, what: string): number {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new InvalidQueryError(`${what}: not a time: ${iso}`);
  return ms;
}

/** The words of a full-text query: letters and digits, as both backends' tokenizers split them. */
export function queryTerms(q: string | undefined): string[] {
  return (q ?? '').toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
}

/** The node an event happened on: the reporter's host, or the OOM kill's node. */
export const eventNode = (e: K2Event): string | undefined => e.oom?.node ?? e.source.host;

/** Histogram buckets: `count` equal slices of [from, to), at least 1 ms each. */
export function bucketLayout(fromIso: string, toIso: string, count: number) {
  const from = toMs(fromIso, 'from');
  const to = toMs(toIso, 'to');
  if (to <= from) throw new InvalidQueryError('to must be after from');
  const buckets = Math.min(1000, Math.max(1, Math.floor(count)));
  const interval = Math.max(1, Math.ceil((to - from) / buckets));
  return { from, to, interval, buckets };
}

export function emptyBuckets(from: number, interval: number, buckets: number) {
  return Array.from({ length: buckets }, (_, i) => ({
    start: new Date(from + i * interval).toISOString(),
    count: 0,
    warnings: 0,
  }));
}

export const inScope = (scope: readonly Grant[] | undefined, cluster: string, namespace: string): boolean =>
  scope === undefined || scope.some((g) => g.cluster === cluster && (g.namespace === '*' || g.namespace === namespace));

const oneOf = (list: readonly string[] | undefined, value: string | undefined): boolean =>
  list === undefined || list.length === 0 || (value !== undefined && list.includes(value));

/** The filter applied in memory (live tail), with the same meaning the backends give it. */
export function matchesFilter(e: K2Event, f: EventFilter): boolean {
  if (!inScope(f.scope, e.cluster, e.namespace)) return false;
  if (!oneOf(f.clusters, e.cluster) || !oneOf(f.namespaces, e.namespace)) return false;
  if (!oneOf(f.kinds, e.involvedObject.kind) || !oneOf(f.names, e.involvedObject.name)) return false;
  if (!oneOf(f.workloads, e.workload.name) || !oneOf(f.reasons, e.reason) || !oneOf(f.types, e.type)) return false;
  if (!oneOf(f.sources, e.source.component) || !oneOf(f.nodes, eventNode(e))) return false;
  if (f.workloadRef && (e.workload.kind !== f.workloadRef.kind || e.workload.name !== f.workloadRef.name)) return false;
  const o = f.objectOrWorkload;
  if (
    o &&
    !(e.workload.kind === o.kind && e.workload.name === o.name) &&
    !(e.involvedObject.kind === o.kind && e.involvedObject.name === o.name)
  )
    return false;
  if (f.from !== undefined && Date.parse(e.lastSeen) < Date.parse(f.from)) return false;
  if (f.to !== undefined && Date.parse(e.lastSeen) >= Date.parse(f.to)) return false;
  const terms = queryTerms(f.q);
  if (terms.length > 0) {
    const words = new Set(queryTerms(e.message));
    if (!terms.every((t) => words.has(t))) return false;
  }
  return true;
}
