import type { Bus } from '@k2/bus';
import type { K2Config } from '@k2/config';
import type { EventStore } from '@k2/event-store';
import type { Logger } from '@k2/log';
import { ServiceHttp } from '@k2/service';
import { registerApi } from './api/app.js';
import { Authenticator } from './auth.js';
import { eventCenterMetrics } from './metrics.js';
import { scheduleRetention } from './retention.js';
import { openStore } from './store.js';
import { TailHub } from './tail.js';
import { registerUi } from './ui.js';
import { StoreWriters } from './writers.js';

export interface EventCenterDeps {
  config: K2Config['eventCenter'];
  bus: Bus;
  log: Logger;
  /** Partitions of the topics when this service creates them. */
  partitions: number;
  /** A store made elsewhere (tests, benchmarks); otherwise the configured one. */
  store?: EventStore;
  /** Live-tail heartbeat period; 15 s. */
  heartbeatMs?: number;
  /** How often a down store is probed; 1 s. */
  probeMs?: number;
}

export interface EventCenterService {
  store: EventStore;
  writers: StoreWriters;
  http: ServiceHttp;
  url: string;
  /** Whether the web UI is served at /. */
  ui: boolean;
  /** Graceful: ends live tails, stores and commits the batches in hand, leaves the groups, closes the store. */
  stop(): Promise<void>;
}

/** The event-center process: store writers on the bus, the API with its UI, retention. */
export async function startEventCenterService(deps: EventCenterDeps): Promise<EventCenterService> {
  const { config, log } = deps;
  const store = deps.store ?? openStore(config.store);
  await store.init();
  const http = new ServiceHttp({ name: 'event-center', log, host: config.http.host, port: config.http.port });
  const hub = new TailHub();
  const metrics = eventCenterMetrics(http.registry, { tailClients: () => hub.clients });
  const writers = new StoreWriters({
    bus: deps.bus,
    store,
    hub,
    log,
    metrics,
    groupId: config.groupId,
    partitions: deps.partitions,
    probeMs: deps.probeMs,
  });
  await registerApi(http.server, {
    store,
    bus: deps.bus,
    auth: new Authenticator(config.auth),
    hub,
    log,
    metrics,
    heartbeatMs: deps.heartbeatMs,
  });
  const ui = await registerUi(http.server, config.uiDir);
  const stopRetention = scheduleRetention(store, config.retention.days, config.retention.schedule, log);
  await writers.start();
  http.addReadinessCheck('store', () => writers.storeUp || 'the event store does not answer; writers are paused');
  const url = await http.start();
  if (config.auth.tokens.length === 0 && config.auth.proxy.trustedAddresses.length === 0)
    log.warn({}, 'event-center: no tokens and no trusted proxy configured: every API request will get 401');
  return {
    store,
    writers,
    http,
    url,
    ui,
    stop: async () => {
      stopRetention();
      hub.close();
      await writers.stop();
      await http.stop();
      await store.close();
    },
  };
}
