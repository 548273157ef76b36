import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { ExporterKubeConfig, startExporterService, type KubeAccess } from '@k2/exporter';
import { StartError, type Component, type Running } from './component.js';
import type { Runtime } from './runtime.js';

/** Components that load client-node and the owner caches anyway: the exporter then shares them. */
const KUBE_CLIENTS = ['eventer', 'oom-watcher'];

/**
 * The exporter's cluster connection. Alone in its process it reads the kubeconfig itself, without
 * client-node's KubeConfig, whose modules are about 80 MB of RSS (exec and auth-provider plugins
 * are then refused at start); beside the eventer it shares theirs.
 */
async function kubeAccess(runtime: Runtime, alone: boolean): Promise<KubeAccess> {
  if (!alone) return runtime.kubeConfig();
  const path = runtime.kubeconfigPath();
  try {
    if (path === 'in-cluster') return ExporterKubeConfig.inCluster();
    return ExporterKubeConfig.fromFile(path ?? defaultKubeconfig(), runtime.config.kubernetes.context);
  } catch (err) {
    throw new StartError(`exporter: ${(err as Error).message}`);
  }
}

/** kubectl's default file: the first $KUBECONFIG names, else ~/.kube/config. */
function defaultKubeconfig(): string {
  return process.env.KUBECONFIG?.split(delimiter).find((p) => p !== '') ?? join(homedir(), '.kube', 'config');
}

export async function startExporter(runtime: Runtime): Promise<Running> {
  const { config } = runtime;
  const c = config.exporter;
  const alone = !KUBE_CLIENTS.some((name) => runtime.runs(name));
  const service = await startExporterService({
    config: c,
    cluster: config.cluster,
    bus: runtime.bus(),
    kc: await kubeAccess(runtime, alone),
    log: runtime.log.child({ service: 'exporter' }),
    partitions: config.bus.partitions,
    // Alone, it keeps its own slim pod caches.
    ...(alone ? {} : { owners: await runtime.owners() }),
  });
  return {
    name: 'exporter',
    endpoints: { metrics: `${service.url}/metrics` },
    notes: [
      c.mode === 'cluster'
        ? `container memory (usage minus cache) from every kubelet's cAdvisor, event, OOM and incident counters: scrape ${service.url}/metrics`
        : `container memory from ${c.cgroupRoot} on node ${c.nodeName}, event, OOM and incident counters: scrape ${service.url}/metrics`,
    ],
    stop: () => service.stop(),
  };
}

export const exporterComponent: Component = {
  name: 'exporter',
  enabled: (config) => config.exporter.enabled,
  start: startExporter,
};
