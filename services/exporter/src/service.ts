import { randomBytes } from 'node:crypto';
import type { Bus } from '@k2/bus';
import type { K2Config } from '@k2/config';
import { EVENTS_TOPIC, INCIDENTS_TOPIC } from '@k2/contracts';
import type { Logger } from '@k2/log';
import { ServiceHttp } from '@k2/service';
import { registerOverflowGauge } from './bounded-label.js';
import { CadvisorMemorySource } from './cadvisor/source.js';
import type { KubeAccess } from './kube/access.js';
import { CgroupMemorySource } from './cgroup/source.js';
import { DeadLetterMetrics } from './dead-letters.js';
import { EventMetrics } from './events.js';
import { IncidentMetrics } from './incidents.js';
import { MemoryMetrics } from './memory-metrics.js';
import { PodDirectory } from './pods.js';
import type { MemorySource } from './source.js';
import type { WorkloadLookup } from './workload.js';

export type ExporterConfig = K2Config['exporter'];

export interface ExporterServiceDeps {
  config: ExporterConfig;
  /** The name K2 gives the cluster: the `cluster` label of the memory series. */
  cluster: string;
  bus: Bus;
  /** The cluster: a client-node KubeConfig, or the lighter ExporterKubeConfig (which keeps the process smaller). */
  kc: KubeAccess;
  log: Logger;
  /** Bus topics' partitions, for the topics the exporter creates when they are missing. */
  partitions: number;
  /** Shared owner caches (k2 up), used in cluster mode; the exporter watches its own when absent, and in node mode. */
  owners?: WorkloadLookup;
}

export interface ExporterService {
  url: string;
  memory: MemoryMetrics;
  events: EventMetrics;
  incidents: IncidentMetrics;
  stop(): Promise<void>;
}

/** The exporter: /metrics with container memory, event, OOM and incident series, and pipeline health. */
export async function startExporterService(deps: ExporterServiceDeps): Promise<ExporterService> {
  const { config, bus, kc, log } = deps;
  const http = new ServiceHttp({ name: 'exporter', log, host: config.http.host, port: config.http.port });
  const stops: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop();
  };
  try {
    // Node mode watches this node's pods to name its cgroups, and names workloads from the same
    // watch; cluster mode uses the process's shared owner caches when it has them.
    let owners = config.mode === 'cluster' ? deps.owners : undefined;
    let pods: PodDirectory | undefined;
    if (config.mode === 'node' || !owners) {
      const directory = new PodDirectory(kc, log, config.mode === 'node' ? config.nodeName : undefined);
      await directory.start();
      stops.push(() => directory.stop());
      pods = directory;
      owners = directory;
    }
    let source: MemorySource;
    if (config.mode === 'node') {
      const cgroups = new CgroupMemorySource(
        { root: config.cgroupRoot, node: config.nodeName!, version: config.cgroupVersion },
        pods!,
        owners,
      );
      stops.push(async () => cgroups.stop());
      source = cgroups;
    } else {
      const cadvisor = new CadvisorMemorySource(kc, owners, {
        kubeletUrlTemplate: config.kubeletUrlTemplate,
        concurrency: config.concurrency,
        timeoutMs: config.timeoutSeconds * 1000,
      });
      await cadvisor.start();
      stops.push(() => cadvisor.stop());
      source = cadvisor;
    }
    const memory = new MemoryMetrics(deps.cluster, source, config.mode === 'node' ? 'cgroup' : 'cadvisor', http);

    await bus.ensureTopics([
      { name: EVENTS_TOPIC, partitions: deps.partitions },
      { name: INCIDENTS_TOPIC, partitions: deps.partitions, compacted: true },
    ]);
    // Every replica needs every incident and every dead letter: a group of its own for those.
    const instance = randomBytes(6).toString('hex');
    const events = new EventMetrics(bus, http.registry, { groupId: config.groupId, maxReasons: config.maxReasons });
    const incidents = new IncidentMetrics(bus, http.registry, {
      groupId: `${config.groupId}-incidents-${instance}`,
      maxClasses: config.maxClasses,
    });
    const letters = new DeadLetterMetrics(bus, http.registry, {
      groupId: `${config.groupId}-dlq-${instance}`,
      topics: [EVENTS_TOPIC, INCIDENTS_TOPIC],
    });
    registerOverflowGauge(http.registry, { reason: events.reasons, class: incidents.classes });
    for (const part of [events, incidents, letters]) {
      await part.start();
      stops.push(() => part.stop());
    }
    http.addReadinessCheck('memory-source', () => {
      const down = memory.last?.targets.filter((t) => !t.up) ?? [];
      return down.length === 0 || `cannot read ${down.map((t) => t.node || t.source).join(', ')}`;
    });
    const url = await http.start();
    stops.push(() => http.stop());
    log.info({ mode: config.mode, url }, 'exporter started');
    return { url, memory, events, incidents, stop: stopAll };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
