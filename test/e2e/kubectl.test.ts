import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { KubeSimulator, ScenarioBuilder, type KubeObject, type PodRef, type Scenario } from '@k2/kube-sim';
import { startServer, type Tools } from '../support/servers.js';

/**
 * The real kubectl against the simulator. kubectl may be 1.32 (here) or Debian's 1.20 (CI), so the
 * assertions read tables by column name and compare values, never whole lines or layouts.
 */

const dir = mkdtempSync(join(tmpdir(), 'k2-kubectl-test-'));
let kubectlPath = '';
const sims: KubeSimulator[] = [];
const children: ChildProcess[] = [];

beforeAll(async () => {
  kubectlPath = ((await startServer('tools')) as unknown as Tools).kubectl;
});
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});
afterAll(async () => {
  await Promise.all(sims.splice(0).map((s) => s.stop()));
  rmSync(dir, { recursive: true, force: true });
});

/** Nodes, a crash-looping shop/cart, an OOM-killed billing/ledger, and a healthy web/portal. */
function clusterScenario(): { scenario: Scenario; cart: PodRef[]; ledger: PodRef; portal: PodRef[] } {
  const b = new ScenarioBuilder('kubectl-e2e');
  b.node('node-1').node('node-2');
  const cart = b.deployment('shop', 'cart', 2, ['node-1', 'node-2']);
  cart.forEach((pod, i) => {
    for (let r = 1; r <= 3; r++) b.crashLoop(pod, 60_000 * r + i * 100, r);
  });
  const [ledger] = b.deployment('billing', 'ledger', 1, ['node-1']);
  b.oomKill(ledger!, 30_000, 1, 10_000);
  const portal = b.deployment('web', 'portal', 2, ['node-2']);
  portal.forEach((pod) => {
    b.podEvent(
      pod,
      5_000,
      'Normal',
      'Pulled',
      'Container image "registry.local/web/portal:1.0.0" already present on machine',
    );
    b.podEvent(pod, 5_100, 'Normal', 'Created', 'Created container portal');
    b.podEvent(pod, 5_200, 'Normal', 'Started', 'Started container portal');
  });
  return { scenario: b.build(), cart, ledger: ledger!, portal };
}

/** The last state each Event and Pod reaches in a scenario, by namespace/name. */
function finalObjects(scenario: Scenario, kind: string): Map<string, KubeObject> {
  const out = new Map<string, KubeObject>();
  for (const line of scenario.lines) {
    if (line.object.kind !== kind) continue;
    const key = `${line.object.metadata.namespace}/${line.object.metadata.name}`;
    if (line.verb === 'delete') out.delete(key);
    else out.set(key, line.object);
  }
  return out;
}

interface Cluster {
  sim: KubeSimulator;
  kubeconfig: string;
}

let clusters = 0;
async function startCluster(scenario: Scenario): Promise<Cluster> {
  const sim = new KubeSimulator({ virtualTime: true, scenarios: [scenario] });
  sims.push(sim);
  await sim.start();
  const kubeconfig = join(dir, `kubeconfig-${++clusters}`);
  sim.writeKubeconfig(kubeconfig);
  return { sim, kubeconfig };
}

/** kubectl with its own discovery cache, so runs never share (or pollute) ~/.kube/cache. */
function args(cluster: Cluster, rest: string[]): string[] {
  return ['--kubeconfig', cluster.kubeconfig, '--cache-dir', join(dir, 'kube-cache'), ...rest];
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function kubectl(cluster: Cluster, ...rest: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(kubectlPath, args(cluster, rest), { timeout: 20_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      resolve({ code, stdout, stderr: err && code === -1 ? `${stderr}\n${err.message}` : stderr });
    });
  });
}

/** Runs kubectl and fails with its stderr unless it exits 0. */
async function ok(cluster: Cluster, ...rest: string[]): Promise<string> {
  const run = await kubectl(cluster, ...rest);
  expect(run.code, `kubectl ${rest.join(' ')} failed:\n${run.stderr}`).toBe(0);
  return run.stdout;
}

/**
 * Parses kubectl's aligned table output into rows keyed by header. Columns start where their
 * header starts (kubectl left-aligns every cell under its header).
 */
