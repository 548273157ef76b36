import { afterEach, describe, expect, it } from 'vitest';
import { InProcessBus } from '@k2/bus';
import type { K2Event } from '@k2/contracts';
import { loadScenario, type Scenario } from '@k2/kube-sim';
import { eventually, startSim } from '../../../libs/kube-sim/test/helpers.js';
import { SHARED_SCENARIO_NAMES, sharedAvailable, sharedScenarioPath } from '../../../test/support/shared.js';
import {
  collect,
  expectedIds,
  latestEventVersion,
  runEventer,
  tempCheckpoint,
  type RunningEventer,
} from './harness.js';

/** Pod name → owning Deployment name, from the scenario's ReplicaSets. */
function podWorkloads(scenario: Scenario): Map<string, string> {
  const rsOwner = new Map<string, string>();
  const pods = new Map<string, string>();
  for (const { object } of scenario.lines) {
    const owner = object.metadata.ownerReferences?.[0];
    if (object.kind === 'ReplicaSet' && owner) rsOwner.set(object.metadata.name!, owner.name);
    if (object.kind === 'Pod' && owner) pods.set(object.metadata.name!, rsOwner.get(owner.name) ?? owner.name);
  }
  return pods;
}

const running: RunningEventer[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((r) => r.stop()));
});

/** Plays a scenario to its end in steps, waiting for the eventer to catch up after each. */
async function play(
  sim: Awaited<ReturnType<typeof startSim>>['sim'],
  scenario: Scenario,
  r: () => RunningEventer,
  until = scenario.duration,
  step = 20_000,
) {
  while (sim.player.time < until) {
    sim.advance(Math.min(step, until - sim.player.time + 1));
    const target = latestEventVersion(sim);
    await eventually(() => (r().eventer.position >= target ? true : undefined), 15_000);
  }
}

describe.runIf(sharedAvailable())('replaying the shared scenarios', () => {
  for (const name of SHARED_SCENARIO_NAMES) {
    it(`${name}: exactly one K2Event per event occurrence, each with its owning workload`, async () => {
      const scenario = loadScenario(sharedScenarioPath(name));
      const { sim } = await startSim({ scenarios: [scenario] });
      const bus = new InProcessBus();
      const eventer = await runEventer(sim, bus, tempCheckpoint());
      running.push(eventer);
      const { events } = await collect(bus);
      await play(sim, scenario, () => eventer);
      await eventually(() => (events.length >= expectedIds(scenario).size ? true : undefined));

      const ids = events.map((e) => e.id);
      expect(new Set(ids).size).toBe(ids.length);
      expect(new Set(ids)).toEqual(expectedIds(scenario));
      const owners = podWorkloads(scenario);
      for (const e of events.filter((x: K2Event) => x.involvedObject.kind === 'Pod')) {
        expect(e.workload, `${e.involvedObject.name}`).toEqual({
          kind: 'Deployment',
          name: owners.get(e.involvedObject.name),
        });
      }
    });
  }
});
