import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** The event center's metrics (docs/event-center.md lists them). */
export function eventCenterMetrics(registry: Registry, read: { tailClients(): number }) {
  const registers = [registry];
  const storeUp = new Gauge({
    name: 'k2_event_center_store_up',
    help: '1 while the event store accepts writes, 0 while the writers are paused waiting for it',
    registers,
  });
  storeUp.set(1);
  new Gauge({
    name: 'k2_event_center_tail_clients',
    help: 'Open live-tail (SSE) streams',
    registers,
    collect() {
      this.set(read.tailClients());
    },
  });
  return {
    storeUp,
    eventsStored: new Counter({
      name: 'k2_event_center_events_stored_total',
      help: 'K2Events written to the store',
      registers,
    }),
    eventsRejected: new Counter({
      name: 'k2_event_center_events_rejected_total',
      help: 'K2Events the store refused for good, sent to k2.events.dlq',
      registers,
    }),
    incidentsStored: new Counter({
      name: 'k2_event_center_incident_records_stored_total',
      help: 'Incident records written to the store',
      registers,
    }),
    writeSeconds: new Histogram({
      name: 'k2_event_center_store_write_seconds',
      help: 'Time to store one batch, by kind (events, incidents)',
      labelNames: ['kind'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    }),
    requests: new Counter({
      name: 'k2_event_center_api_requests_total',
      help: 'API requests, by route and status code',
      labelNames: ['route', 'code'] as const,
      registers,
    }),
  };
}

export type EventCenterMetrics = ReturnType<typeof eventCenterMetrics>;
