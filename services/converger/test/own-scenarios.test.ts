import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Incident, ProblemClass } from '@k2/contracts';
import { GENERATED_SCENARIOS, loadScenario, OWN_SCENARIOS, type OwnScenarioName } from '@k2/kube-sim';
import { describe, expect, it } from 'vitest';
import type { ScenarioExpectation } from '../../../test/support/shared.js';
import { Converger } from '../src/index.js';
import { latest, replay } from './run.js';
import { eventsOfScenario, expectScenario, type ScenarioEvents } from './scenario.js';

/*
 * K2's own scenarios (scenarios/ at the repository root, built by libs/kube-sim/src/scenarios.ts)
 * replayed through the converger exactly as the shared ones are (scenarios.test.ts), checked
 * against their .expect.json, and further: each real problem is exactly one incident, of the
 * class named here, that is over by the end; nothing else opens.
 */

const DIR = fileURLToPath(new URL('../../../scenarios/', import.meta.url));

/** The class of each expected incident, by workload. */
const CLASSES: Record<OwnScenarioName, Record<string, ProblemClass>> = {
  'node-notready': { 'node-3': 'node_problem' },
  evictions: { 'report-worker': 'eviction', 'node-2': 'node_problem' },
  'failed-mount': { postgres: 'volume_mount' },
  'liveness-kills': { checkout: 'probe_failure' },
  'crashloop-200': { indexer: 'crash_loop' },
};

const runs = new Map<OwnScenarioName, { expected: ScenarioExpectation; events: ScenarioEvents; out: Incident[] }>();
function run(name: OwnScenarioName) {
  let r = runs.get(name);
  if (!r) {
    const expected = JSON.parse(readFileSync(`${DIR}${name}.expect.json`, 'utf8')) as ScenarioExpectation;
    const events = eventsOfScenario(
      GENERATED_SCENARIOS.has(name) ? OWN_SCENARIOS[name]().build() : loadScenario(`${DIR}${name}.jsonl`),
    );
    runs.set(name, (r = { expected, events, out: replay(new Converger(), events) }));
  }
  return r;
}

const at = (events: ScenarioEvents, seconds: number) => new Date(events.epoch + seconds * 1000).toISOString();
const of = (out: readonly Incident[], workload: string) => out.filter((r) => r.workload.name === workload);

describe('own scenarios: what a correct K2 produces', () => {
  for (const name of Object.keys(CLASSES) as OwnScenarioName[]) {
    it(`${name}: its expectations hold`, () => {
      const { expected, events, out } = run(name);
      expectScenario(expected, events, out);
    });

    it(`${name}: one incident per real problem, of the expected class, resolved by the end`, () => {
      const { expected, out } = run(name);
      const classes = CLASSES[name];
      expect(expected.incidents.map((i) => i.workload).sort()).toEqual(Object.keys(classes).sort());
      // Nothing but the expected incidents: no effect, no noise, no healthy workload opens one.
      expect([...new Set(out.map((r) => `${r.namespace}/${r.workload.name}`))].sort()).toEqual(
        expected.incidents.map((i) => `${i.namespace}/${i.workload}`).sort(),
      );
      for (const [workload, cls] of Object.entries(classes)) {
        const records = of(out, workload);
        expect(new Set(records.map((r) => r.id)).size, `${workload}: incident ids`).toBe(1);
        expect([...new Set(records.map((r) => r.class))], `${workload}: classes`).toEqual([cls]);
        expect(records.filter((r) => r.transition === 'opened')).toHaveLength(1);
        expect(records.some((r) => r.transition === 'reopened' || r.flapping)).toBe(false);
        expect([...latest(records).values()][0]!.status).toBe('resolved');
      }
    });
  }

  it('node-notready: the node incident opens after its 60 s hold and resolves on NodeReady', () => {
    const { events, out } = run('node-notready');
    const node = of(out, 'node-3');
    expect(node[0]!.workload).toEqual({ kind: 'Node', name: 'node-3' });
    expect(node.map((r) => [r.transition, r.transitionAt])).toEqual([
      ['opened', at(events, 160 + 60)],
      ['resolved', at(events, 450)],
    ]);
    expect(node[0]!.severity).toBe('critical');
  });

  it('evictions: both evicted pods in one eviction incident; node-2 under pressure until NodeHasSufficientMemory', () => {
    const { events, out } = run('evictions');
    const evicted = [...latest(of(out, 'report-worker')).values()][0]!;
    expect(evicted.affected.map((a) => [a.kind, a.node, a.count])).toEqual([
      ['Pod', 'node-2', 1],
      ['Pod', 'node-2', 1],
    ]);
    expect(of(out, 'report-worker').find((r) => r.transition === 'opened')!.transitionAt).toBe(at(events, 300));
    expect(of(out, 'node-2').map((r) => [r.transition, r.transitionAt])).toEqual([
      ['opened', at(events, 300 + 60)],
      ['resolved', at(events, 630)],
    ]);
  });

  it('failed-mount: postgres opens after the 2 min hold and resolves when its container starts; redis never shows', () => {
    const { events, out } = run('failed-mount');
    const pg = of(out, 'postgres');
    expect(pg[0]!.workload).toEqual({ kind: 'StatefulSet', name: 'postgres' });
    expect(pg.find((r) => r.transition === 'opened')!.transitionAt).toBe(at(events, 76 + 120));
    expect(pg.find((r) => r.transition === 'resolved')!.transitionAt).toBe(at(events, 450));
    expect(pg.at(-1)!.affected.map((a) => a.name)).toEqual(['postgres-2']);
  });

  it('liveness-kills: the probe failure is the cause; the back-off it causes never surfaces as a crash loop', () => {
    const { out } = run('liveness-kills');
    expect(out.filter((r) => r.class === 'crash_loop')).toEqual([]);
    const last = out.at(-1)!;
    expect(last.effects).toEqual(['crash_loop']);
    expect(last.affected).toHaveLength(3);
  });

  it('crashloop-200: 200 pods in one critical incident, named up to the record limit and counted beyond it', () => {
    const { out } = run('crashloop-200');
    const last = out.at(-1)!;
    expect(last.severity).toBe('critical');
    expect(last.affected).toHaveLength(50);
    // otherAffected is an estimate beyond the 50 named pods.
    expect(last.affected.length + last.otherAffected).toBeGreaterThanOrEqual(190);
    expect(last.affected.length + last.otherAffected).toBeLessThanOrEqual(210);
    expect(last.count).toBe(200 * 7);
  });

  // The summary adds up the counts of the named pods only: with 200 pods crash-looping 7 times
  // each it reads "199 pods, 350 restarts". An on-call engineer should read about 1,400. Remove
  // `.fails` once the converger counts the restarts of the pods it does not name.
  it('crashloop-200: the summary counts every restart, not only those of the 50 named pods', () => {
    const { out } = run('crashloop-200');
    const restarts = Number(/, (\d+) restarts/.exec(out.at(-1)!.summary)?.[1]);
    expect(restarts).toBeGreaterThanOrEqual(1_300);
  });
});
