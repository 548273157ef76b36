import type { Bus } from '@k2/bus';
import type { ConvergerConfig } from '@k2/config';
import type { Logger } from '@k2/log';
import { ServiceHttp } from '@k2/service';
import { loadPolicyFile } from '../policy-file.js';
import { defaultPolicy } from '../policy.js';
import { convergerMetrics } from './metrics.js';
import { ConvergerRunner } from './runner.js';

export interface ConvergerServiceDeps {
  config: ConvergerConfig;
  bus: Bus;
  log: Logger;
  /** Partitions for k2.events and k2.incidents when this service creates them. */
  partitions: number;
  /** The bus outlives the process (Kafka): keep the tail a restart replays uncommitted. */
  durable: boolean;
}

export interface ConvergerService {
  runner: ConvergerRunner;
  http: ServiceHttp;
  url: string;
  /** Graceful: finish the batch in hand, publish and commit it, leave the group. */
  stop(): Promise<void>;
}

/** The converger process: policy, the runner on the bus, and its HTTP endpoints. */
export async function startConvergerService(deps: ConvergerServiceDeps): Promise<ConvergerService> {
  const { config, log } = deps;
  // A broken policy file is a start-up error naming file, line and path (ConfigError).
  const policy = config.policyFile ? loadPolicyFile(config.policyFile) : defaultPolicy();
  const http = new ServiceHttp({ name: 'converger', log, host: config.http.host, port: config.http.port });
  // Read at scrape time, once the runner exists.
  const metrics = convergerMetrics(http.registry, {
    counters: () => runner.converger.counters,
    stateBytes: () => runner.converger.stateSize(),
    uncommitted: () => runner.uncommitted,
    incidents: () => runner.openRecords(),
    watermarkMs: () => runner.converger.watermark,
  });
  const runner: ConvergerRunner = new ConvergerRunner(
    {
      groupId: config.groupId,
      latenessMs: config.latenessSeconds * 1000,
      idleMs: config.idleSeconds * 1000,
      partitions: deps.partitions,
      durable: deps.durable,
    },
    { bus: deps.bus, policy, log, metrics },
  );
  await runner.start();
  http.addReadinessCheck('bus', () => runner.ready || 'publishing to k2.incidents fails; events are retried');
  const url = await http.start();
  return {
    runner,
    http,
    url,
    stop: async () => {
      await runner.stop();
      await http.stop();
    },
  };
}
