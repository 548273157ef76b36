import { FileCheckpoint, startEventerService } from '@k2/eventer';
import type { Component, Running } from './component.js';
import type { Runtime } from './runtime.js';

export async function startEventer(runtime: Runtime): Promise<Running> {
  const { config, log } = runtime;
  const service = await startEventerService({
    cluster: config.cluster,
    config: config.eventer,
    kc: runtime.kubeConfig(),
    bus: runtime.bus(),
    checkpoint: new FileCheckpoint(config.eventer.checkpointPath),
    log: log.child({ service: 'eventer' }),
    partitions: config.bus.partitions,
  });
  return {
    name: 'eventer',
    endpoints: { http: service.url },
    notes: [`publishing cluster "${config.cluster}" events to k2.events (${config.bus.kind} bus); /metrics, /readyz`],
    stop: () => service.stop(),
  };
}

export const eventerComponent: Component = {
  name: 'eventer',
  enabled: (config) => config.eventer.enabled,
  start: startEventer,
};
