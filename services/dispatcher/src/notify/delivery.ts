import pLimit from 'p-limit';
import type { Alert, Notification } from '@k2/contracts';
import { hashParts } from '../route/hash.js';
import type { ReceiverConfig } from '../route/config.js';
import type { DeliveryRecord, StateStore } from '../store/store.js';
import { backoffMs } from './backoff.js';
import { rateLimitOf, receiverKind, throttlePauseOf } from './defaults.js';
import { redact } from './secrets.js';
import type { Sender, SendResult } from './sender.js';
import { Journal } from './journal.js';
import { TokenBucket } from './token-bucket.js';

export interface DeliveryEvents {
  outcome(receiver: string, outcome: DeliveryRecord['outcome']): void;
  latency?(n: Notification, ms: number): void;
  error?(receiver: string, error: string): void;
}

/** A throttled notification goes back in line at most this often before it is dead-lettered. */
const MAX_THROTTLES = 50;

interface Job {
  n: Notification;
  /** Notifications folded into this digest: settled when it is. */
  folded: Notification[];
  throttles: number;
}

/** `cluster/namespace` of each alert: what the API's grants are checked against. */
const scopesOf = (alerts: readonly Alert[]) =>
  [...new Set(alerts.map((a) => `${a.labels.cluster ?? ''}/${a.labels.namespace ?? ''}`))].sort();

/** Folds a backlog into one message: every alert once (latest state), nothing dropped. */
export function digest(receiver: string, items: readonly Notification[], now: number): Notification {
  const alerts = new Map<string, Alert>();
  for (const n of items) for (const a of n.alerts) alerts.set(a.fingerprint, a);
  const list = [...alerts.values()];
  return {
    id: hashParts(['digest', receiver, ...items.map((n) => n.id)]),
    receiver,
    groupKey: `digest:${items.length}`,
    groupLabels: {},
    status: list.some((a) => a.status === 'firing') ? 'firing' : 'resolved',
    alerts: list,
    reason: 'digest',
    createdAt: now,
  };
}

/**
 * Delivery to one receiver: at most `concurrency` sends at once (p-limit), a token bucket for the
 * provider's rate limit, a backlog folded into one digest when the bucket refills, retries with
 * backoff and jitter, and a dead letter when retries run out. Every outcome is logged.
 */
export class ReceiverDelivery {
  private readonly limit;
  private readonly bucket: TokenBucket | undefined;
  private backlog: Notification[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly inflight = new Set<Promise<void>>();
  private readonly retryTimers = new Set<{ timer: NodeJS.Timeout; resolve: () => void }>();
  private stopped = false;
  private readonly journal: Journal;

  constructor(
    readonly cfg: ReceiverConfig,
    private readonly sender: Sender,
    private readonly store: StateStore,
    private readonly events: DeliveryEvents,
    private readonly now: () => number = Date.now,
  ) {
    this.journal = new Journal(store);
    this.limit = pLimit(cfg.concurrency);
    const rate = rateLimitOf(cfg);
    this.bucket = rate ? new TokenBucket(rate.messages, rate.per, now()) : undefined;
  }

  get queued(): number {
    return this.backlog.length + this.limit.pendingCount + this.limit.activeCount;
  }

  submit(n: Notification): void {
    if (this.stopped) return;
    if (!this.bucket) return this.run({ n, folded: [], throttles: 0 });
    if (this.backlog.length === 0 && this.bucket.tryTake(this.now())) return this.run({ n, folded: [], throttles: 0 });
    this.backlog.push(n);
    this.scheduleDrain();
  }

  private scheduleDrain(): void {
    if (this.timer || this.stopped || !this.bucket) return;
    const wait = Math.max(0, this.bucket.nextTokenAt(this.now()) - this.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.drain();
    }, wait);
  }

  private drain(): void {
    if (this.backlog.length === 0 || this.stopped) return;
    if (!this.bucket!.tryTake(this.now())) return this.scheduleDrain();
    const items = this.backlog;
    this.backlog = [];
    if (items.length === 1) this.run({ n: items[0]!, folded: [], throttles: 0 });
    else this.run({ n: digest(this.cfg.name, items, this.now()), folded: items, throttles: 0 });
  }

  private run(job: Job): void {
    const p = this.limit(() => this.deliver(job)).finally(() => this.inflight.delete(p));
    this.inflight.add(p);
  }

