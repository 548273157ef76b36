import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  Cluster,
  demoScenario,
  loadScenario,
  parseScenario,
  ScenarioBuilder,
  ScenarioPlayer,
  VirtualClock,
  type KubeObject,
} from '@k2/kube-sim';

const header = '{"scenario":{"name":"t","epoch":"2026-01-01T00:00:00Z"}}';
const podLine = (at: number, verb: string, restarts: number, extra = '') =>
  `{"at":${at},"verb":"${verb}","object":{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","namespace":"ns","uid":"u-1","creationTimestamp":"2026-01-01T00:00:00Z"},"status":{"containerStatuses":[{"name":"c","restartCount":${restarts},"lastState":{"terminated":{"finishedAt":"2026-01-01T00:01:00Z"}}}]}${extra}}}`;

describe('scenario files', () => {
  it('name the file and line of every problem', () => {
    expect(() => parseScenario(`${header}\n{"at":1,"verb":"create"`, 'bad.jsonl')).toThrow(
      /^bad\.jsonl:2: not valid JSON/,
    );
    expect(() => parseScenario(`${header}\n{"at":-1,"verb":"create","object":{}}`, 'neg.jsonl')).toThrow(
      /^neg\.jsonl:2: /,
    );
    expect(() =>
      parseScenario(
        `{"at":0,"verb":"explode","object":{"apiVersion":"v1","kind":"Pod","metadata":{"name":"a"}}}`,
        'verb.jsonl',
      ),
    ).toThrow(/^verb\.jsonl:1: .*verb/s);
    expect(() =>
      parseScenario(
        `{"at":0,"verb":"create","object":{"apiVersion":"v1","kind":"Secret","metadata":{"name":"a"}}}`,
        'kind.jsonl',
      ),
    ).toThrow('kind.jsonl:1: the simulator does not serve v1 Secret');
    expect(() => parseScenario(`${podLine(0, 'create', 0)}\n${header}`, 'hdr.jsonl')).toThrow(
      /hdr\.jsonl:2: the scenario header must be the first line/,
    );
    expect(() => loadScenario('/nonexistent/x.jsonl')).toThrow(/^\/nonexistent\/x\.jsonl: /);
  });

  it('sorts lines by time, keeping file order for ties, and ignores blank lines', () => {
    const s = parseScenario(
      [header, podLine(500, 'update', 2), '', podLine(0, 'create', 0), podLine(500, 'update', 3)].join('\n'),
    );
    expect(s.lines.map((l) => l.at)).toEqual([0, 500, 500]);
    expect(
      s.lines.map(
        (l) =>
          (l.object.status as { containerStatuses: { restartCount: number }[] }).containerStatuses[0]!.restartCount,
      ),
    ).toEqual([0, 2, 3]);
    expect(s.duration).toBe(500);
    expect(s.epoch).toBe(Date.parse('2026-01-01T00:00:00Z'));
  });

  it('round-trips through the JSON Lines format from the builder', () => {
    const dir = mkdtempSync(join(tmpdir(), 'k2-scn-'));
    const b = new ScenarioBuilder('rt');
    b.node('n1');
    const [pod] = b.deployment('ns', 'app', 1, ['n1']);
    b.oomKill(pod!, 10_000, 1);
    writeFileSync(join(dir, 'rt.jsonl'), b.toJsonl());
    const loaded = loadScenario(join(dir, 'rt.jsonl'));
    const built = b.build();
    expect(loaded.name).toBe('rt');
    expect(loaded.lines.map((l) => [l.at, l.verb, l.object])).toEqual(built.lines.map((l) => [l.at, l.verb, l.object]));
  });
});

