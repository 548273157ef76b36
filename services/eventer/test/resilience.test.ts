import { afterEach, describe, expect, it } from 'vitest';
import { InProcessBus, type Bus, type BusRecord } from '@k2/bus';
import { eventId } from '@k2/contracts';
import { EVENTS_TOPIC, FileCheckpoint } from '@k2/eventer';
import { ScenarioBuilder, type KubeSimulator } from '@k2/kube-sim';
import { api, eventually, startSim } from '../../../libs/kube-sim/test/helpers.js';
import {
  collect,
  expectedIds,
  latestEventVersion,
  runEventer,
  storm,
  tempCheckpoint,
  type RunningEventer,
} from './harness.js';

const running: RunningEventer[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((r) => r.stop()));
});

async function start(sim: KubeSimulator, bus: Bus, checkpoint: string, options = {}) {
  const r = await runEventer(sim, bus, checkpoint, options);
  running.push(r);
  return r;
}

async function caughtUp(sim: KubeSimulator, r: RunningEventer): Promise<void> {
  const target = latestEventVersion(sim);
  await eventually(() => (r.eventer.position >= target ? true : undefined), 15_000);
}

describe('no loss, no duplicates', () => {
  it('an eventer killed mid-scenario and restarted from its checkpoint publishes the same ids as an uninterrupted run', async () => {
    const scenario = storm();
    const { sim } = await startSim({ scenarios: [scenario] });
    const bus = new InProcessBus();
    const checkpoint = tempCheckpoint();
    const { events } = await collect(bus);
    let r = await start(sim, bus, checkpoint);
    sim.advance(200_000);
    await caughtUp(sim, r);
    // Events keep arriving while it is down.
    sim.advance(50_000);
    await r.kill();
    running.splice(running.indexOf(r), 1);
    sim.advance(100_000);
    r = await start(sim, bus, checkpoint);
    sim.advance(300_000);
    await caughtUp(sim, r);
    await eventually(() => (events.length >= expectedIds(scenario).size ? true : undefined));
    const ids = events.map((e) => e.id);
    expect(new Set(ids)).toEqual(expectedIds(scenario));
    expect(ids.length).toBe(new Set(ids).size);
  });

  it('a checkpoint write that fails is retried: nothing published twice, nothing lost, and a restart resumes from it', async () => {
    const scenario = storm();
    const { sim } = await startSim({ scenarios: [scenario] });
    const bus = new InProcessBus();
    const { events } = await collect(bus);
    const path = tempCheckpoint();
    let failures = 0;
    class FailingFirst extends FileCheckpoint {
      override async append(published: readonly [string, number][], rv: string | undefined): Promise<void> {
        if (failures++ < 3) throw new Error('disk full');
        await super.append(published, rv);
      }
    }
    let r = await runEventer(sim, bus, new FailingFirst(path), { batchSize: 5 });
    running.push(r);
    sim.advance(300_000);
    await caughtUp(sim, r);
    expect(failures).toBeGreaterThan(3);
    await r.stop();
    running.splice(running.indexOf(r), 1);
    r = await start(sim, bus, path);
    sim.advance(300_000);
    await caughtUp(sim, r);
    await eventually(() => (events.length >= expectedIds(scenario).size ? true : undefined));
    const ids = events.map((e) => e.id);
    expect(new Set(ids)).toEqual(expectedIds(scenario));
    expect(ids.length).toBe(new Set(ids).size);
  });

  it('a 410 during a disconnect leads to a relist that publishes only what is missing, gaps included', async () => {
    const scenario = storm();
    const { sim } = await startSim({ scenarios: [scenario] });
    const bus = new InProcessBus();
    const { events } = await collect(bus);
    const r = await start(sim, bus, tempCheckpoint());
    sim.advance(100_000);
    await caughtUp(sim, r);
    sim.dropConnections();
    sim.advance(100_000);
    sim.cluster.store.compact();
    sim.advance(400_000);
    await caughtUp(sim, r);
    await eventually(() => (events.length >= expectedIds(scenario).size ? true : undefined));
    const ids = events.map((e) => e.id);
    expect(new Set(ids)).toEqual(expectedIds(scenario));
    expect(ids.length).toBe(new Set(ids).size);
    const metrics = await r.registry.metrics();
    expect(metrics).toMatch(/k2_eventer_watch_expired_total [1-9]/);
    expect(metrics).toMatch(/k2_eventer_relists_total [2-9]/);
  });

  it('while the bus refuses writes the watch pauses, and everything read is published once it is back', async () => {
    const scenario = storm();
    const { sim } = await startSim({ scenarios: [scenario] });
    const real = new InProcessBus();
    let down = false;
    // Fault injection around the real bus: publishes fail while `down`.
    const flaky: Bus = {
      ensureTopics: (t) => real.ensureTopics(t),
      publish: (topic: string, records: readonly BusRecord[]) =>
        down ? Promise.reject(new Error('broker unreachable')) : real.publish(topic, records),
      subscribe: (o) => real.subscribe(o),
      snapshot: (t: string) => real.snapshot(t),
      close: () => real.close(),
    } as Bus;
    const { events } = await collect(real);
    const r = await start(sim, flaky, tempCheckpoint(), { queueLimit: 8 });
    sim.advance(60_000);
    await caughtUp(sim, r);
    down = true;
    sim.advance(540_000);
    await eventually(() => (!r.eventer.ready ? true : undefined));
    expect(r.eventer.queued).toBeLessThanOrEqual(8 + 8);
    down = false;
    await caughtUp(sim, r);
    await eventually(() => (events.length >= expectedIds(scenario).size ? true : undefined));
    expect(new Set(events.map((e) => e.id))).toEqual(expectedIds(scenario));
    expect(r.eventer.ready).toBe(true);
  });

  it('prepares each batch while the one before is published; a failed publish puts both back, in order', async () => {
    // With one event a batch, the occurrences of an event counting up land in consecutive batches,
    // and events that happen once would be missed for good if a batch put back were lost.
    const b = new ScenarioBuilder('one-crash-loop');
    b.node('node-1');
    const [pod] = b.deployment('shop', 'cart', 1, ['node-1']);
    const others = b.deployment('web', 'portal', 10, ['node-1']);
    for (let t = 30_000; t <= 600_000; t += 30_000) {
      b.podEvent(pod!, t, 'Warning', 'BackOff', `Back-off restarting failed container cart in pod ${pod!.name}`);
    }
    others.forEach((p, i) =>
      b.podEvent(p, 300_000 + i, 'Normal', 'Pulled', `Container image already present on ${p.name}`),
    );
    const scenario = b.build();
    const { sim } = await startSim({ scenarios: [scenario] });
    const real = new InProcessBus();
    let publishes = 0;
    // Every third publish of events fails, so a batch prepared ahead is put back and prepared again.
    const flaky: Bus = {
      ensureTopics: (t) => real.ensureTopics(t),
      publish: (topic: string, records: readonly BusRecord[]) =>
        topic === EVENTS_TOPIC && ++publishes % 3 === 0
          ? Promise.reject(new Error('broker hiccup'))
          : real.publish(topic, records),
      subscribe: (o) => real.subscribe(o),
      snapshot: (t: string) => real.snapshot(t),
      close: () => real.close(),
    } as Bus;
    const { events } = await collect(real);
    const r = await start(sim, flaky, tempCheckpoint(), { batchSize: 1 });
    sim.advance(600_000);
    await caughtUp(sim, r);
    await eventually(() => (events.length >= expectedIds(scenario).size ? true : undefined));
    const ids = events.map((e) => e.id);
    expect(new Set(ids)).toEqual(expectedIds(scenario));
    expect(ids.length).toBe(new Set(ids).size);
  });

  it('on its very first start publishes only events newer than maxEventAge', async () => {
    const scenario = storm();
    const { sim } = await startSim({ scenarios: [scenario] });
    sim.advance(400_000);
    const bus = new InProcessBus();
    const { events } = await collect(bus);
    const r = await start(sim, bus, tempCheckpoint(), { maxEventAgeMs: 60_000 });
    await caughtUp(sim, r);
    const counts = (target: KubeSimulator) =>
      new Set(target.cluster.store.list('core/events').map((e) => Number(e.count)));
    // Every event object was updated in the last 30 s, so all four are recent: one K2Event each, at their current count.
    await eventually(() => (events.length === 4 ? true : undefined));
    expect(new Set(events.map((e) => e.occurrence))).toEqual(counts(sim));

    const old = await startSim({ scenarios: [storm()] });
    old.sim.advance(400_000);
    const bus2 = new InProcessBus();
    const late = await collect(bus2);
    const r2 = await start(old.sim, bus2, tempCheckpoint(), { maxEventAgeMs: 1_000 });
    await caughtUp(old.sim, r2);
    const before = counts(old.sim);
    old.sim.advance(30_000);
    await caughtUp(old.sim, r2);
    // Nothing from before the start; then each event's next occurrence.
    await eventually(() => (late.events.length === 4 ? true : undefined));
    expect(new Set(late.events.map((e) => e.occurrence))).toEqual(new Set([...before].map((c) => c + 1)));
  });
});

