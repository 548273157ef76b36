import { afterEach, describe, expect, it } from 'vitest';
import { InProcessBus } from '@k2/bus';
import { configSchema } from '@k2/config';
import { ScenarioBuilder } from '@k2/kube-sim';
import { FileCheckpoint, startEventerService, type EventerService } from '@k2/eventer';
import { eventually, kubeConfigFor, startSim } from '../../../libs/kube-sim/test/helpers.js';
import { collect, expectedIds, latestEventVersion, quietLog, tempCheckpoint } from './harness.js';

const services: EventerService[] = [];
afterEach(async () => {
  await Promise.all(services.splice(0).map((s) => s.stop()));
});

describe('two replicas with leader election', () => {
  it('publish nothing twice, and when the leader dies the other takes over within 20 s with nothing lost', async () => {
    const b = new ScenarioBuilder('storm');
    b.node('node-1');
    const pods = b.deployment('shop', 'cart', 3, ['node-1']);
    for (let t = 10_000; t <= 600_000; t += 10_000) {
      pods.forEach((p, i) =>
        b.podEvent(p, t + i, 'Warning', 'BackOff', `Back-off restarting failed container cart in pod ${p.name}`),
      );
    }
    const scenario = b.build();
    const { sim } = await startSim({ scenarios: [scenario] });
    const bus = new InProcessBus();
    const { events } = await collect(bus);
    // Production lease timings: 15 s lease, 10 s renew deadline, 2 s retry.
    const config = configSchema.parse({ eventer: { http: { port: 0 } } }).eventer;
    const checkpoint = tempCheckpoint();
    const start = () =>
      startEventerService({
        cluster: 'test',
        config,
        kc: kubeConfigFor(sim),
        bus,
        checkpoint: new FileCheckpoint(checkpoint),
        log: quietLog,
        partitions: 3,
      });
    const [a, c] = [await start(), await start()];
    services.push(a, c);
    const leader = await eventually(() => (a.elector!.isLeader ? a : c.elector!.isLeader ? c : undefined), 10_000);
    const follower = leader === a ? c : a;
    await leader.eventer.startStreams();
    expect(follower.elector!.isLeader).toBe(false);

    const caughtUp = async (s: EventerService) => {
      const target = latestEventVersion(sim);
      await eventually(
        () => (s.eventer.position >= target ? true : undefined),
        15_000,
        `caught up to ${target} (at ${s.eventer.position}, leader ${s.elector?.isLeader})`,
      );
    };
    for (let i = 0; i < 10; i++) sim.advance(10_000);
    await caughtUp(leader);

    await leader.abandon();
    services.splice(services.indexOf(leader), 1);
    const died = Date.now();
    // The cluster keeps producing events while nobody leads.
    while (!follower.elector!.isLeader) {
      sim.advance(5_000);
      await new Promise((r) => setTimeout(r, 250));
      expect(Date.now() - died).toBeLessThan(20_000);
    }
    const failoverMs = Date.now() - died;
    expect(failoverMs).toBeLessThan(20_000);
    await follower.eventer.startStreams();
    for (let i = 0; i < 60; i++) sim.advance(10_000);
    await caughtUp(follower);

    await eventually(
      () => (events.length >= expectedIds(scenario).size ? true : undefined),
      10_000,
      `all ids (${events.length})`,
    );
    const ids = events.map((e) => e.id);
    expect(new Set(ids)).toEqual(expectedIds(scenario));
    expect(ids.length).toBe(new Set(ids).size);
    const metrics = await (await fetch(`${follower.url}/metrics`)).text();
    expect(metrics).toContain('k2_eventer_leader{service="eventer"} 1');
  }, 60_000);
});
