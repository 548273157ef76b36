import { CoreV1Api, type CoreV1Event, type KubeConfig } from '@kubernetes/client-node';
import type { Bus, BusRecord } from '@k2/bus';
import { normalizeCoreEventUnresolved, withWorkload, type UnresolvedK2Event } from '@k2/contracts';
import type { Logger } from '@k2/log';
import type { Checkpoint } from './checkpoint.js';
import { eventFilter, type FilterRule } from './filters.js';
import type { EventerMetrics } from './metrics.js';
import { OccurrenceLog } from './occurrences.js';
import type { OwnerResolver } from './owners.js';
import { EventStream, type StreamItem } from './stream.js';

export const EVENTS_TOPIC = 'k2.events';

/** The component the oom-watcher writes its Events as (see services/oom-watcher). */
const K2_OOM_REPORTER = 'k2-oom-watcher';

export interface EventerOptions {
  cluster: string;
  /** Namespaces to watch; empty means all. */
  namespaces: string[];
  include: FilterRule[];
  exclude: FilterRule[];
  /** On the very first start, older events are not published. */
  maxEventAgeMs: number;
  /** Read events held in memory before the watch is paused. */
  queueLimit: number;
  /** Largest publish batch. */
  batchSize: number;
}

export interface EventerDeps {
  kc: KubeConfig;
  bus: Bus;
  checkpoint: Checkpoint;
  owners: OwnerResolver;
  metrics: EventerMetrics;
  log: Logger;
  now?: () => number;
}

type Pending =
  { kind: 'event'; object: CoreV1Event; firstList: boolean } | { kind: 'mark'; scope: string; resourceVersion: string };

/**
 * Turns the event watch into one K2Event per occurrence on the bus. Events are read into a
 * bounded queue; a single pump normalises, filters, resolves owners and publishes in batches,
 * then checkpoints what it published. While the bus is down the queue fills, the watch is
 * paused at its resourceVersion, and nothing already read is dropped.
 */
export class Eventer {
  private readonly queue: Pending[] = [];
  private readonly occurrences = new OccurrenceLog();
  private readonly keep: (e: UnresolvedK2Event) => boolean;
  private streams: EventStream[] = [];
  private pumping = false;
  private running = false;
  private busHealthy = true;
  private checkpointRv: string | undefined;
  /** Per watched namespace, the version everything before has been published up to. */
  private readonly scopeRv = new Map<string, number>();
  private firstStart = true;
  private idle: (() => void)[] = [];
  private abandoned = false;
  private starting: Promise<void> | undefined;

  constructor(
    private readonly options: EventerOptions,
    private readonly deps: EventerDeps,
  ) {
    this.keep = eventFilter(options.include, options.exclude);
  }

  private now(): number {
    return this.deps.now?.() ?? Date.now();
  }

  /**
   * Loads the checkpoint. `startStreams` calls it again, so a replica that becomes leader picks
   * up where the previous leader left off.
   */
  async init(): Promise<void> {
    const clusterId = await this.clusterId();
    let state = await this.deps.checkpoint.load();
    if (state && clusterId && state.clusterId !== clusterId) {
      // A checkpoint of another cluster (or of a simulator run since gone): its versions and uids mean nothing here.
      this.deps.log.warn(
        { checkpointCluster: state.clusterId, clusterId },
        'checkpoint belongs to another cluster; starting afresh',
      );
      state = undefined;
    }
    if (!state) {
      await this.deps.checkpoint.reset(clusterId);
      this.firstStart = true;
      this.checkpointRv = undefined;
      return;
    }
    this.firstStart = false;
    if (Number(state.resourceVersion ?? 0) > this.position) this.checkpointRv = state.resourceVersion;
    for (const [uid, o] of state.occurrences) this.occurrences.record(uid, o);
  }

