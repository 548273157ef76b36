import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it, onTestFinished } from 'vitest';
import { KafkaBus } from '@k2/bus';
import { EVENTS_TOPIC, INCIDENTS_TOPIC, type Incident, type K2Event } from '@k2/contracts';
import { eventually } from '../../../../libs/kube-sim/test/helpers.js';
import { startServer } from '../../../../test/support/servers.js';
import { ConvergerRunner, defaultPolicy } from '../../src/index.js';
import {
  byIncident,
  collectIncidents,
  distinct,
  expectedRecords,
  lastSeenMs,
  quietLog,
  scenarioStream,
} from './support.js';

const BIN = fileURLToPath(new URL('../../../../bin/k2.js', import.meta.url));
const LATENESS_MS = 5_000;
const children: ChildProcess[] = [];
afterAll(() => children.forEach((c) => c.kill('SIGKILL')));

/** Its own broker: other suites' live events on k2.events would move this one's watermark. */
async function kafka() {
  const { brokers } = (await startServer('kafka', 'converger')) as { brokers: string };
  const bus = new KafkaBus({
    brokers,
    log: quietLog,
    consumer: { sessionTimeout: 6_000, heartbeatInterval: 300, maxWaitTimeInMs: 100 },
  });
  onTestFinished(() => bus.close());
  await bus.ensureTopics([
    { name: EVENTS_TOPIC, partitions: 6 },
    { name: INCIDENTS_TOPIC, partitions: 6, compacted: true },
  ]);
  return { brokers, bus };
}

/** The scenario as a cluster of its own, so runs on one broker stay apart. */
function clusterEvents(): { cluster: string; events: K2Event[] } {
  const cluster = `c-${randomUUID().slice(0, 8)}`;
  return { cluster, events: scenarioStream().map((e) => ({ ...e, cluster })) };
}

const ofCluster = (records: readonly Incident[], cluster: string, until: number) =>
  records.filter((r) => r.cluster === cluster && Date.parse(r.transitionAt) <= until);

const publishEvents = (bus: KafkaBus, events: readonly K2Event[]) =>
  bus.publish(
    EVENTS_TOPIC,
    events.map((e) => ({ key: e.fingerprint, value: e })),
  );

/** `k2 converger` as its own process on Kafka; resolves once it has joined and printed its endpoints. */
async function spawnConverger(env: Record<string, string>): Promise<ChildProcess> {
  const child = spawn(process.execPath, [BIN, 'converger'], { env: { ...process.env, ...env }, stdio: 'pipe' });
  children.push(child);
  child.stderr!.on('data', (d: Buffer) => process.env.K2_TEST_CHILD_LOG && process.stderr.write(d));
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => d.toString().includes('converger') && resolve());
    child.once('exit', (code) => reject(new Error(`k2 converger exited with ${code} before starting`)));
  });
  return child;
}

describe('the converger on Kafka', () => {
  it('SIGKILLed mid-stream and started again, the incident stream is the one an uninterrupted run publishes', async () => {
    const { brokers, bus } = await kafka();
    const { cluster, events } = clusterEvents();
    const { records, sub } = await collectIncidents(bus, `reader-${cluster}`);
    onTestFinished(() => sub.close());
    const env = {
      K2__BUS__KIND: 'kafka',
      K2__BUS__KAFKA__BROKERS: brokers,
      K2__CONVERGER__GROUP_ID: `converger-${cluster}`,
      K2__CONVERGER__IDLE_SECONDS: '5',
      K2__CONVERGER__HTTP__PORT: '0',
      K2__LOG__LEVEL: process.env.K2_TEST_CHILD_LOG ? 'info' : 'warn',
    };
    let child = await spawnConverger(env);
    const half = Math.floor(events.length * 0.55);
    await publishEvents(bus, events.slice(0, half));
    await eventually(() => (ofCluster(records, cluster, Infinity).length > 0 ? true : undefined), 30_000);
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    // What arrives while it is down waits in Kafka.
    await publishEvents(bus, events.slice(half));
    child = await spawnConverger(env);

    const until = lastSeenMs(events) - LATENESS_MS;
    const expected = expectedRecords(events, until);
    await eventually(
      () => (distinct(ofCluster(records, cluster, until)).length >= expected.length ? true : undefined),
      60_000,
      `${expected.length} records`,
    );
    const seen = ofCluster(records, cluster, until);
    expect(byIncident(distinct(seen))).toEqual(byIncident(expected));
    // At most what was published between the last commit and the kill comes again, with the same seq.
    expect(seen.length - distinct(seen).length).toBeLessThanOrEqual(expected.length);
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }, 150_000);

  it('events duplicated and shuffled within the lateness give the incidents of the ordered stream', async () => {
    const { bus } = await kafka();
    const { cluster, events } = clusterEvents();
    const { records, sub } = await collectIncidents(bus, `reader-${cluster}`);
    onTestFinished(() => sub.close());
    const runner = new ConvergerRunner(
      { groupId: `converger-${cluster}`, latenessMs: LATENESS_MS, idleMs: 5_000, partitions: 6, durable: true },
      { bus, policy: defaultPolicy(), log: quietLog },
    );
    onTestFinished(() => runner.stop());
    await runner.start();
    // Windows of 4 s of event time, each shuffled (seeded), with every third event sent twice.
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const windows = new Map<number, K2Event[]>();
    for (const e of events) {
      const w = Math.floor(Date.parse(e.lastSeen) / 4_000);
      windows.set(w, [...(windows.get(w) ?? []), e]);
    }
    const delivered: K2Event[] = [];
    for (const batch of windows.values()) {
      const copies = batch.flatMap((e, i) => (i % 3 === 0 ? [e, e] : [e]));
      for (let i = copies.length - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        [copies[i], copies[j]] = [copies[j]!, copies[i]!];
      }
      delivered.push(...copies);
    }
    expect(delivered.map((e) => e.id)).not.toEqual(events.map((e) => e.id));
    await publishEvents(bus, delivered);

    const until = lastSeenMs(events) - LATENESS_MS;
    const expected = expectedRecords(events, until);
    await eventually(
      () => (ofCluster(records, cluster, until).length >= expected.length ? true : undefined),
      30_000,
      `${expected.length} records`,
    );
    expect(byIncident(ofCluster(records, cluster, until))).toEqual(byIncident(expected));
    expect(runner.converger.counters.duplicate).toBeGreaterThan(0);
  });
});
