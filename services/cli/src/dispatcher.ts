import { resolve } from 'node:path';
import type { Component, Running } from './component.js';
import type { Runtime } from './runtime.js';

export async function startDispatcher(runtime: Runtime): Promise<Running> {
  const { config } = runtime;
  // Loaded when started: every other k2 command stays quick to start.
  const { startDispatcherService } = await import('@k2/dispatcher');
  const service = await startDispatcherService({
    config: config.dispatcher,
    bus: runtime.bus(),
    log: runtime.log.child({ service: 'dispatcher' }),
    partitions: config.bus.partitions,
  });
  const receivers = service.dispatcher.routing.config.receivers.map((r) => r.name).join(', ');
  return {
    name: 'dispatcher',
    endpoints: { http: service.url, api: `${service.url}/api/v1` },
    notes: [
      `routing ${config.dispatcher.routingFile ?? 'built-in alert-rules/dispatcher.yaml'} to ${receivers}; state in ${resolve(config.dispatcher.stateDir)}`,
      `Alertmanager webhook: POST ${service.url}/api/v1/alertmanager (bearer token, role sender)`,
    ],
    stop: () => service.stop(),
  };
}

export const dispatcherComponent: Component = {
  name: 'dispatcher',
  enabled: (config) => config.dispatcher.enabled,
  start: startDispatcher,
};
