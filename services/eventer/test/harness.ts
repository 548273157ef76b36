import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Registry } from 'prom-client';
import type { Bus, Subscription } from '@k2/bus';
import { eventId, K2Event } from '@k2/contracts';
import { ScenarioBuilder, type KubeSimulator, type Scenario } from '@k2/kube-sim';
import { createLogger } from '@k2/log';
import {
  Eventer,
  eventerMetrics,
  EVENTS_TOPIC,
  FileCheckpoint,
  OwnerResolver,
  type Checkpoint,
  type EventerOptions,
} from '@k2/eventer';
import { kubeConfigFor } from '../../../libs/kube-sim/test/helpers.js';

export const quietLog = createLogger({
  name: 'test',
  level: process.env.K2_TEST_LOG ?? 'warn',
  destination: process.env.K2_TEST_LOG ? undefined : (new Writable({ write: (_c, _e, cb) => cb() }) as never),
});

export function tempCheckpoint(): string {
  return join(mkdtempSync(join(tmpdir(), 'k2-eventer-')), 'checkpoint.jsonl');
}

export interface RunningEventer {
  eventer: Eventer;
  owners: OwnerResolver;
  registry: Registry;
  /** Graceful: publishes what was read, then stops. */
  stop(): Promise<void>;
  /** Abrupt: stops reading and forgets what was read but not yet published, as a killed process would. */
  kill(): Promise<void>;
}

export async function runEventer(
  sim: KubeSimulator,
  bus: Bus,
  checkpointPath: string | Checkpoint,
  options: Partial<EventerOptions> = {},
): Promise<RunningEventer> {
  await bus.ensureTopics([{ name: EVENTS_TOPIC, partitions: 3 }]);
  const kc = kubeConfigFor(sim);
  const owners = new OwnerResolver(kc, quietLog);
  await owners.start();
  const registry = new Registry();
  const eventer = new Eventer(
    {
      cluster: 'test',
      namespaces: [],
      include: [],
      exclude: [],
      maxEventAgeMs: 10 * 60_000,
      queueLimit: 10_000,
      batchSize: 500,
      ...options,
    },
    {
      kc,
      bus,
      checkpoint: typeof checkpointPath === 'string' ? new FileCheckpoint(checkpointPath) : checkpointPath,
      owners,
      metrics: eventerMetrics(registry),
      log: quietLog,
      now: () => sim.cluster.clock.now(),
    },
  );
  await eventer.startStreams();
  return {
    eventer,
    owners,
    registry,
    stop: async () => {
      await eventer.stopStreams();
      await owners.stop();
    },
    kill: async () => {
      eventer.abandon();
      await owners.stop();
    },
  };
}

/** Every K2Event published to k2.events, in order, each record once however often it is delivered. */
export async function collect(
  bus: Bus,
  groupId = 'collector',
  cluster?: string,
): Promise<{ events: K2Event[]; sub: Subscription }> {
  const events: K2Event[] = [];
  // A record delivered again (the collector's own commit lost to a broker restart) is the same
  // record, at the same offset; a record published twice has an offset of its own.
  const seen = new Set<string>();
  await bus.ensureTopics([{ name: EVENTS_TOPIC, partitions: 3 }]);
  const sub = await bus.subscribe({
    topics: EVENTS_TOPIC,
    groupId,
    fromBeginning: true,
    schema: K2Event,
    handler: async (m) => {
      const at = `${m.partition}/${m.offset}`;
      if (seen.has(at)) return;
      seen.add(at);
      if (!cluster || m.value.cluster === cluster) events.push(m.value);
    },
  });
  return { events, sub };
}

/** The newest resourceVersion among the simulator's events: the eventer has caught up once it got there. */
export function latestEventVersion(sim: KubeSimulator): number {
  let max = 0;
  for (const e of sim.cluster.store.list('core/events')) max = Math.max(max, Number(e.metadata.resourceVersion));
  return max;
}

/** Every occurrence of every event the scenario plays: from the count it was created with to its last count. */
export function expectedIds(scenario: Scenario, cluster = 'test'): Set<string> {
  const span = new Map<string, { first: number; last: number }>();
  for (const line of scenario.lines) {
    if (line.object.kind !== 'Event' || line.verb === 'delete') continue;
    const uid = line.object.metadata.uid!;
    const count = Number(line.object.count ?? 1);
    const s = span.get(uid);
    if (!s) span.set(uid, { first: count, last: count });
    else s.last = Math.max(s.last, count);
  }
  const ids = new Set<string>();
  for (const [uid, { first, last }] of span) for (let o = first; o <= last; o++) ids.add(eventId(cluster, uid, o));
  return ids;
}

/** A busy cluster: 4 crash-looping pods whose BackOff events bump their count every 30 s for 10 minutes. */
export function storm() {
  const b = new ScenarioBuilder('storm');
  b.node('node-1');
  const pods = b.deployment('shop', 'cart', 4, ['node-1']);
  for (let t = 30_000; t <= 600_000; t += 30_000) {
    pods.forEach((p, i) =>
      b.podEvent(p, t + i * 10, 'Warning', 'BackOff', `Back-off restarting failed container cart in pod ${p.name}`),
    );
  }
  return b.build();
}
