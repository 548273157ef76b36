import { startExporterService } from '@k2/exporter';
import type { Component, Running } from './component.js';
import type { Runtime } from './runtime.js';

export async function startExporter(runtime: Runtime): Promise<Running> {
  const { config } = runtime;
  const c = config.exporter;
  const service = await startExporterService({
    config: c,
    cluster: config.cluster,
    bus: runtime.bus(),
    kc: runtime.kubeConfig(),
    log: runtime.log.child({ service: 'exporter' }),
    partitions: config.bus.partitions,
    owners: await runtime.owners(),
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
