import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import type { Bus } from '@k2/bus';
import { EVENTS_TOPIC } from '@k2/contracts';
import type { Logger } from '@k2/log';
import { prepareBatch, type Batch, type BatchDeps, type Pending, type Progress } from './batch.js';
import type { Checkpoint } from './checkpoint.js';
import { eventFilter, type FilterRule } from './filters.js';
import type { EventerMetrics } from './metrics.js';
import { OccurrenceLog } from './occurrences.js';
import type { OwnerResolver } from './owners.js';
import { EventStream, type StreamItem } from './stream.js';

export { EVENTS_TOPIC };

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

/**
 * Turns the event watch into one K2Event per occurrence on the bus. Events are read into a
 * bounded queue; a single pump normalises, filters, resolves owners and publishes in batches,
 * then checkpoints what it published. While the bus is down the queue fills, the watch is
 * paused at its resourceVersion, and nothing already read is dropped.
 */
export class Eventer {
  private readonly queue: Pending[] = [];
  private readonly occurrences = new OccurrenceLog();
  private readonly batchDeps: BatchDeps;
  private streams: EventStream[] = [];
  private pumping = false;
  /** Whether the watches are held back (see readAhead). */
  private holding = false;
  private running = false;
  private busHealthy = true;
  private checkpointRv: string | undefined;
  /** Per watched namespace, the version everything before has been published up to. */
  private scopeRv: ReadonlyMap<string, number> = new Map();
  private firstStart = true;
  private idle: (() => void)[] = [];
  private abandoned = false;
  private starting: Promise<void> | undefined;

  constructor(
    private readonly options: EventerOptions,
    private readonly deps: EventerDeps,
  ) {
    this.batchDeps = {
      cluster: options.cluster,
      maxEventAgeMs: options.maxEventAgeMs,
      keep: eventFilter(options.include, options.exclude),
      occurrences: this.occurrences,
      owners: deps.owners,
      metrics: deps.metrics,
      log: deps.log,
      now: () => this.now(),
    };
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
    this.holding = false;
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
    if (item.kind === 'event') this.deps.metrics.received.inc();
    // Queued as it is (an event item's `origin` rides along unused): one object less per event.
    this.queue.push(item);
    if (this.queue.length >= this.options.queueLimit) {
      this.deps.metrics.queueDepth.set(this.queue.length);
      for (const s of this.streams) s.pause();
    } else if (!this.holding && this.queue.length >= this.readAhead) {
      this.holding = true;
      for (const s of this.streams) s.hold();
    }
    if (!this.pumping) void this.pump();
  }

  /**
   * Items read ahead of the pump before the watches stop reading (they stay open): a batch of
   * events (a watched event is one item). More would only wait longer in memory, where every
   * collection of young objects copies them again; the server's data waits in TCP buffers instead.
   */
  private get readAhead(): number {
    return Math.min(this.options.queueLimit, this.options.batchSize);
  }

  /**
   * Publishes batch after batch, in order. While the bus works on one batch, the next is prepared
   * as if it will succeed, and the checkpoint of the one before is written: a batch is published
   * only once the previous one is, and checkpointed only once the previous checkpoint is. If a
   * publish fails, it and the prepared batch go back to the head of the queue and are prepared again.
   */
  private async pump(): Promise<void> {
    this.pumping = true;
    let failures = 0;
    let next: Promise<Batch> | undefined;
    let saving: Promise<boolean> | undefined;
    while (!this.abandoned) {
      if (!next && this.queue.length === 0) {
        // Idle but for the last checkpoint: what arrives while it is written is taken next.
        if (!saving || !(await saving)) break;
        saving = undefined;
        continue;
      }
      const batch = await (next ?? this.prepareNext({ scopes: this.scopeRv, publishing: new Map() }));
      const sending = this.publish(batch);
      next = this.queue.length > 0 ? this.prepareNext(batch.after) : undefined;
      try {
        await sending;
      } catch (err) {
        // Keep both batches at the head of the queue and retry; the paused watch keeps its place.
        const following = await next;
        next = undefined;
        this.queue.unshift(...batch.items, ...(following?.items ?? []));
        this.busHealthy = false;
        for (const s of this.streams) s.pause();
        const delay = retryDelayMs(failures++);
        this.deps.log.warn(
          { err: String(err), retryInMs: delay, queued: this.queue.length },
          'publish failed; watch paused',
        );
        await new Promise((r) => setTimeout(r, delay));
        continue;
      }
      // As a killed process would: published, not checkpointed.
      if (this.abandoned || (saving && !(await saving))) break;
      failures = 0;
      this.busHealthy = true;
      this.published(batch);
      saving = this.save(batch);
    }
    this.pumping = false;
    for (const resolve of this.idle.splice(0)) resolve();
  }

  private prepareNext(before: Progress): Promise<Batch> {
    return prepareBatch(this.takeBatch(), before, this.batchDeps);
  }

  private async publish(batch: Batch): Promise<void> {
    if (batch.dlq.length > 0) await this.deps.bus.publish(`${EVENTS_TOPIC}.dlq`, batch.dlq);
    if (batch.records.length > 0)
      await this.deps.bus.publish(
        EVENTS_TOPIC,
        batch.records.map((r) => r.record),
      );
  }

  /**
   * Checkpoints a published batch, retrying until it is written: what is on the bus is not
   * published again. False when abandoned first.
   */
  private async save(batch: Batch): Promise<boolean> {
    for (let failures = 0; !this.abandoned; failures++) {
      try {
        await this.deps.checkpoint.append(batch.published, batch.rv);
        if (batch.rv) this.checkpointRv = batch.rv;
        return true;
      } catch (err) {
        const delay = retryDelayMs(failures);
        this.busHealthy = false;
        this.deps.log.warn({ err: String(err), retryInMs: delay }, 'checkpoint write failed; retrying');
        await new Promise((r) => setTimeout(r, delay));
      }
    }
    return false;
  }

  /** Moves the eventer's place past a batch the bus has (its checkpoint is written next). */
  private published(batch: Batch): void {
    for (const [uid, o] of batch.published) this.occurrences.record(uid, o);
    this.scopeRv = batch.after.scopes;
    const now = this.now();
    this.deps.metrics.published.inc(batch.records.length);
    for (const r of batch.records) this.deps.metrics.lag.observe(Math.max(0, now - r.lastSeenMs) / 1000);
    this.deps.metrics.queueDepth.set(this.queue.length);
    if (this.running && this.queue.length < this.options.queueLimit / 2) for (const s of this.streams) s.resume();
  }

  /** Takes the next batch; the queue depth metric is set here and after publishing, not per event read. */
  private takeBatch(): Pending[] {
    let events = 0;
    let n = 0;
    while (n < this.queue.length && events < this.options.batchSize) {
      if (this.queue[n]!.kind === 'event') events++;
      n++;
    }
    const batch = this.queue.splice(0, n);
    this.deps.metrics.queueDepth.set(this.queue.length);
    if (this.holding && this.queue.length < this.readAhead / 2) {
      this.holding = false;
      for (const s of this.streams) s.release();
    }
    return batch;
  }
}

/** Backoff between attempts at the bus (publish or checkpoint): 200 ms doubling to 10 s. */
const retryDelayMs = (failures: number): number => Math.min(10_000, 200 * 2 ** Math.min(failures, 6));
