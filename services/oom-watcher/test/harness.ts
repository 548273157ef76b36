import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Registry } from 'prom-client';
import type { Bus } from '@k2/bus';
import { K2Event } from '@k2/contracts';
import type { KubeSimulator } from '@k2/kube-sim';
import { createLogger } from '@k2/log';
import { FileOomCheckpoint, OomWatcher, type OomWatcherDeps, type OomWatcherOptions } from '@k2/oom-watcher';
import { kubeConfigFor } from '../../../libs/kube-sim/test/helpers.js';

/** Silent unless K2_TEST_LOG names a level. */
export const quietLog = createLogger({
  name: 'test',
  level: process.env.K2_TEST_LOG ?? 'warn',
  ...(process.env.K2_TEST_LOG ? {} : { destination: new Writable({ write: (_c, _e, cb) => cb() }) as never }),
});

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'k2-oom-'));
}

export function tempCheckpoint(): string {
  return join(tempDir(), 'checkpoint.jsonl');
}

/** A checkpoint of an earlier run against `sim` that handled nothing: no first-start age filter. */
export function existingCheckpoint(sim: KubeSimulator, lines: string[] = []): string {
  const path = tempCheckpoint();
  const clusterId = sim.cluster.store.get('core/namespaces', '/kube-system')!.metadata.uid;
  writeFileSync(path, [JSON.stringify({ c: clusterId }), ...lines].join('\n') + '\n');
  return path;
}

export const EVENTS = 'k2.events';

export async function runWatcher(
  sim: KubeSimulator,
  bus: Bus,
  checkpointPath: string,
  options: Partial<OomWatcherOptions> = {},
  deps: Partial<OomWatcherDeps> = {},
): Promise<{
  watcher: OomWatcher;
  registry: Registry;
  metric(name: string, labels?: Record<string, string>): Promise<number>;
}> {
  await bus.ensureTopics([{ name: EVENTS, partitions: 3 }]);
  const registry = deps.registry ?? new Registry();
  const watcher = new OomWatcher(
    { cluster: 'test', mode: 'cluster', kmsgPath: '/dev/null', reportEvents: true, ...options },
    {
      kc: kubeConfigFor(sim),
      bus,
      checkpoint: new FileOomCheckpoint(checkpointPath),
      log: quietLog,
      registry,
      ...deps,
    },
  );
  await watcher.start();
  const metric = async (name: string, labels: Record<string, string> = {}) => {
    const m = (await registry.getSingleMetric(name)?.get())?.values ?? [];
    return m
      .filter((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l))
      .reduce((a, v) => a + v.value, 0);
  };
  return { watcher, registry, metric };
}

/** Every K2Event published to k2.events, in order. */
export async function collect(bus: Bus): Promise<K2Event[]> {
  await bus.ensureTopics([{ name: EVENTS, partitions: 3 }]);
  const events: K2Event[] = [];
  await bus.subscribe({
    topics: EVENTS,
    groupId: 'collector',
    fromBeginning: true,
    schema: K2Event,
    handler: async (m) => void events.push(m.value),
  });
  return events;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits for `n` events, then a little longer to catch any that should not come. */
export async function settle(events: readonly K2Event[], n: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (events.length < n) {
    if (Date.now() > deadline) throw new Error(`expected ${n} events, got ${events.length}`);
    await sleep(20);
  }
  await sleep(300);
}