describe('cluster identity', () => {
  it('a checkpoint from another cluster (a new simulator run) is discarded, not trusted', async () => {
    const checkpoint = tempCheckpoint();
    const first = await startSim({ scenarios: [storm()] });
    const bus1 = new InProcessBus();
    const r1 = await start(first.sim, bus1, checkpoint);
    first.sim.advance(100_000);
    await caughtUp(first.sim, r1);
    await r1.stop();
    running.splice(running.indexOf(r1), 1);

    // Same scenario, same event uids, but another cluster: nothing it saw before may be skipped here.
    const scenario = storm();
    const second = await startSim({ scenarios: [scenario] });
    const bus2 = new InProcessBus();
    const { events } = await collect(bus2);
    const r2 = await start(second.sim, bus2, checkpoint);
    second.sim.advance(600_000);
    await caughtUp(second.sim, r2);
    await eventually(() => (events.length >= expectedIds(scenario).size ? true : undefined));
    expect(new Set(events.map((e) => e.id))).toEqual(expectedIds(scenario));
  });
});

describe('filters and bad input', () => {
  it('applies anchored include and exclude rules', async () => {
    const { sim } = await startSim({ scenarios: [storm()] });
    const bus = new InProcessBus();
    const { events } = await collect(bus);
    const quiet = sim.cluster.store.list('core/pods')[0]!.metadata.name!;
    const r = await start(sim, bus, tempCheckpoint(), {
      include: [{ namespace: 'shop' }, { namespace: 'sho' }],
      exclude: [{ reason: 'Back' }, { message: `.* in pod ${quiet}` }],
    });
    sim.advance(40_000);
    await caughtUp(sim, r);
    // `Back` does not match BackOff (anchored); the message rule leaves out one pod's events.
    await eventually(() => (events.length === 3 ? true : undefined));
    expect(events.map((e) => e.involvedObject.name)).not.toContain(quiet);
    expect(await r.registry.metrics()).toMatch(/k2_eventer_events_filtered_total [1-9]/);
  });

  it('dead-letters events it cannot normalise, with the reason, and keeps publishing', async () => {
    const { sim } = await startSim({ scenarios: [storm()] });
    const bus = new InProcessBus();
    const { events } = await collect(bus);
    const dead: { error: string }[] = [];
    await bus.subscribe({
      topics: 'k2.events.dlq',
      groupId: 'dlq',
      fromBeginning: true,
      handler: async (m) => void dead.push(JSON.parse(m.raw.toString())),
    });
    const r = await start(sim, bus, tempCheckpoint());
    const base = {
      involvedObject: { kind: 'Pod', name: 'cart-x', namespace: 'shop' },
      reason: 'Weird',
      type: 'Warning',
    };
    const post = (body: object) => api(sim, '/api/v1/namespaces/shop/events', { method: 'POST', body });
    expect((await post({ ...base, metadata: { name: 'broken-time' }, lastTimestamp: 'yesterday-ish' })).status).toBe(
      201,
    );
    expect((await post({ ...base, metadata: { name: 'huge' }, message: 'x'.repeat(1024 * 1024) })).status).toBe(201);
    expect((await post({ metadata: { name: 'no-object' }, reason: 'Orphan' })).status).toBe(201);
    expect((await post({ ...base, metadata: { name: 'lone-surrogate' }, message: 'bad \ud800 text' })).status).toBe(
      201,
    );
    sim.advance(40_000);
    await caughtUp(sim, r);
    await eventually(() => (dead.length === 2 ? true : undefined));
    expect(dead.map((d) => d.error).join('\n')).toMatch(/lastTimestamp/);
    expect(dead.map((d) => d.error).join('\n')).toMatch(/involvedObject/);
    const huge = events.find((e) => e.reason === 'Weird' && e.message.startsWith('xxx'));
    expect(huge?.message).toMatch(/truncated/);
    expect(events.find((e) => e.message.startsWith('bad '))?.message).toBe('bad \ufffd text');
    expect(events.filter((e) => e.reason === 'BackOff').length).toBeGreaterThan(0);
    expect(await r.registry.metrics()).toContain('k2_eventer_events_dropped_total{reason="dead_lettered"} 2');
  });
});

