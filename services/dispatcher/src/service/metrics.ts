import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export function dispatcherMetrics(registry: Registry, read: { groups: () => number; queued: () => number }) {
  return {
    alerts: new Counter({
      name: 'k2_dispatcher_alerts_received_total',
      help: 'Alerts taken in, by source (k2, alertmanager, api)',
      labelNames: ['source'],
      registers: [registry],
    }),
    deliveries: new Counter({
      name: 'k2_dispatcher_deliveries_total',
      help: 'Delivery attempts and outcomes by receiver and channel (its integration): ok, failed (each failed attempt), dead, digested',
      labelNames: ['receiver', 'channel', 'outcome'],
      registers: [registry],
    }),
    deadLetters: new Counter({
      name: 'k2_dispatcher_dead_letters_total',
      help: 'Notifications that failed permanently or ran out of retries',
      labelNames: ['receiver'],
      registers: [registry],
    }),
    templateFallbacks: new Counter({
      name: 'k2_dispatcher_template_fallbacks_total',
      help: 'Templates that failed at send time; the built-in text went out instead',
      labelNames: ['receiver'],
      registers: [registry],
    }),
    latency: new Histogram({
      name: 'k2_dispatcher_delivery_latency_seconds',
      help: 'From the first alert of a notification reaching the dispatcher to the receiver accepting it',
      buckets: [0.01, 0.05, 0.1, 0.2, 0.5, 1, 5, 30, 120, 600],
      registers: [registry],
    }),
    groups: new Gauge({
      name: 'k2_dispatcher_groups',
      help: 'Aggregation groups held',
      registers: [registry],
      collect() {
        this.set(read.groups());
      },
    }),
    queued: new Gauge({
      name: 'k2_dispatcher_delivery_queue',
      help: 'Notifications waiting for a send slot, a token or a retry',
      registers: [registry],
      collect() {
        this.set(read.queued());
      },
    }),
  };
}
export type DispatcherMetrics = ReturnType<typeof dispatcherMetrics>;