function table(output: string): Record<string, string>[] {
  const lines = output.split('\n').filter((l) => l.trim() !== '');
  if (lines.length === 0) return [];
  const header = lines[0]!;
  const starts: { name: string; at: number }[] = [];
  for (const m of header.matchAll(/\S+(?: \S+)*/g)) starts.push({ name: m[0], at: m.index });
  return lines
    .slice(1)
    .map((line) =>
      Object.fromEntries(
        starts.map((col, i) => [
          col.name,
          line.slice(col.at, i + 1 < starts.length ? starts[i + 1]!.at : undefined).trim(),
        ]),
      ),
    );
}

describe('kubectl against the simulator', () => {
  const { scenario, cart, ledger, portal } = clusterScenario();
  let cluster: Cluster;

  beforeAll(async () => {
    cluster = await startCluster(scenario);
    sim().advance(200_000); // every line of the scenario has played
  });
  const sim = (): KubeSimulator => cluster.sim;

  it('get events -A lists every event of the scenario with its namespace, type, reason and object', async () => {
    const out = await ok(cluster, 'get', 'events', '-A');
    const rows = table(out);
    const expected = [...finalObjects(scenario, 'Event').values()];
    expect(expected.length).toBe(2 + 2 + 6); // cart BackOff x2 pods, ledger BackOff + Started, portal 3 x 2 pods
    expect(rows, out).toHaveLength(expected.length);
    for (const e of expected) {
      const involved = e.involvedObject as { kind: string; name: string };
      const row = rows.find((r) => r.OBJECT === `pod/${involved.name}` && r.REASON === e.reason);
      expect(row, `no row for ${e.reason} of pod/${involved.name} in:\n${out}`).toBeDefined();
      expect(row!.NAMESPACE).toBe(e.metadata.namespace);
      expect(row!.TYPE).toBe(e.type);
      expect(row!.MESSAGE).toBe(e.message);
    }
    expect(new Set(rows.map((r) => r.NAMESPACE))).toEqual(new Set(['shop', 'billing', 'web']));
  });

  it('get pods -o wide shows each pod on its node with its IP, status and restarts', async () => {
    const out = await ok(cluster, 'get', 'pods', '-n', 'shop', '-o', 'wide');
    const rows = table(out);
    expect(rows.map((r) => r.NAME).sort(), out).toEqual(cart.map((p) => p.name).sort());
    const pods = finalObjects(scenario, 'Pod');
    for (const pod of cart) {
      const row = rows.find((r) => r.NAME === pod.name)!;
      const podIP = (pods.get(`shop/${pod.name}`)!.status as { podIP: string }).podIP;
      expect(row.NODE, out).toBe(pod.node);
      expect(row.IP, out).toBe(podIP);
      expect(row.READY).toBe('0/1');
      expect(row.STATUS).toBe('CrashLoopBackOff');
      expect(row.RESTARTS).toMatch(/^3\b/); // 1.32 adds "(Ns ago)", 1.20 does not
    }
    // The pods really are on different nodes, so a wrong NODE column could not pass by chance.
    expect(new Set(rows.map((r) => r.NODE))).toEqual(new Set(['node-1', 'node-2']));
  });

  it('get events --field-selector type=Warning shows only the warnings', async () => {
    const out = await ok(cluster, 'get', 'events', '-A', '--field-selector', 'type=Warning');
    const rows = table(out);
    const warnings = [...finalObjects(scenario, 'Event').values()].filter((e) => e.type === 'Warning');
    expect(rows, out).toHaveLength(warnings.length);
    for (const r of rows) expect(r.TYPE, out).toBe('Warning');
    expect(rows.map((r) => r.OBJECT).sort()).toEqual(
      [...cart.map((p) => `pod/${p.name}`), `pod/${ledger.name}`].sort(),
    );
    for (const p of portal) expect(out).not.toContain(p.name);

    const normal = table(
      await ok(cluster, 'get', 'events', '-n', 'web', '--field-selector', 'type=Normal,reason=Started'),
    );
    expect(normal.map((r) => r.OBJECT).sort()).toEqual(portal.map((p) => `pod/${p.name}`).sort());
  });

  it('describe pod shows the pod, its last termination and its events with reason and count', async () => {
    const pod = cart[0]!;
    const out = await ok(cluster, 'describe', 'pod', '-n', 'shop', pod.name);
    expect(out).toMatch(new RegExp(`^Name:\\s+${pod.name}$`, 'm'));
    expect(out).toMatch(/^Namespace:\s+shop$/m);
    expect(out).toMatch(new RegExp(`^Node:\\s+${pod.node}\\b`, 'm'));
    expect(out).toMatch(/^\s+Restart Count:\s+3$/m);
    const events = out.slice(out.search(/^Events:/m));
    expect(events, out).toMatch(/^Events:/);
    // One Event object with count 3: kubectl folds it into one line, "(x3 over ...)".
    const backOff = events.split('\n').filter((l) => /\bBackOff\b/.test(l));
    expect(backOff, events).toHaveLength(1);
    expect(backOff[0]).toMatch(/^\s+Warning\s+BackOff\s/);
    expect(backOff[0]).toContain('(x3 over');
    expect(backOff[0]).toContain('kubelet');
    expect(backOff[0]).toContain(`Back-off restarting failed container cart in pod ${pod.name}`);
  });

  it('describe pod of an OOM-killed container shows OOMKilled and both of its events', async () => {
    const out = await ok(cluster, 'describe', 'pod', '-n', 'billing', ledger.name);
    expect(out).toMatch(/^\s+Last State:\s+Terminated$/m);
    expect(out).toMatch(/^\s+Reason:\s+OOMKilled$/m);
    expect(out).toMatch(/^\s+Exit Code:\s+137$/m);
    const events = out.slice(out.search(/^Events:/m));
    expect(events).toMatch(/^\s+Warning\s+BackOff\s/m);
    expect(events).toMatch(/^\s+Normal\s+Started\s.*Started container ledger$/m);
    // Events of other pods stay out of it.
    expect(events).not.toContain('cart');
  });

  it('a missing pod is a NotFound error from kubectl, not a crash', async () => {
    const run = await kubectl(cluster, 'get', 'pod', '-n', 'shop', 'no-such-pod');
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/NotFound|not found/);
  });
});