describe("K2's own write-backs", () => {
  it('are not published again: the oom-watcher already published the kill', async () => {
    const { sim } = await startSim({ scenarios: [storm()] });
    const bus = new InProcessBus();
    const { events } = await collect(bus);
    const r = await start(sim, bus, tempCheckpoint());
    const echo = {
      metadata: { name: 'cart-x.k2oom.0123456789' },
      involvedObject: { kind: 'Pod', name: 'cart-x', namespace: 'shop', uid: 'u-1' },
      reason: 'OOMKilling',
      message: 'Container cart was OOM-killed (limit 512Mi)',
      type: 'Warning',
      source: { component: 'k2-oom-watcher' },
    };
    expect((await api(sim, '/api/v1/namespaces/shop/events', { method: 'POST', body: echo })).status).toBe(201);
    sim.advance(40_000);
    await caughtUp(sim, r);
    await eventually(() => (events.length === 4 ? true : undefined));
    expect(events.map((e) => e.reason)).not.toContain('OOMKilling');
    expect(await r.registry.metrics()).toMatch(/k2_eventer_events_filtered_total 1/);
  });
});

describe('ids', () => {
  it('are the contract ids of (cluster, event uid, occurrence)', async () => {
    const scenario = storm();
    const { sim } = await startSim({ scenarios: [scenario] });
    const bus = new InProcessBus();
    const { events } = await collect(bus);
    const r = await start(sim, bus, tempCheckpoint());
    sim.advance(40_000);
    await caughtUp(sim, r);
    await eventually(() => (events.length === 4 ? true : undefined));
    const uids = sim.cluster.store.list('core/events').map((e) => e.metadata.uid!);
    expect(new Set(events.map((e) => e.id))).toEqual(new Set(uids.map((u) => eventId('test', u, 1))));
  });
});