  private async deliver(job: Job): Promise<void> {
    const { n } = job;
    if (this.bucket?.blocked(this.now())) {
      // Queued before the provider throttled: wait with the others and go out in the digest.
      return this.hold(job);
    }
    const { maxAttempts, initialBackoff, maxBackoff } = this.cfg.retry;
    let last: Exclude<SendResult, { ok: true }> | undefined;
    for (let attempt = 1; attempt <= maxAttempts && !this.stopped; attempt++) {
      const result = await this.attempt(n);
      if (result.ok) return this.settle(job, 'sent', attempt, result.status);
      last = result;
      const error = redact(result.error, this.sender.secrets);
      this.events.error?.(this.cfg.name, error);
      if (!result.retry) break;
      if (result.throttled && job.throttles < MAX_THROTTLES) {
        // The provider's limit, not a fault of this message: hold the robot and send it (folded) later.
        this.bucket?.block(this.now() + (result.retryAfterMs ?? throttlePauseOf(this.cfg)));
        this.log(n, 'retrying', attempt, result.status, error);
        if (this.bucket) return this.hold(job);
        await this.wait(result.retryAfterMs ?? throttlePauseOf(this.cfg));
        job.throttles++;
        attempt--;
        continue;
      }
      if (attempt === maxAttempts) break;
      this.log(n, 'retrying', attempt, result.status, error);
      await this.wait(Math.max(result.retryAfterMs ?? 0, backoffMs(attempt, initialBackoff, maxBackoff)));
    }
    if (this.stopped) return; // still in the outbox: the next start delivers it
    const reason = last ? redact(last.error, this.sender.secrets) : 'not attempted';
    this.settle(job, 'dead', maxAttempts, last?.status, reason);
  }

  private hold(job: Job): void {
    this.backlog.push(...(job.folded.length ? job.folded : [job.n]));
    this.scheduleDrain();
  }

  private async attempt(n: Notification): Promise<SendResult> {
    try {
      return await this.sender.send(n);
    } catch (err) {
      // A sender bug must not lose the notification: retried, then dead-lettered with the reason.
      return { ok: false, retry: true, error: `sender error: ${(err as Error).message}` };
    }
  }

  private wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const entry = {
        timer: setTimeout(() => {
          this.retryTimers.delete(entry);
          resolve();
        }, ms),
        resolve,
      };
      this.retryTimers.add(entry);
    });
  }

  private settle(job: Job, outcome: 'sent' | 'dead', attempts: number, status?: number, error?: string): void {
    const { n } = job;
    const at = this.now();
    this.journal.write(() => {
      this.log(n, outcome, attempts, status, error);
      if (outcome === 'dead')
        this.store.addDeadLetter({ notification: n, receiver: this.cfg.name, reason: error ?? '', at });
      for (const f of job.folded) {
        this.log(f, 'digested', 0, undefined, undefined, n.id);
        this.store.removeOutbox(f.id);
      }
      this.store.removeOutbox(n.id);
    });
    this.events.outcome(this.cfg.name, outcome);
    for (let i = 0; i < job.folded.length; i++) this.events.outcome(this.cfg.name, 'digested');
    if (outcome === 'sent')
      for (const x of job.folded.length ? job.folded : [n]) this.events.latency?.(x, at - firstReceived(x));
  }

  private log(
    n: Notification,
    outcome: DeliveryRecord['outcome'],
    attempts: number,
    status?: number,
    error?: string,
    digestId?: string,
  ): void {
    this.store.logDelivery({
      notificationId: n.id,
      receiver: this.cfg.name,
      kind: receiverKind(this.cfg),
      groupKey: n.groupKey,
      at: this.now(),
      outcome,
      attempts,
      ...(status !== undefined ? { status } : {}),
      ...(error !== undefined ? { error } : {}),
      alerts: n.alerts.length,
      scopes: scopesOf(n.alerts),
      ...(digestId ? { digestId } : {}),
    });
    if (outcome === 'retrying') this.events.outcome(this.cfg.name, 'retrying');
  }

  /** Writes still queued reach the store (tests and shutdown). */
  flush(): void {
    this.journal.flush();
  }

  /** Resolves when nothing is in flight (sends in progress finish; waiting retries stay in the outbox). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    for (const r of this.retryTimers) {
      clearTimeout(r.timer);
      r.resolve();
    }
    await Promise.allSettled([...this.inflight]);
    this.journal.flush();
    await this.sender.close?.();
  }
}

const firstReceived = (n: Notification) => Math.min(...n.alerts.map((a) => a.receivedAt), n.createdAt);
