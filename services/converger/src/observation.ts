import type { K2Event, Workload } from '@k2/contracts';
import type { Verdict } from './classify.js';

/** A K2Event reduced to what the converger keeps while it waits for the watermark. */
export interface Observation {
  id: string;
  /** The first 48 bits of the id, a number: what groups remember of the events they have seen. */
  short: number;
  /** Event time (ms): when this occurrence happened. */
  at: number;
  /** The incident group: cluster, namespace and workload (see groupKey). */
  key: string;
  kind: string;
  name: string;
  container?: string;
  node?: string;
  /** How often Kubernetes has seen the event; an OOM K2Event is one kill each. */
  count: number;
  oom: boolean;
  verdict: Exclude<Verdict, { kind: 'ignored' }>;
}

export interface GroupRef {
  cluster: string;
  namespace: string;
  workload: Workload;
}

// Kubernetes names never contain NUL, so the parts stay apart.
const SEP = '\u0000';

export function groupKey(ref: GroupRef): string {
  return ref.cluster + SEP + ref.namespace + SEP + ref.workload.kind + SEP + ref.workload.name;
}

export function groupRef(key: string): GroupRef {
  const a = key.indexOf(SEP);
  const b = key.indexOf(SEP, a + 1);
  const c = key.indexOf(SEP, b + 1);
  return {
    cluster: key.slice(0, a),
    namespace: key.slice(a + 1, b),
    workload: { kind: key.slice(b + 1, c), name: key.slice(c + 1) },
  };
}

/** 48 bits of an id (12 hex digits): no collisions among the few ids a group remembers. */
const SHORT_ID = 12;

const CONTAINER_FIELD = /^spec\.(?:initContainers|containers|ephemeralContainers)\{(.+)\}$/;

/**
 * Event times (ms) of ISO timestamps. They repeat (whole seconds, a few recent instants), so each
 * is parsed once while it recurs.
 */
const times = new Map<string, number>();
export function eventTime(iso: string): number {
  let ms = times.get(iso);
  if (ms === undefined) {
    if (times.size >= 10_000) times.clear();
    ms = Date.parse(iso);
    times.set(iso, ms);
  }
  return ms;
}

/** The container a field path names; paths repeat across pods, so each is read once while it recurs. */
const containers = new Map<string, string | undefined>();
function containerOf(fieldPath: string | undefined): string | undefined {
  if (!fieldPath) return undefined;
  if (containers.has(fieldPath)) return containers.get(fieldPath);
  if (containers.size >= 10_000) containers.clear();
  const container = CONTAINER_FIELD.exec(fieldPath)?.[1];
  containers.set(fieldPath, container);
  return container;
}

export function observe(e: K2Event, verdict: Observation['verdict']): Observation {
  const container = e.oom?.container ?? containerOf(e.involvedObject.fieldPath);
  const node = e.involvedObject.kind === 'Node' ? undefined : (e.oom?.node ?? e.source.host);
  // Every field set, unset ones undefined: observations of one shape.
  return {
    id: e.id,
    short: parseInt(e.id.slice(0, SHORT_ID), 16),
    at: eventTime(e.lastSeen),
    key: groupKey(e),
    kind: e.involvedObject.kind,
    name: e.involvedObject.name,
    container: container || undefined,
    node: node || undefined,
    count: e.count,
    oom: e.oom !== undefined,
    verdict,
  };
}

/** Processing order at one instant (events go by time first): problems before recoveries, then by id. */
export function sameInstantOrder(a: Observation, b: Observation): number {
  const pa = a.verdict.kind === 'problem' ? 0 : 1;
  const pb = b.verdict.kind === 'problem' ? 0 : 1;
  if (pa !== pb) return pa - pb;
  // By the ids' first digits as a number (0 when not hex), which is quicker to compare, then by id.
  const d = (a.short || 0) - (b.short || 0);
  if (d !== 0) return d;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}
