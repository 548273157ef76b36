import { startConvergerService } from '@k2/converger';
import type { Component, Running } from './component.js';
import type { Runtime } from './runtime.js';

export async function startConverger(runtime: Runtime): Promise<Running> {
  const { config } = runtime;
  const service = await startConvergerService({
    config: config.converger,
    bus: runtime.bus(),
    log: runtime.log.child({ service: 'converger' }),
    partitions: config.bus.partitions,
    durable: config.bus.kind === 'kafka',
  });
  return {
    name: 'converger',
    endpoints: { http: service.url },
    notes: [
      `converging k2.events into incidents on k2.incidents (policy: ${config.converger.policyFile ?? 'built-in defaults'}); /metrics, /readyz`,
    ],
    stop: () => service.stop(),
  };
}

export const convergerComponent: Component = {
  name: 'converger',
  enabled: (config) => config.converger.enabled,
  start: startConverger,
};
