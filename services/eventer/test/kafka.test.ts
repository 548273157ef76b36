import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { CompactedTable, KafkaBus, type KafkaBusOptions } from '@k2/bus';
import { BusCheckpoint } from '@k2/eventer';
import { eventually, startSim } from '../../../libs/kube-sim/test/helpers.js';
import { restartServer, startServer } from '../../../test/support/servers.js';
import {
  collect,
  expectedIds,
  latestEventVersion,
  quietLog,
  runEventer,
  storm,
  type RunningEventer,
} from './harness.js';

/** Shorter group timings than production, so tests do not wait on rebalances. */
const tuning: KafkaBusOptions['consumer'] = {
  sessionTimeout: 6_000,
  heartbeatInterval: 300,
  rebalanceTimeout: 10_000,
  maxWaitTimeInMs: 100,
};
const INSTANCE = 'eventer';

const buses: KafkaBus[] = [];
const running: RunningEventer[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((r) => r.stop()));
});
afterAll(async () => {
  await Promise.all(buses.map((b) => b.close()));
});

async function kafkaBus(): Promise<KafkaBus> {
  const { brokers } = (await startServer('kafka', INSTANCE)) as { brokers: string };
  const bus = new KafkaBus({ brokers, clientId: 'k2-eventer-test', consumer: tuning, log: quietLog });
  buses.push(bus);
  return bus;
}

async function checkpointOn(bus: KafkaBus, cluster: string): Promise<BusCheckpoint> {
  const table = new CompactedTable(bus, 'k2.checkpoints');
  await table.ensure();
  return new BusCheckpoint(table, `eventer/${cluster}`);
}

describe('the eventer on Kafka', () => {
  it('a broker restart mid-stream loses nothing and duplicates nothing', async () => {
    const cluster = `kafka-${randomUUID().slice(0, 6)}`;
    const scenario = storm();
    const { sim } = await startSim({ scenarios: [scenario] });
    const bus = await kafkaBus();
    const r = await runEventer(sim, bus, await checkpointOn(bus, cluster), { cluster });
    running.push(r);
    const { events } = await collect(bus, `collector-${cluster}`, cluster);
    const caughtUp = async (timeout = 30_000) => {
      const target = latestEventVersion(sim);
      await eventually(() => (r.eventer.position >= target ? true : undefined), timeout, 'eventer caught up');
    };
    sim.advance(200_000);
    await caughtUp();

    const restarted = restartServer('kafka', INSTANCE);
    // Events keep coming while the broker is away; the eventer must hold them.
    sim.advance(200_000);
    await restarted;
    sim.advance(200_000);
    await caughtUp(60_000);
    await eventually(
      () => (events.length >= expectedIds(scenario, cluster).size ? true : undefined),
      30_000,
      'all events consumed',
    );
    const ids = events.map((e) => e.id);
    expect(new Set(ids)).toEqual(expectedIds(scenario, cluster));
    expect(ids.length).toBe(new Set(ids).size);
  }, 150_000);

  it('a killed eventer resumes from its checkpoint in k2.checkpoints: same ids, none twice', async () => {
    const cluster = `kafka-${randomUUID().slice(0, 6)}`;
    const scenario = storm();
    const { sim } = await startSim({ scenarios: [scenario] });
    const bus = await kafkaBus();
    const { events } = await collect(bus, `collector-${cluster}`, cluster);
    let r = await runEventer(sim, bus, await checkpointOn(bus, cluster), { cluster });
    sim.advance(250_000);
    await eventually(() => (r.eventer.position >= latestEventVersion(sim) ? true : undefined), 30_000);
    sim.advance(50_000);
    await r.kill();
    sim.advance(100_000);
    r = await runEventer(sim, bus, await checkpointOn(bus, cluster), { cluster });
    running.push(r);
    sim.advance(250_000);
    await eventually(() => (r.eventer.position >= latestEventVersion(sim) ? true : undefined), 30_000);
    await eventually(() => (events.length >= expectedIds(scenario, cluster).size ? true : undefined), 30_000);
    const ids = events.map((e) => e.id);
    expect(new Set(ids)).toEqual(expectedIds(scenario, cluster));
    expect(ids.length).toBe(new Set(ids).size);
  }, 120_000);
});