  /** The uid of kube-system, the usual identity of a cluster; '' when it cannot be read. */
  private async clusterId(): Promise<string> {
    try {
      const ns = await this.deps.kc.makeApiClient(CoreV1Api).readNamespace({ name: 'kube-system' });
      return ns.metadata?.uid ?? '';
    } catch (err) {
      this.deps.log.warn({ err: String(err) }, 'cannot read kube-system to identify the cluster');
      return '';
    }
  }

  get ready(): boolean {
    return this.busHealthy;
  }

  /** The resourceVersion everything before has been published and checkpointed up to. */
  get position(): number {
    return Number(this.checkpointRv ?? 0);
  }

  get queued(): number {
    return this.queue.length;
  }

  /** Starts reading (as leader): from the checkpoint, or with a list on the first start. Resolves once watching. */
  startStreams(): Promise<void> {
    if (!this.starting) this.starting = this.openStreams();
    return this.starting;
  }

  private async openStreams(): Promise<void> {
    this.running = true;
    await this.init();
    const scopes = this.options.namespaces.length > 0 ? this.options.namespaces : [undefined];
    this.streams = scopes.map(
      (namespace) =>
        new EventStream(
          this.deps.kc,
          // One checkpoint version serves every scope: versions are cluster-wide.
          { namespace, resourceVersion: this.checkpointRv, firstStart: this.firstStart },
          {
            onItem: (item) => this.enqueue(item),
            onRelist: () => this.deps.metrics.relists.inc(),
            onWatchRestart: () => this.deps.metrics.watchRestarts.inc(),
            onExpired: () => this.deps.metrics.expired.inc(),
          },
          this.deps.log,
        ),
    );
    for (const s of this.streams) s.resume();
    await Promise.all(this.streams.map((s) => s.established()));
  }

  /** Stops reading (lost the lease, or shutting down) and publishes what was already read. */
  async stopStreams(): Promise<void> {
    this.running = false;
    this.starting = undefined;
    for (const s of this.streams) s.pause();
    this.streams = [];
    await this.drained();
  }

  /** Stops at once and forgets what was read but not published: what a killed process does. */
  abandon(): void {
    this.abandoned = true;
    this.running = false;
    for (const s of this.streams) s.pause();
    this.streams = [];
    this.queue.length = 0;
  }

