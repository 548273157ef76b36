import { CoordinationV1Api, type KubeConfig } from '@kubernetes/client-node';
import type { Bus } from '@k2/bus';
import type { EventerConfig } from '@k2/config';
import type { Logger } from '@k2/log';
import { ServiceHttp } from '@k2/service';
import type { Checkpoint } from './checkpoint.js';
import { Eventer, EVENTS_TOPIC } from './eventer.js';
import { LeaderElector } from './leader.js';
import { eventerMetrics } from './metrics.js';
import { OwnerResolver } from './owners.js';

export interface EventerServiceDeps {
  cluster: string;
  config: EventerConfig;
  kc: KubeConfig;
  bus: Bus;
  checkpoint: Checkpoint;
  log: Logger;
  /** Partitions for k2.events when this service creates it. */
  partitions: number;
  /** Owner caches shared with other services in the process; the service starts its own otherwise. */
  owners?: OwnerResolver;
}

export interface EventerService {
  eventer: Eventer;
  elector: LeaderElector | undefined;
  http: ServiceHttp;
  url: string;
  /** Graceful: stop reading, publish what was read, release the lease. */
  stop(): Promise<void>;
  /** What a killed process leaves: no drain, no lease release. */
  abandon(): Promise<void>;
}

/** The eventer process: owner caches, leader election, the pipeline and its HTTP endpoints. */
export async function startEventerService(deps: EventerServiceDeps): Promise<EventerService> {
  const { config, log } = deps;
  const http = new ServiceHttp({ name: 'eventer', log, host: config.http.host, port: config.http.port });
  const metrics = eventerMetrics(http.registry);
  await deps.bus.ensureTopics([{ name: EVENTS_TOPIC, partitions: deps.partitions }]);
  const owners = deps.owners ?? new OwnerResolver(deps.kc, log);
  if (!deps.owners) await owners.start();
  const eventer = new Eventer(
    {
      cluster: deps.cluster,
      namespaces: config.namespaces,
      include: config.include,
      exclude: config.exclude,
      maxEventAgeMs: config.maxEventAgeSeconds * 1000,
      queueLimit: config.queueLimit,
      batchSize: config.batchSize,
    },
    { kc: deps.kc, bus: deps.bus, checkpoint: deps.checkpoint, owners, metrics, log },
  );
  // The checkpoint is read when this replica starts leading, not before: a follower must not
  // act on a position the leader is still moving.
  const lead = (leading: boolean): void => {
    metrics.leader.set(leading ? 1 : 0);
    if (leading) void eventer.startStreams();
    else void eventer.stopStreams();
  };
  let elector: LeaderElector | undefined;
  const le = config.leaderElection;
  if (le.enabled) {
    elector = new LeaderElector(
      deps.kc.makeApiClient(CoordinationV1Api),
      {
        namespace: le.namespace,
        name: le.leaseName,
        leaseDurationMs: le.leaseDurationSeconds * 1000,
        renewDeadlineMs: le.renewDeadlineSeconds * 1000,
        retryPeriodMs: le.retryPeriodSeconds * 1000,
        onStartedLeading: () => lead(true),
        onStoppedLeading: () => lead(false),
      },
      log,
    );
    elector.start();
  } else lead(true);

  http.addReadinessCheck('bus', () => eventer.ready || 'publishing to the bus fails; the watch is paused');
  const url = await http.start();
  return {
    eventer,
    elector,
    http,
    url,
    stop: async () => {
      await elector?.stop();
      await eventer.stopStreams();
      await deps.checkpoint.close();
      if (!deps.owners) await owners.stop();
      await http.stop();
    },
    abandon: async () => {
      elector?.abandon();
      eventer.abandon();
      if (!deps.owners) await owners.stop();
      await http.stop();
    },
  };
}
