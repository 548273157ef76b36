import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export type DropReason = 'invalid' | 'dead_lettered' | 'too_old' | 'undeliverable';

/** The eventer's own metrics (docs/metrics.md lists them). */
export function eventerMetrics(registry: Registry) {
  const registers = [registry];
  return {
    received: new Counter({
      name: 'k2_eventer_events_received_total',
      help: 'Event objects read from list and watch',
      registers,
    }),
    published: new Counter({
      name: 'k2_eventer_events_published_total',
      help: 'K2Events published to the bus',
      registers,
    }),
    filtered: new Counter({
      name: 'k2_eventer_events_filtered_total',
      help: 'Events left out by include/exclude filters',
      registers,
    }),
    deduplicated: new Counter({
      name: 'k2_eventer_events_deduplicated_total',
      help: 'Event objects that carried no new occurrence (resyncs, relists, replays)',
      registers,
    }),
    dropped: new Counter({
      name: 'k2_eventer_events_dropped_total',
      help: 'Events not published, by reason (invalid ones go to the dead-letter topic)',
      labelNames: ['reason'] as const,
      registers,
    }),
    watchRestarts: new Counter({
      name: 'k2_eventer_watch_restarts_total',
      help: 'Watch connections re-established',
      registers,
    }),
    relists: new Counter({
      name: 'k2_eventer_relists_total',
      help: 'Full lists of events (start-up and after 410)',
      registers,
    }),
    expired: new Counter({ name: 'k2_eventer_watch_expired_total', help: 'Watches answered 410 Gone', registers }),
    lag: new Histogram({
      name: 'k2_eventer_publish_lag_seconds',
      help: 'From the event last being seen by Kubernetes to its publication',
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
      registers,
    }),
    queueDepth: new Gauge({ name: 'k2_eventer_queue_depth', help: 'Events read but not yet published', registers }),
    leader: new Gauge({
      name: 'k2_eventer_leader',
      help: '1 while this replica holds the lease and publishes',
      registers,
    }),
  };
}

export type EventerMetrics = ReturnType<typeof eventerMetrics>;
