import type { Notification } from '@k2/contracts';
import type { Logger } from '@k2/log';
import type { ReceiverConfig } from '../route/config.js';
import { postsHttp, receiverKind } from '../notify/defaults.js';
import { ReceiverDelivery } from '../notify/delivery.js';
import { startHttpWorker } from '../notify/http.js';
import { createSender } from '../notify/senders.js';
import type { StateStore } from '../store/store.js';
import type { DispatcherMetrics } from './metrics.js';

/** One ReceiverDelivery per receiver of the routing file; senders read their secrets here (start-up errors). */
export class Deliveries {
  private readonly byName = new Map<string, ReceiverDelivery>();
  /** Resolves once the receivers can send (the HTTP worker is up). */
  readonly ready: Promise<void>;

  constructor(
    receivers: readonly ReceiverConfig[],
    private readonly store: StateStore,
    private readonly metrics: DispatcherMetrics,
    private readonly log: Logger,
    env: NodeJS.ProcessEnv,
  ) {
    this.ready = receivers.some(postsHttp) ? startHttpWorker() : Promise.resolve();
    for (const cfg of receivers) {
      const sender = createSender({
        cfg,
        env,
        onTemplateFallback: (receiver) => {
          metrics.templateFallbacks.inc({ receiver });
          log.warn({ receiver }, 'template failed at send time; sent the built-in text instead');
        },
      });
      const channel = receiverKind(cfg);
      // One counter child per outcome, looked up once (prom-client hashes the labels on every inc).
      const counted = new Map<string, { inc(): void }>();
      const count = (outcome: string) => {
        let child = counted.get(outcome);
        if (!child) counted.set(outcome, (child = metrics.deliveries.labels(cfg.name, channel, outcome)));
        child.inc();
      };
      this.byName.set(
        cfg.name,
        new ReceiverDelivery(cfg, sender, store, {
          outcome: (receiver, outcome) => {
            if (outcome === 'retrying') return; // counted as `failed` by `error`
            count(outcome === 'sent' ? 'ok' : outcome);
            if (outcome === 'dead') {
              metrics.deadLetters.inc({ receiver });
              log.error({ receiver }, 'notification dead-lettered');
            }
          },
          latency: (_n, ms) => metrics.latency.observe(ms / 1000),
          // Errors are scrubbed of the receiver's secrets before they get here.
          error: (receiver, error) => {
            count('failed');
            log.warn({ receiver, error }, 'delivery attempt failed');
          },
        }),
      );
    }
  }

  submit(n: Notification): void {
    const delivery = this.byName.get(n.receiver);
    if (delivery) return delivery.submit(n);
    // Recorded under a receiver the routing file no longer has: keep it, with the reason.
    this.store.transaction(() => {
      this.store.addDeadLetter({ notification: n, receiver: n.receiver, reason: 'unknown receiver', at: Date.now() });
      this.store.removeOutbox(n.id);
    });
    this.metrics.deadLetters.inc({ receiver: n.receiver });
    this.log.error({ receiver: n.receiver }, 'notification for an unknown receiver dead-lettered');
  }

  get queued(): number {
    let total = 0;
    for (const d of this.byName.values()) total += d.queued;
    return total;
  }

  async stop(): Promise<void> {
    await Promise.all([...this.byName.values()].map((d) => d.stop()));
  }
}
