import type { Bus, BusRecord } from '@k2/bus';
import type { K2Event } from '@k2/contracts';
import { EVENTS_TOPIC } from '@k2/eventer';
import type { Logger } from '@k2/log';
import type { KernelPosition, OomCheckpoint } from './checkpoint.js';
import type { KillLedger } from './ledger.js';
import type { OomWatcherMetrics } from './metrics.js';
import type { EventReporter, KillReport } from './report.js';

export interface KillRecord {
  id: string;
  /** Published to k2.events; absent for a kill only recorded as handled (too old on the first start). */
  event?: K2Event;
  /** Written back to Kubernetes once published. */
  report?: KillReport;
}

type Item = { kind: 'kill'; record: KillRecord } | { kind: 'position'; position: KernelPosition };

export interface KillPipelineDeps {
  bus: Bus;
  checkpoint: OomCheckpoint;
  ledger: KillLedger;
  metrics: OomWatcherMetrics;
  log: Logger;
  reporter?: EventReporter;
}

/**
 * Publishes new kills in batches, then checkpoints them: a kill is marked handled
 * only once the bus has it, so a crash republishes (consumers drop the repeated id) rather than
 * loses. While the bus is down the queue holds everything and publishing is retried.
 */
export class KillPipeline {
  private readonly queue: Item[] = [];
  /** Ids queued but not yet checkpointed: a second sighting meanwhile is a duplicate too. */
  private readonly inFlight = new Set<string>();
  private pumping = false;
  private healthy = true;
  private stopped = false;
  private wake: (() => void) | undefined;
  private idle: (() => void)[] = [];

  constructor(
    private readonly deps: KillPipelineDeps,
    private readonly batchSize = 100,
  ) {}

  get busHealthy(): boolean {
    return this.healthy;
  }

  /** Kills queued, not yet published and checkpointed. */
  get depth(): number {
    return this.inFlight.size;
  }

  /** True for a kill already handled or queued. */
  known(id: string): boolean {
    return this.inFlight.has(id) || this.deps.ledger.seen(id);
  }

  /** Queues a kill that `known` said is new. */
  offer(record: KillRecord): void {
    this.inFlight.add(record.id);
    this.push({ kind: 'kill', record });
  }

  /** Checkpoints how far the kernel log was read, in order with the kills before it. */
  savePosition(position: KernelPosition): void {
    this.push({ kind: 'position', position });
  }

  /** Resolves true once everything queued is checkpointed, or false after `timeoutMs`; retries stop then. */
  async drain(timeoutMs: number): Promise<boolean> {
    if (this.queue.length === 0 && !this.pumping) return true;
    const done = new Promise<boolean>((resolve) => this.idle.push(() => resolve(true)));
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
    const ok = await Promise.race([done, late]);
    clearTimeout(timer);
    if (!ok) {
      this.stopped = true;
      this.wake?.();
    }
    return ok;
  }

  private push(item: Item): void {
    this.queue.push(item);
    this.deps.metrics.queueDepth.set(this.inFlight.size);
    if (!this.pumping) void this.pump();
  }

  private async pump(): Promise<void> {
    this.pumping = true;
    let failures = 0;
    while (this.queue.length > 0 && !this.stopped) {
      const batch = this.queue.slice(0, this.batchSize);
      const kills = batch.flatMap((i) => (i.kind === 'kill' ? [i.record] : []));
      const position = batch.findLast((i) => i.kind === 'position');
      const records: BusRecord[] = kills.flatMap((k) =>
        k.event ? [{ key: k.event.fingerprint, value: k.event }] : [],
      );
      try {
        if (records.length > 0) await this.deps.bus.publish(EVENTS_TOPIC, records);
        await this.deps.checkpoint.append(
          kills.map((k) => k.id),
          position?.kind === 'position' ? position.position : undefined,
        );
      } catch (err) {
        this.healthy = false;
        this.deps.metrics.publishFailures.inc();
        const delay = Math.min(10_000, 200 * 2 ** Math.min(failures++, 6));
        this.deps.log.warn(
          { err: String(err), retryInMs: delay, queued: this.queue.length },
          'publishing kills failed; retrying',
        );
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, delay);
          this.wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        continue;
      }
      failures = 0;
      this.healthy = true;
      this.queue.splice(0, batch.length);
      for (const k of kills) {
        this.deps.ledger.add(k.id);
        this.inFlight.delete(k.id);
        if (k.event) this.deps.metrics.published.inc();
        if (k.report) this.deps.reporter?.enqueue(k.report);
      }
      this.deps.metrics.queueDepth.set(this.inFlight.size);
    }
    this.pumping = false;
    for (const resolve of this.idle.splice(0)) resolve();
  }
}