  /** Resolves when everything read so far is published and checkpointed. */
  drained(): Promise<void> {
    if (this.queue.length === 0 && !this.pumping) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  private enqueue(item: StreamItem): void {
    if (item.kind === 'event') {
      this.deps.metrics.received.inc();
      this.queue.push({ kind: 'event', object: item.object, firstList: item.firstList });
    } else {
      this.queue.push(item);
    }
    this.deps.metrics.queueDepth.set(this.queue.length);
    if (this.queue.length >= this.options.queueLimit) for (const s of this.streams) s.pause();
    if (!this.pumping) void this.pump();
  }

  private async pump(): Promise<void> {
    this.pumping = true;
    let failures = 0;
    while (this.queue.length > 0 && !this.abandoned) {
      const take = this.takeBatch();
      const { records, published, rv, dlq } = await this.prepare(take);
      try {
        if (dlq.length > 0) await this.deps.bus.publish(`${EVENTS_TOPIC}.dlq`, dlq);
        if (records.length > 0)
          await this.deps.bus.publish(
            EVENTS_TOPIC,
            records.map((r) => r.record),
          );
        if (this.abandoned) break;
        await this.deps.checkpoint.append(published, rv);
      } catch (err) {
        // Keep the batch at the head of the queue and retry; the paused watch keeps its place.
        this.queue.unshift(...take);
        this.busHealthy = false;
        for (const s of this.streams) s.pause();
        const delay = Math.min(10_000, 200 * 2 ** Math.min(failures++, 6));
        this.deps.log.warn(
          { err: String(err), retryInMs: delay, queued: this.queue.length },
          'publish failed; watch paused',
        );
        await new Promise((r) => setTimeout(r, delay));
        continue;
      }
      failures = 0;
      this.busHealthy = true;
      for (const [uid, o] of published) this.occurrences.record(uid, o);
      if (rv) this.checkpointRv = rv;
      const now = this.now();
      this.deps.metrics.published.inc(records.length);
      for (const r of records) this.deps.metrics.lag.observe(Math.max(0, now - r.lastSeenMs) / 1000);
      this.deps.metrics.queueDepth.set(this.queue.length);
      if (this.running && this.queue.length < this.options.queueLimit / 2) for (const s of this.streams) s.resume();
    }
    this.pumping = false;
    for (const resolve of this.idle.splice(0)) resolve();
  }

  private takeBatch(): Pending[] {
    let events = 0;
    let n = 0;
    while (n < this.queue.length && events < this.options.batchSize) {
      if (this.queue[n]!.kind === 'event') events++;
      n++;
    }
    return this.queue.splice(0, n);
  }

  /** Normalises a batch into records; the occurrences it will publish are deduplicated within it too. */
  private async prepare(batch: Pending[]) {
    const records: { record: BusRecord; lastSeenMs: number }[] = [];
    const published: [string, number][] = [];
    const dlq: BusRecord[] = [];
    const inBatch = new Map<string, number>();
    let marked = false;
    const cutoff = this.now() - this.options.maxEventAgeMs;
    for (const item of batch) {
      if (item.kind === 'mark') {
        this.scopeRv.set(item.scope, Number(item.resourceVersion));
        marked = true;
        continue;
      }
      const raw = item.object;
      const first = normalizeCoreEventUnresolved(raw, { cluster: this.options.cluster, now: new Date(this.now()) });
      if (!first.ok) {
        this.deps.metrics.dropped.inc({ reason: 'dead_lettered' });
        this.deps.log.warn({ uid: raw.metadata?.uid, error: first.error }, 'event cannot be normalised; dead-lettered');
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
        this.deps.metrics.filtered.inc();
        continue;
      }
      const seenInBatch = inBatch.get(uid);
      let pending = this.occurrences.pending(uid, first.event.occurrence);
      if (seenInBatch !== undefined) pending = pending.filter((o) => o > seenInBatch);
      if (pending.length === 0) {
        this.deps.metrics.deduplicated.inc();
        continue;
      }
      inBatch.set(uid, first.event.occurrence);
      published.push([uid, first.event.occurrence]);
      // Every occurrence replayed from `raw` was last seen when it was.
      const lastSeenMs = Date.parse(first.event.lastSeen);
      if (item.firstList && lastSeenMs < cutoff) {
        this.deps.metrics.dropped.inc({ reason: 'too_old' });
        continue;
      }
      // Only fresh events wait for a lagging pod cache; old ones are about pods long gone.
      const fresh = this.now() - lastSeenMs < 60_000;
      const resolving = this.deps.owners.resolveWaiting(
        first.event.namespace,
        first.event.involvedObject,
        fresh ? 2_000 : 0,
      );
      const workload = resolving instanceof Promise ? await resolving : resolving;
      for (const occurrence of pending) {
        const result =
          occurrence === first.event.occurrence
            ? first
            : normalizeCoreEventUnresolved(withOccurrence(raw, occurrence), {
                cluster: this.options.cluster,
                now: new Date(this.now()),
              });
        if (!result.ok) continue;
        if (!this.keep(result.event)) {
          this.deps.metrics.filtered.inc();
          continue;
        }
        const event = withWorkload(result.event, workload);
        records.push({
          record: { key: event.fingerprint, value: event, headers: { 'k2-event-id': event.id } },
          lastSeenMs,
        });
      }
    }
    // Resume from the slowest scope: what the others replay is deduplicated.
    const rv = marked ? String(Math.min(...this.scopeRv.values())) : undefined;
    return { records, published, rv, dlq };
  }
}

/** The same event as it was at an earlier occurrence, for occurrences a gap made us miss. */
function withOccurrence(raw: CoreV1Event, occurrence: number): CoreV1Event {
  return raw.series ? { ...raw, series: { ...raw.series, count: occurrence } } : { ...raw, count: occurrence };
}
