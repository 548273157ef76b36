import { CompactedTable } from '@k2/bus';
import { BusCheckpoint, FileCheckpoint, startEventerService, type Checkpoint } from '@k2/eventer';
import type { Component, Running } from './component.js';
import type { Runtime } from './runtime.js';

export const CHECKPOINT_TOPIC = 'k2.checkpoints';

export async function startEventer(runtime: Runtime): Promise<Running> {
  const { config, log } = runtime;
  let checkpoint: Checkpoint = new FileCheckpoint(config.eventer.checkpointPath);
  if (config.bus.kind === 'kafka') {
    // Replicas on different hosts share their place through Kafka, not a local file.
    const table = new CompactedTable(runtime.bus(), CHECKPOINT_TOPIC);
    await table.ensure();
    checkpoint = new BusCheckpoint(table, `eventer/${config.cluster}`);
  }
  const service = await startEventerService({
    cluster: config.cluster,
    config: config.eventer,
    kc: await runtime.kubeConfig(),
    bus: runtime.bus(),
    checkpoint,
    log: log.child({ service: 'eventer' }),
    partitions: config.bus.partitions,
    owners: await runtime.owners(),
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