describe('the player', () => {
  it('maps the epoch to the moment play starts and applies lines at their time on a virtual clock', () => {
    const clock = new VirtualClock(Date.parse('2030-05-05T10:00:00Z'));
    const cluster = new Cluster({ clock });
    const player = new ScenarioPlayer(cluster, [
      parseScenario([header, podLine(0, 'create', 0), podLine(60_000, 'update', 1)].join('\n')),
    ]);
    player.advanceTo(0);
    const get = () =>
      cluster.store.get('core/pods', 'ns/p') as KubeObject & {
        status: { containerStatuses: { restartCount: number; lastState: { terminated: { finishedAt: string } } }[] };
      };
    expect(get().metadata.creationTimestamp).toBe('2030-05-05T10:00:00Z');
    expect(get().status.containerStatuses[0]!.lastState.terminated.finishedAt).toBe('2030-05-05T10:01:00Z');
    player.advanceTo(59_999);
    expect(get().status.containerStatuses[0]!.restartCount).toBe(0);
    player.advanceTo(60_000);
    expect(get().status.containerStatuses[0]!.restartCount).toBe(1);
    expect(player.finished).toBe(true);
  });

  it('compresses timestamps with the speed, so a 10x replay keeps its timeline consistent', () => {
    const clock = new VirtualClock(Date.parse('2030-05-05T10:00:00Z'));
    const cluster = new Cluster({ clock });
    const player = new ScenarioPlayer(cluster, [parseScenario([header, podLine(0, 'create', 0)].join('\n'))], {
      speed: 10,
    });
    player.advanceTo(0);
    const pod = cluster.store.get('core/pods', 'ns/p') as KubeObject & {
      status: { containerStatuses: { lastState: { terminated: { finishedAt: string } } }[] };
    };
    // One minute of scenario time is six seconds of play at 10x.
    expect(pod.status.containerStatuses[0]!.lastState.terminated.finishedAt).toBe('2030-05-05T10:00:06Z');
  });

  it('plays on the wall clock at the given speed', async () => {
    const cluster = new Cluster();
    const player = new ScenarioPlayer(
      cluster,
      [parseScenario([header, podLine(0, 'create', 0), podLine(2_000, 'update', 1)].join('\n'))],
      { speed: 20 },
    );
    player.start();
    expect(cluster.store.get('core/pods', 'ns/p')).toBeDefined();
    await new Promise((r) => setTimeout(r, 300));
    player.stop();
    expect(player.applied).toBe(2);
  });

  it('loops with fresh uids after deleting the previous round', () => {
    const cluster = new Cluster({ clock: new VirtualClock() });
    const player = new ScenarioPlayer(
      cluster,
      [parseScenario([header, podLine(0, 'create', 0), podLine(1_000, 'update', 1)].join('\n'))],
      {
        loop: true,
        loopGapMs: 1_000,
      },
    );
    const deleted: string[] = [];
    cluster.store.subscribe('core/pods', (c) => c.type === 'DELETED' && deleted.push(c.object.metadata.uid!));
    player.advanceTo(1_000);
    const first = cluster.store.get('core/pods', 'ns/p')!.metadata.uid;
    player.advanceTo(2_000);
    const second = cluster.store.get('core/pods', 'ns/p')!.metadata.uid;
    expect(first).toBe('u-1');
    expect(deleted).toEqual(['u-1']);
    expect(second).not.toBe(first);
    player.advanceTo(4_000);
    expect(cluster.store.get('core/pods', 'ns/p')!.metadata.uid).not.toBe(second);
  });

  it('reports a line it cannot apply and carries on', () => {
    const cluster = new Cluster({ clock: new VirtualClock() });
    const errors: string[] = [];
    const bad = `{"at":0,"verb":"update","object":{"apiVersion":"v1","kind":"Pod","metadata":{"name":"Not_Valid!","namespace":"ns"},"spec":{}}}`;
    const player = new ScenarioPlayer(
      cluster,
      [parseScenario([header, bad, podLine(10, 'create', 0)].join('\n'), 'f.jsonl')],
      {
        onError: (line) => errors.push(line.source),
      },
    );
    player.advanceTo(10);
    expect(cluster.store.get('core/pods', 'ns/p')).toBeDefined();
    expect(errors).toEqual(['f.jsonl:2']);
  });
});

describe('the built-in demo', () => {
  it('has one problem of each kind next to quiet workloads', () => {
    const demo = demoScenario();
    const reasons = new Set(demo.lines.filter((l) => l.object.kind === 'Event').map((l) => l.object.reason));
    expect([...reasons]).toEqual(expect.arrayContaining(['BackOff', 'Failed', 'Pulling', 'Started']));
    const oom = demo.lines.filter((l) => JSON.stringify(l.object).includes('"OOMKilled"'));
    expect(oom.length).toBeGreaterThan(0);
    const namespaces = new Set(demo.lines.map((l) => l.object.metadata.namespace).filter(Boolean));
    expect([...namespaces].sort()).toEqual(['api', 'billing', 'shop', 'web']);
  });
});
