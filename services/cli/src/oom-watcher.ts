import { CompactedTable } from '@k2/bus';
import { EVENTS_TOPIC } from '@k2/eventer';
import {
  BusOomCheckpoint,
  FileOomCheckpoint,
  OomWatcher,
  oomWatcherOptions,
  type OomCheckpoint,
} from '@k2/oom-watcher';
import { ServiceHttp } from '@k2/service';
import type { Component, Running } from './component.js';
import { CHECKPOINT_TOPIC } from './eventer.js';
import type { Runtime } from './runtime.js';

export async function startOomWatcher(runtime: Runtime): Promise<Running> {
  const { config } = runtime;
  const log = runtime.log.child({ service: 'oom-watcher' });
  const c = config.oomWatcher;
  const http = new ServiceHttp({ name: 'oom-watcher', log, host: c.http.host, port: c.http.port });
  const bus = runtime.bus();
  await bus.ensureTopics([{ name: EVENTS_TOPIC, partitions: config.bus.partitions }]);
  let checkpoint: OomCheckpoint = new FileOomCheckpoint(c.checkpointPath);
  if (config.bus.kind === 'kafka') {
    // A watcher rescheduled on another host keeps its place through Kafka, not a local file.
    const table = new CompactedTable(bus, CHECKPOINT_TOPIC);
    await table.ensure();
    const scope = c.mode === 'node' ? `${config.cluster}/${c.nodeName}` : config.cluster;
    checkpoint = new BusOomCheckpoint(table, `oom-watcher/${scope}`);
  }
  const watcher = new OomWatcher(oomWatcherOptions(config), {
    kc: await runtime.kubeConfig(),
    bus,
    checkpoint,
    // Node mode needs only this node's pods; cluster mode shares the process's owner caches.
    owners: c.mode === 'cluster' ? await runtime.owners() : undefined,
    log,
    registry: http.registry,
  });
  http.addReadinessCheck('oom-watcher', () => watcher.readiness());
  await watcher.start();
  const url = await http.start();
  return {
    name: 'oom-watcher',
    endpoints: { http: url },
    notes: [
      c.mode === 'cluster'
        ? `watching pods for OOM kills${c.reportEvents ? ', reporting each as an OOMKilling Event on its pod' : ''}`
        : `reading kernel OOM kills from ${c.kmsgPath} on node ${c.nodeName}`,
    ],
    stop: async () => {
      await watcher.stop();
      await http.stop();
    },
  };
}

export const oomWatcherComponent: Component = {
  name: 'oom-watcher',
  enabled: (config) => config.oomWatcher.enabled,
  start: startOomWatcher,
};
