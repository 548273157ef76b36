import type { CoreV1Event } from '@kubernetes/client-node';
import { frozen, type BusRecord } from '@k2/bus';
import { normalizeCoreEventUnresolved, withWorkload, type UnresolvedK2Event } from '@k2/contracts';
import type { Logger } from '@k2/log';
import type { EventerMetrics } from './metrics.js';
import type { OccurrenceLog } from './occurrences.js';
import type { OwnerResolver } from './owners.js';

/** The component the oom-watcher writes its Events as (see services/oom-watcher). */
const K2_OOM_REPORTER = 'k2-oom-watcher';

/**
 * What the queue holds: an event read (with the resourceVersion its watch reached with it, if
 * watched), or the resourceVersion a watch had reached.
 */
export type Pending =
  | { kind: 'event'; object: CoreV1Event; firstList: boolean; scope?: string; resourceVersion?: string }
  | { kind: 'mark'; scope: string; resourceVersion: string };

/**
 * Events prepared between turns of the event loop: a batch is prepared while the bus works on the
 * one before, and the bus's replies (and the watch) must not wait for the whole batch.
 */
const EVENTS_PER_TURN = 100;

/** Where publishing stands before a batch: what is published, and how far each watch is. */
export interface Progress {
  /** Per watched namespace, the version everything before has been published up to. */
  scopes: ReadonlyMap<string, number>;
  /** Occurrences of a batch still being published, by event uid: they count as published. */
  publishing: ReadonlyMap<string, number>;
}

/** A batch taken from the queue, ready to publish and checkpoint. */
export interface Batch {
  /** What it was made of, to put back at the head of the queue if publishing fails. */
  items: Pending[];
  records: { record: BusRecord; lastSeenMs: number }[];
  dlq: BusRecord[];
  /** [uid, occurrence] to record in the checkpoint, in order. */
  published: [string, number][];
  /** The progress once it is published. */
  after: Progress;
  /** The version to checkpoint, if the batch moved any watch on. */
  rv: string | undefined;
}

export interface BatchDeps {
  cluster: string;
  maxEventAgeMs: number;
  keep: (event: UnresolvedK2Event) => boolean;
  occurrences: OccurrenceLog;
  owners: OwnerResolver;
  metrics: EventerMetrics;
  log: Logger;
  now: () => number;
}

/** Normalises a batch into records; the occurrences it will publish are deduplicated within it too. */
export async function prepareBatch(items: Pending[], before: Progress, deps: BatchDeps): Promise<Batch> {
  const records: Batch['records'] = [];
  const published: [string, number][] = [];
  const dlq: BusRecord[] = [];
  const inBatch = new Map<string, number>();
  const scopes = new Map(before.scopes);
  let marked = false;
  const cutoff = deps.now() - deps.maxEventAgeMs;
  const normalize = (raw: CoreV1Event) =>
    normalizeCoreEventUnresolved(raw, { cluster: deps.cluster, now: new Date(deps.now()) });
  // Events of a burst share their lastSeen (one string, from the timestamp cache): parsed once.
  let lastSeen = '';
  let lastSeenMs = NaN;
  let events = 0;
  for (const item of items) {
    if (item.resourceVersion !== undefined) {
      // The batch's progress counts once all of it is published: order within it does not matter.
      scopes.set(item.scope!, Number(item.resourceVersion));
      marked = true;
    }
    if (item.kind === 'mark') continue;
    if (++events % EVENTS_PER_TURN === 0) await new Promise((resolve) => setImmediate(resolve));
    const raw = item.object;
    const first = normalize(raw);
    if (!first.ok) {
      deps.metrics.dropped.inc({ reason: 'dead_lettered' });
      deps.log.warn({ uid: raw.metadata?.uid, error: first.error }, 'event cannot be normalised; dead-lettered');
      dlq.push({
        key: raw.metadata?.uid ?? 'unknown',
        value: { error: first.error, event: raw },
        headers: { 'k2-error': first.error.slice(0, 512) },
      });
      continue;
    }
    const uid = raw.metadata!.uid!;
    if (first.event.source.component === K2_OOM_REPORTER) {
      // K2's own OOMKilling write-back: the oom-watcher already published the kill itself.
      deps.metrics.filtered.inc();
      continue;
    }
    const seenInBatch = inBatch.get(uid);
    let pending = deps.occurrences.pending(uid, first.event.occurrence, before.publishing.get(uid));
    if (seenInBatch !== undefined) pending = pending.filter((o) => o > seenInBatch);
    if (pending.length === 0) {
      deps.metrics.deduplicated.inc();
      continue;
    }
    inBatch.set(uid, first.event.occurrence);
    published.push([uid, first.event.occurrence]);
    // Every occurrence replayed from `raw` was last seen when it was.
    if (first.event.lastSeen !== lastSeen) lastSeenMs = Date.parse((lastSeen = first.event.lastSeen));
    if (item.firstList && lastSeenMs < cutoff) {
      deps.metrics.dropped.inc({ reason: 'too_old' });
      continue;
    }
    // Only fresh events wait for a lagging pod cache; old ones are about pods long gone.
    const fresh = deps.now() - lastSeenMs < 60_000;
    const resolving = deps.owners.resolveWaiting(first.event.namespace, first.event.involvedObject, fresh ? 2_000 : 0);
    const workload = resolving instanceof Promise ? await resolving : resolving;
    for (const occurrence of pending) {
      const result = occurrence === first.event.occurrence ? first : normalize(withOccurrence(raw, occurrence));
      if (!result.ok) continue;
      if (!deps.keep(result.event)) {
        deps.metrics.filtered.inc();
        continue;
      }
      // Frozen: the in-process bus hands it to quick-checked readers (the converger) as it is.
      const event = frozen(withWorkload(result.event, workload));
      records.push({
        record: { key: event.fingerprint, value: event },
        lastSeenMs,
      });
    }
  }
  // Resume from the slowest scope: what the others replay is deduplicated.
  const rv = marked ? String(Math.min(...scopes.values())) : undefined;
  return { items, records, dlq, published, after: { scopes, publishing: new Map(published) }, rv };
}

/** The same event as it was at an earlier occurrence, for occurrences a gap made us miss. */
function withOccurrence(raw: CoreV1Event, occurrence: number): CoreV1Event {
  return raw.series ? { ...raw, series: { ...raw.series, count: occurrence } } : { ...raw, count: occurrence };
}
