import { mkdirSync } from 'node:fs';
import type { Bus, Subscription } from '@k2/bus';
import type { K2Config } from '@k2/config';
import { ACKS_TOPIC, Alert, ALERTS_TOPIC, Incident, IncidentAck, INCIDENTS_TOPIC } from '@k2/contracts';
import type { Logger } from '@k2/log';
import { ServiceHttp } from '@k2/service';
import { TokenAuth } from '../api/auth.js';
import { registerApi } from '../api/routes.js';
import { Dispatcher } from '../dispatch/dispatcher.js';
import { incidentToAlert } from '../inputs/incident.js';
import type { RoutingConfig } from '../route/config.js';
import { DEFAULT_ROUTING_FILE, loadRoutingFile } from '../route/load.js';
import { groupKey, matchRoutes } from '../route/tree.js';
import { SqliteStore } from '../store/sqlite.js';
import type { StateStore } from '../store/store.js';
import { Deliveries } from './deliveries.js';
import { instanceId } from './instance.js';
import { dispatcherMetrics } from './metrics.js';
import { PacedIngest } from './paced-ingest.js';
import { Ticker } from './ticker.js';

export type DispatcherConfig = K2Config['dispatcher'];

export interface DispatcherServiceDeps {
  config: DispatcherConfig;
  bus: Bus;
  log: Logger;
  /** Partitions of the topics this service creates. */
  partitions: number;
  /** Where secrets named `{ env: NAME }` are read; process.env by default. */
  env?: NodeJS.ProcessEnv;
  /** Instead of reading `config.routingFile`. */
  routing?: RoutingConfig;
  /** Instead of the SQLite store in `config.stateDir` (nothing then survives a restart). */
  store?: StateStore;
}

export interface DispatcherService {
  dispatcher: Dispatcher;
  http: ServiceHttp;
  url: string;
  /** Graceful: stop taking alerts, finish sends in flight, keep the rest in the outbox for the next start. */
  stop(): Promise<void>;
}

/** The dispatcher process: bus inputs, the core on the wall clock, deliveries, state in SQLite, the API. */
export async function startDispatcherService(deps: DispatcherServiceDeps): Promise<DispatcherService> {
  const { config, bus, log } = deps;
  const routing = deps.routing ?? loadRoutingFile(config.routingFile ?? DEFAULT_ROUTING_FILE);
  mkdirSync(config.stateDir, { recursive: true });
  const store =
    deps.store ?? new SqliteStore(config.stateDir, (error) => log.warn({ error }, 'background checkpoint failed'));
  const http = new ServiceHttp({ name: 'dispatcher', log, host: config.http.host, port: config.http.port });
  let deliveries: Deliveries | undefined;
  let dispatcher: Dispatcher | undefined;
  const metrics = dispatcherMetrics(http.registry, {
    groups: () => dispatcher?.groupCount ?? 0,
    queued: () => deliveries?.queued ?? 0,
  });
  const subs: Subscription[] = [];
  let ticker: Ticker | undefined;
  try {
    deliveries = new Deliveries(routing.receivers, store, metrics, log, deps.env ?? process.env);
    const sink = deliveries;
    await sink.ready;
    dispatcher = new Dispatcher({ routing, store, onNotification: (n) => sink.submit(n) });
    const core = dispatcher;
    // Decided before a crash or stop and not delivered yet: delivered now, once.
    for (const n of store.loadOutbox()) sink.submit(n);
    ticker = new Ticker(core, (err) => log.error({ err }, 'dispatcher tick failed'));
    const tick = ticker;
    const paced = new PacedIngest((alerts) => {
      core.ingest(alerts);
      tick.arm();
    });

    const partitionKey = (a: Alert) => {
      const [first] = matchRoutes(core.routing.tree, a.labels);
      return first ? groupKey(first, a) : a.fingerprint;
    };
    const publishAlerts = (alerts: Alert[]) =>
      bus.publish(
        ALERTS_TOPIC,
        alerts.map((a) => ({ key: partitionKey(a), value: a })),
      );
    const countReceived = (alerts: readonly Alert[]) => {
      const bySource = new Map<string, number>();
      for (const a of alerts) bySource.set(a.source, (bySource.get(a.source) ?? 0) + 1);
      for (const [source, n] of bySource) metrics.alerts.inc({ source }, n);
    };
    const accept = async (alerts: Alert[]) => {
      countReceived(alerts);
      await publishAlerts(alerts);
    };
    /** Every route the alert takes groups by all its labels: its group holds it alone. */
    const ownGroup = (a: Alert) =>
      matchRoutes(core.routing.tree, a.labels).every((r) => r.groupBy === undefined || r.groupBy.includes('...'));

    await bus.ensureTopics([
      { name: ALERTS_TOPIC, partitions: deps.partitions },
      { name: INCIDENTS_TOPIC, partitions: deps.partitions, compacted: true },
      { name: ACKS_TOPIC, partitions: deps.partitions },
    ]);
    // Group owners: k2.alerts is keyed by group, so each group's alerts reach exactly one member.
    subs.push(
      await bus.subscribe({
        topics: ALERTS_TOPIC,
        groupId: config.groupId,
        fromBeginning: true,
        schema: Alert,
        batchHandler: async (messages) => {
          await paced.submit(messages.map((m) => m.value));
        },
      }),
    );
    subs.push(
      await bus.subscribe({
        topics: INCIDENTS_TOPIC,
        groupId: `${config.groupId}-incidents`,
        schema: Incident,
        batchHandler: async (messages) => {
          const now = Date.now();
          const alerts = messages.map((m) => incidentToAlert(m.value, now));
          countReceived(alerts);
          // An incident that is a group of its own is already with its one owner (k2.incidents is
          // keyed by incident id): no second hop. Groups spanning incidents meet on k2.alerts.
          const own: Alert[] = [];
          const shared: Alert[] = [];
          for (const a of alerts) (ownGroup(a) ? own : shared).push(a);
          await Promise.all([paced.submit(own), shared.length > 0 ? publishAlerts(shared) : undefined]);
        },
      }),
    );
    // Every replica needs every ack (the group may be owned by either): a group per replica.
    subs.push(
      await bus.subscribe({
        topics: ACKS_TOPIC,
        groupId: `${config.groupId}-acks-${instanceId(config.stateDir)}`,
        fromBeginning: true,
        schema: IncidentAck,
        handler: async (message) => {
          core.ack(message.value);
        },
      }),
    );
    registerApi(http.server, {
      auth: new TokenAuth(config.api.tokens),
      dispatcher: core,
      accept: async (alerts) => {
        await accept(alerts);
      },
      changed: () => tick.arm(),
    });
    tick.arm();
    const url = await http.start();
    log.info({ receivers: routing.receivers.map((r) => r.name), stateDir: config.stateDir }, 'dispatcher started');
    return {
      dispatcher: core,
      http,
      url,
      stop: async () => {
        await Promise.all(subs.map((s) => s.close()));
        tick.stop();
        await sink.stop();
        await http.stop();
        store.close();
      },
    };
  } catch (err) {
    await Promise.allSettled(subs.map((s) => s.close()));
    ticker?.stop();
    await deliveries?.stop();
    store.close();
    throw err;
  }
}
