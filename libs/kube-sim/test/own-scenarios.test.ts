import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  Cluster,
  GENERATED_SCENARIOS,
  OWN_SCENARIOS,
  parseScenario,
  ScenarioPlayer,
  VirtualClock,
  type KubeObject,
} from '@k2/kube-sim';

/*
 * scenarios/NAME.jsonl at the repository root is written from libs/kube-sim/src/scenarios.ts by
 * scripts/write-scenarios.mjs. The files and the code must not drift apart, and every line must
 * be one the simulator plays.
 */

const DIR = fileURLToPath(new URL('../../../scenarios/', import.meta.url));
const REGENERATE = 'npm run build && node scripts/write-scenarios.mjs';

type Status = { phase?: string; conditions?: { type: string; status: string }[] };

describe('own scenarios', () => {
  for (const [name, build] of Object.entries(OWN_SCENARIOS)) {
    describe(name, () => {
      const file = `${DIR}${name}.jsonl`;

      const generated = GENERATED_SCENARIOS.has(name);
      const text = () => (generated ? build().toJsonl() : readFileSync(file, 'utf8'));

      it(`scenarios/${name}.jsonl is what the code builds, with an expectation beside it`, () => {
        expect(existsSync(`${DIR}${name}.expect.json`)).toBe(true);
        if (generated) {
          // Not kept as a file: building it twice must give the same bytes.
          expect(build().toJsonl() === build().toJsonl()).toBe(true);
          return;
        }
        expect(existsSync(file), `${file} is missing: ${REGENERATE}`).toBe(true);
        // A plain equality check: a failing diff of megabytes helps nobody.
        const same = readFileSync(file, 'utf8') === build().toJsonl();
        expect(
          same,
          `scenarios/${name}.jsonl differs from ${name} in libs/kube-sim/src/scenarios.ts: ${REGENERATE}`,
        ).toBe(true);
        expect(existsSync(`${DIR}${name}.expect.json`)).toBe(true);
      });

      it('plays on the simulator without a rejected line', () => {
        const scenario = parseScenario(text(), file);
        expect(scenario.name).toBe(name);
        const cluster = new Cluster({ clock: new VirtualClock(Date.parse('2030-01-01T00:00:00Z')) });
        const rejected: string[] = [];
        const player = new ScenarioPlayer(cluster, [scenario], {
          onError: (line, err) => rejected.push(`${line.source}: ${(err as Error).message}`),
        });
        player.advanceTo(scenario.duration);
        expect(rejected).toEqual([]);
        expect(player.finished).toBe(true);
      });
    });
  }

  const play = (name: keyof typeof OWN_SCENARIOS, until: number) => {
    const cluster = new Cluster({ clock: new VirtualClock(Date.parse('2030-01-01T00:00:00Z')) });
    new ScenarioPlayer(cluster, [OWN_SCENARIOS[name]().build()]).advanceTo(until);
    return cluster;
  };
  const node = (cluster: Cluster, name: string) =>
    cluster.store.get('core/nodes', `/${name}`) as KubeObject & {
      status: Status;
      spec: { taints?: { key: string; effect: string }[] };
    };
  const ready = (obj: { status: Status }) => obj.status.conditions?.find((c) => c.type === 'Ready')?.status;

  it('node-notready: node-3 is Unknown and tainted unreachable while away, Ready and untainted after', () => {
    const away = node(play('node-notready', 300_000), 'node-3');
    expect(ready(away)).toBe('Unknown');
    expect(away.spec.taints?.map((t) => `${t.key}:${t.effect}`)).toEqual([
      'node.kubernetes.io/unreachable:NoSchedule',
      'node.kubernetes.io/unreachable:NoExecute',
    ]);
    const back = node(play('node-notready', 600_000), 'node-3');
    expect(ready(back)).toBe('True');
    expect(back.spec.taints).toBeUndefined();
  });

  it('evictions: evicted pods stay Failed with reason Evicted; their replacements run elsewhere', () => {
    const cluster = play('evictions', 400_000);
    const pods = cluster.store.list('core/pods') as (KubeObject & {
      status: Status & { reason?: string };
      spec: { nodeName: string };
    })[];
    const workers = pods.filter((p) => p.metadata.name!.startsWith('report-worker-'));
    expect(workers.filter((p) => p.status.reason === 'Evicted').map((p) => [p.status.phase, p.spec.nodeName])).toEqual([
      ['Failed', 'node-2'],
      ['Failed', 'node-2'],
    ]);
    expect(workers.filter((p) => p.status.phase === 'Running')).toHaveLength(4);
  });
});