describe('kubectl get pods -w', () => {
  it('prints the new status line when a pod starts crash-looping', async () => {
    const { scenario, cart } = clusterScenario();
    const cluster = await startCluster(scenario);
    cluster.sim.advance(1_000); // workloads created, every pod Running

    const child = spawn(kubectlPath, args(cluster, ['get', 'pods', '-n', 'shop', '-w']), {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const linesOf = (pod: PodRef): string[] => stdout.split('\n').filter((l) => l.startsWith(`${pod.name} `));
    const until = async (what: string, check: () => boolean): Promise<void> => {
      const deadline = Date.now() + 15_000;
      while (!check()) {
        if (child.exitCode !== null)
          throw new Error(`kubectl exited (${child.exitCode}) while waiting for ${what}:\n${stdout}\n${stderr}`);
        if (Date.now() > deadline)
          throw new Error(`timed out waiting for ${what}:\nstdout:\n${stdout}\nstderr:\n${stderr}`);
        await new Promise((r) => setTimeout(r, 25));
      }
    };

    await until('the initial list', () => cart.every((p) => linesOf(p).some((l) => /\s1\/1\s+Running\s+0\s/.test(l))));
    expect(stdout.split('\n')[0]).toMatch(/^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE/);

    cluster.sim.advance(59_050); // t = 60 050: cart pod 0 crashed once (at 60 000), pod 1 not yet (60 100)
    await until('pod 0 in CrashLoopBackOff', () =>
      linesOf(cart[0]!).some((l) => /\s0\/1\s+CrashLoopBackOff\s+1\b/.test(l)),
    );
    expect(
      linesOf(cart[1]!).some((l) => /CrashLoopBackOff/.test(l)),
      stdout,
    ).toBe(false);

    cluster.sim.advance(60_100); // t = 120 150: both at restart 2
    await until('restart count 2 on both pods', () =>
      cart.every((p) => linesOf(p).some((l) => /\s0\/1\s+CrashLoopBackOff\s+2\b/.test(l))),
    );
    child.kill('SIGTERM');
    await new Promise((r) => child.once('close', r));
    expect(stderr).toBe('');
  });
});
