import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { Registry } from 'prom-client';
import { InProcessBus } from '@k2/bus';
import type { K2Config } from '@k2/config';
import { EVENTS_TOPIC, Incident, INCIDENTS_TOPIC, K2Event } from '@k2/contracts';
import { ConvergerRunner, defaultPolicy, loadPolicyFile } from '@k2/converger';
import { Eventer, eventerMetrics, FileCheckpoint, OwnerResolver } from '@k2/eventer';
import { KubeSimulator, type Scenario } from '@k2/kube-sim';
import type { Logger } from '@k2/log';
import { FileOomCheckpoint, OomWatcher } from '@k2/oom-watcher';

export interface ReplayOptions {
  scenario: Scenario;
  policyFile?: string;
  config: K2Config;
  out: string;
  log: Logger;
  /** Reports progress: scenario ms played of the total. */
  progress?: (playedMs: number, totalMs: number) => void;
}

export interface ReplayResult {
  events: number;
  incidents: number;
  notifications: number;
  seconds: number;
}

/** Scenario time per step: fine enough that a step's events arrive close together in event time. */
const STEP_MS = 5_000;
/** Event time after the scenario's end, so quiet periods end and incidents resolve. */
const SETTLE_MS = 24 * 3_600_000;

/**
 * Runs the whole pipeline in this process on a virtual clock, as fast as it goes: the simulator
 * plays the scenario step by step; the eventer and the OOM watcher read it through the API like
 * in production and publish to an in-process bus; the converger turns their K2Events into
 * incidents. Writes events.jsonl, incidents.jsonl and notifications.jsonl (opened, reopened and
 * resolved transitions: what the default receiver would be told) to `out`.
 */
export async function replay(options: ReplayOptions): Promise<ReplayResult> {
  const began = performance.now();
  const { config, log } = options;
  const sim = new KubeSimulator({ scenarios: [options.scenario], virtualTime: true, port: 0, host: '127.0.0.1' });
  await sim.start();
  const bus = new InProcessBus({ log });
  const state = join(tmpdir(), `k2-replay-${process.pid}-${Date.now()}`);
  const kc = new KubeConfig();
  kc.loadFromString(sim.kubeconfig());
  const now = () => sim.cluster.clock.now();
  const events: K2Event[] = [];
  const incidents: Incident[] = [];
  try {
    await bus.ensureTopics([
      { name: EVENTS_TOPIC, partitions: config.bus.partitions },
      { name: INCIDENTS_TOPIC, partitions: config.bus.partitions, compacted: true },
    ]);
    await bus.subscribe({
      topics: EVENTS_TOPIC,
      groupId: 'replay-events',
      schema: K2Event,
      handler: async (m) => void events.push(m.value),
    });
    await bus.subscribe({
      topics: INCIDENTS_TOPIC,
      groupId: 'replay-incidents',
      schema: Incident,
      handler: async (m) => void incidents.push(m.value),
    });
    const policy = options.policyFile ? loadPolicyFile(options.policyFile) : defaultPolicy();
    const converger = new ConvergerRunner(
      {
        groupId: 'replay-converger',
        latenessMs: config.converger.latenessSeconds * 1000,
        // Time is driven below; the wall clock must not move it.
        idleMs: Number.MAX_SAFE_INTEGER,
        partitions: config.bus.partitions,
        durable: false,
        now,
      },
      { bus, policy, log },
    );
    await converger.start();
    const owners = new OwnerResolver(kc, log);
    await owners.start();
    const eventer = new Eventer(
      {
        cluster: config.cluster,
        namespaces: config.eventer.namespaces,
        include: config.eventer.include,
        exclude: config.eventer.exclude,
        // Every event of the scenario counts, however old its timestamps.
        maxEventAgeMs: Number.MAX_SAFE_INTEGER,
        queueLimit: config.eventer.queueLimit,
        batchSize: config.eventer.batchSize,
      },
      {
        kc,
        bus,
        checkpoint: new FileCheckpoint(join(state, 'eventer.jsonl')),
        owners,
        metrics: eventerMetrics(new Registry()),
        log,
        now,
      },
    );
    const oom = new OomWatcher(
      {
        cluster: config.cluster,
        mode: 'cluster',
        kmsgPath: '/dev/null',
        reportEvents: false,
        maxKillAgeMs: Number.MAX_SAFE_INTEGER,
      },
      {
        kc,
        bus,
        checkpoint: new FileOomCheckpoint(join(state, 'oom.jsonl')),
        owners,
        log,
        registry: new Registry(),
        now,
      },
    );
    await eventer.startStreams();
    await oom.start();
    const total = options.scenario.duration;
    for (let played = 0; played <= total; played += STEP_MS) {
      sim.advance(STEP_MS);
      await settled(sim, eventer, events);
      options.progress?.(Math.min(played + STEP_MS, total), total);
    }
    await eventer.stopStreams();
    await oom.stop();
    await owners.stop();
    await converger.advanceTo(now() + SETTLE_MS);
    await converger.stop();
    await quiet(() => incidents.length);
  } finally {
    await bus.close();
    await sim.stop();
  }
  const notifications = incidents.filter((i) => ['opened', 'reopened', 'resolved'].includes(i.transition));
  mkdirSync(options.out, { recursive: true });
  const jsonl = (rows: readonly object[]) => rows.map((r) => JSON.stringify(r)).join('\n') + (rows.length ? '\n' : '');
  writeFileSync(join(options.out, 'events.jsonl'), jsonl(events));
  writeFileSync(join(options.out, 'incidents.jsonl'), jsonl(incidents));
  writeFileSync(join(options.out, 'notifications.jsonl'), jsonl(notifications));
  return {
    events: events.length,
    incidents: incidents.length,
    notifications: notifications.length,
    seconds: (performance.now() - began) / 1000,
  };
}

/** The eventer has published up to the newest event, and nothing more arrives on the bus for a moment. */
async function settled(sim: KubeSimulator, eventer: Eventer, events: readonly K2Event[]): Promise<void> {
  let newest = 0;
  for (const e of sim.cluster.store.list('core/events')) newest = Math.max(newest, Number(e.metadata.resourceVersion));
  while (eventer.position < newest) await new Promise((r) => setTimeout(r, 2));
  await quiet(() => events.length);
}

/** Waits until `count` has not changed for a few milliseconds (pod watches and bus deliveries in flight). */
async function quiet(count: () => number): Promise<void> {
  let last = -1;
  while (count() !== last) {
    last = count();
    await new Promise((r) => setTimeout(r, 15));
  }
}
