import { describe, expect, it, onTestFinished } from 'vitest';
import { InProcessBus } from '@k2/bus';
import { EVENTS_TOPIC, INCIDENTS_TOPIC } from '@k2/contracts';
import { eventually } from '../../../../libs/kube-sim/test/helpers.js';
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

const LATENESS_MS = 5_000;

function runner(bus: InProcessBus, idleMs: number, durable = true) {
  const r = new ConvergerRunner(
    { groupId: 'k2-converger', latenessMs: LATENESS_MS, idleMs, partitions: 6, durable },
    { bus, policy: defaultPolicy(), log: quietLog },
  );
  onTestFinished(() => r.stop());
  return r;
}

const publishEvents = (bus: InProcessBus, events: readonly { fingerprint: string }[]) =>
  bus.publish(
    EVENTS_TOPIC,
    events.map((e) => ({ key: e.fingerprint, value: e })),
  );

describe('the converger on the bus', () => {
  it('publishes every transition to k2.incidents, keyed by incident id, and resolves once the stream goes quiet', async () => {
    const bus = new InProcessBus();
    onTestFinished(() => bus.close());
    const events = scenarioStream();
    const r = runner(bus, 300);
    await r.start();
    const { records } = await collectIncidents(bus, 'reader');
    await publishEvents(bus, events);
    // Idle, the watermark follows the wall clock (these events are from 2026-01-01): everything ends.
    await eventually(() => (r.converger.watermark > Date.now() - 60_000 ? true : undefined), 10_000);
    await eventually(() => (records.length > 0 && [...r.openRecords()].length === 0 ? true : undefined));
    const expected = expectedRecords(events, r.converger.watermark);
    expect(byIncident(records)).toEqual(byIncident(expected));
    expect(new Set(records.map((i) => i.workload.name))).toEqual(new Set(['checkout', 'report-worker', 'node-2']));
    expect(records.filter((i) => i.transition === 'opened')).toHaveLength(3);
    expect(records.filter((i) => i.transition === 'resolved')).toHaveLength(3);
    const keys = (await bus.snapshot(INCIDENTS_TOPIC)).map((m) => m.key);
    expect(new Set(keys)).toEqual(new Set(records.map((i) => i.id)));
  });

  it('stopped mid-stream and started again, it restores from k2.incidents, replays the uncommitted tail and publishes the same stream', async () => {
    const bus = new InProcessBus();
    onTestFinished(() => bus.close());
    const events = scenarioStream();
    const first = runner(bus, 3_600_000);
    await first.start();
    const { records } = await collectIncidents(bus, 'reader');
    // No wall clock here: the watermark is event time only, so the runs are comparable.
    const idleMs = 3_600_000;
    const half = Math.floor(events.length * 0.55);
    await publishEvents(bus, events.slice(0, half));
    await eventually(() => (records.length > 0 ? true : undefined));
    await first.stop();
    // What arrives while it is down waits on the bus, as it would in Kafka.
    await publishEvents(bus, events.slice(half));
    const second = runner(bus, idleMs);
    await second.start();
    const until = lastSeenMs(events) - LATENESS_MS;
    await eventually(() => (second.converger.watermark >= until ? true : undefined), 10_000);
    const expected = expectedRecords(events, until);
    await eventually(() => (distinct(records).length >= expected.length ? true : undefined));
    expect(byIncident(distinct(records))).toEqual(byIncident(expected));
    // Nothing published twice: the replayed tail reproduced records k2.incidents had, and they were dropped.
    expect(records.length).toBe(distinct(records).length);
    expect(second.uncommitted).toBeGreaterThan(0);
  });

  it('keeps transitions it could not publish and publishes them when the bus takes them again', async () => {
    const bus = new InProcessBus();
    onTestFinished(() => bus.close());
    const events = scenarioStream();
    const r = runner(bus, 3_600_000);
    await r.start();
    const { records } = await collectIncidents(bus, 'reader');
    const publish = bus.publish.bind(bus);
    let refuse = true;
    bus.publish = async (topic, batch) => {
      if (topic === INCIDENTS_TOPIC && refuse) throw new Error('broker unavailable');
      return publish(topic, batch);
    };
    await publishEvents(bus, events);
    await eventually(() => (r.ready ? undefined : true));
    expect(records).toHaveLength(0);
    refuse = false;
    const until = lastSeenMs(events) - LATENESS_MS;
    const expected = expectedRecords(events, until);
    await eventually(() => (records.length >= expected.length ? true : undefined), 15_000);
    expect(byIncident(records)).toEqual(byIncident(expected));
    expect(r.ready).toBe(true);
  });

  it('on a bus that does not outlive it, commits what it published at once, so the bus keeps nothing read', async () => {
    const bus = new InProcessBus();
    onTestFinished(() => bus.close());
    const events = scenarioStream();
    const r = runner(bus, 300, false);
    await r.start();
    await publishEvents(bus, events);
    await eventually(() => (r.converger.watermark > Date.now() - 60_000 ? true : undefined), 10_000);
    await eventually(() => (r.uncommitted === 0 ? true : undefined));
    expect(await bus.snapshot(EVENTS_TOPIC)).toEqual([]);
    // k2.incidents, compacted, keeps the latest record of each incident.
    const incidents = await bus.snapshot(INCIDENTS_TOPIC);
    expect(incidents.map((m) => m.key).sort()).toEqual([...new Set(incidents.map((m) => m.key))].sort());
    expect(incidents).toHaveLength(3);
  });
});
