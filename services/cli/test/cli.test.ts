import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildProgram } from '@k2/cli';
import { ScenarioBuilder } from '@k2/kube-sim';

/**
 * The `k2` command as users run it: `node bin/k2.js` on the built dist (`npm test` builds first;
 * alone, run `npx tsc -b`). Nothing is mocked: commands start real simulators on free ports.
 */

const ROOT = resolve(import.meta.dirname, '../../..');
const BIN = join(ROOT, 'bin/k2.js');
const dir = mkdtempSync(join(tmpdir(), 'k2-cli-test-'));
const children: ChildProcess[] = [];

beforeAll(() => {
  if (!existsSync(join(ROOT, 'services/cli/dist/main.js'))) {
    throw new Error('services/cli/dist is missing: run `npm run build` (or `npx tsc -b`) first');
  }
});
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The environment without the caller's K2__ overrides, plus `extra`. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('K2__')));
  return { ...env, ...extra };
}

let files = 0;
function file(text: string, ext = 'yaml'): string {
  const path = join(dir, `f${++files}.${ext}`);
  writeFileSync(path, text);
  return path;
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command to its end. */
function run(cmd: string, args: string[], env: Record<string, string> = {}, cwd = dir): Promise<Run> {
  return new Promise((done) => {
    execFile(cmd, args, { cwd, env: cleanEnv(env), timeout: 20_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      done({ code, stdout, stderr: err && code === -1 ? `${stderr}\n${err.message}` : stderr });
    });
  });
}
const k2 = (args: string[], env: Record<string, string> = {}): Promise<Run> =>
  run(process.execPath, [BIN, ...args], env);
const show = (r: Run): string => `exit ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`;

/** A long-running k2 command, read as it goes. */
class Running {
  stdout = '';
  stderr = '';
  readonly child: ChildProcess;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(args: string[], env: Record<string, string> = {}) {
    this.child = spawn(process.execPath, [BIN, ...args], {
      cwd: dir,
      env: cleanEnv(env),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(this.child);
    this.child.stdout!.on('data', (d: Buffer) => (this.stdout += d.toString()));
    this.child.stderr!.on('data', (d: Buffer) => (this.stderr += d.toString()));
    this.exited = new Promise((r) => this.child.once('close', (code, signal) => r({ code, signal })));
  }

  /** Waits until stdout matches `re`; fails early, with the output, if the process ends first. */
  async waitFor(re: RegExp, timeoutMs = 15_000): Promise<RegExpMatchArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = this.stdout.match(re);
      if (m) return m;
      if (this.child.exitCode !== null || this.child.signalCode !== null) {
        throw new Error(
          `k2 exited (${this.child.exitCode ?? this.child.signalCode}) before printing ${re}:\n${this.output()}`,
        );
      }
      if (Date.now() > deadline) throw new Error(`k2 did not print ${re} in ${timeoutMs} ms:\n${this.output()}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** Sends SIGTERM and returns how it ended and how long it took. */
  async terminate(): Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number }> {
    const began = Date.now();
    this.child.kill('SIGTERM');
    const end = await this.exited;
    return { ...end, ms: Date.now() - began };
  }

  /** stderr as JSON log records (every line must be one). */
  logs(): Record<string, unknown>[] {
    return this.stderr
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => {
        try {
          return JSON.parse(l) as Record<string, unknown>;
        } catch {
          throw new Error(`stderr line is not a JSON log record: ${l}\n${this.output()}`);
        }
      });
  }

  output(): string {
    return `stdout:\n${this.stdout}\nstderr:\n${this.stderr}`;
  }
}

/** Pods of every namespace, through client-node with the kubeconfig k2 wrote. */
async function podNamespaces(kubeconfig: string): Promise<Map<string, string[]>> {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  const list = await kc.makeApiClient(CoreV1Api).listPodForAllNamespaces();
  const byNs = new Map<string, string[]>();
  for (const p of list.items)
    byNs.set(p.metadata!.namespace!, [...(byNs.get(p.metadata!.namespace!) ?? []), p.metadata!.name!]);
  return byNs;
}

/**
 * The last line `k2 sim` prints once it serves. Wait for it, not for an earlier line: stdout may
 * arrive in pieces, and a match on the first line could see half of it.
 */
const STARTED = /kubectl --kubeconfig \S+ get events -A\n/;

/** `file:line:col: path: message`, as check-config prints each problem. */
const PROBLEM = /^(.+):(\d+):(\d+): (\S+): (.+)$/;

// One-shot commands run concurrently (each is a ~0.5 s node start); they use the test's own expect.
describe.concurrent('k2 --help', () => {
  it('lists the commands', async ({ expect }) => {
    const r = await k2(['--help']);
    expect(r.code, show(r)).toBe(0);
    expect(r.stdout).toMatch(/^Usage: k2 /m);
    for (const cmd of ['up', 'sim', 'check-config'])
      expect(r.stdout, show(r)).toMatch(new RegExp(`^\\s+${cmd}\\b`, 'm'));
  });

  it('every command has --help that exits 0 and describes all its options', async ({ expect }) => {
    const commands = buildProgram().commands;
    // Services add their commands; none of these may go missing.
    expect(commands.map((c) => c.name())).toEqual(
      expect.arrayContaining(['check-config', 'converger', 'eventer', 'oom-watcher', 'replay', 'sim', 'up']),
    );
    const help: Record<string, string> = {};
    for (const command of commands) {
      const r = await k2([command.name(), '--help']);
      expect(r.code, show(r)).toBe(0);
      help[command.name()] = r.stdout;
      expect(r.stdout).toContain(`Usage: k2 ${command.name()}`);
      expect(r.stdout).toContain(command.description().split(' ').slice(0, 3).join(' '));
      for (const option of command.options) {
        expect(r.stdout, `${command.name()} --help lacks ${option.flags}:\n${r.stdout}`).toContain(option.long!);
        expect(r.stdout).toContain(option.description.split(' ').slice(0, 3).join(' '));
      }
    }
    // What users look for, whatever the program declares.
    for (const flag of ['--scenario', '--speed', '--port', '--kubeconfig', '--token', '--no-loop', '--config']) {
      expect(help.sim).toContain(flag);
    }
    expect(help.up).toContain('--config');
    expect(help['check-config']).toContain('<file>');
  });

  it('an unknown command or option fails with a pointer to help', async ({ expect }) => {
    const r = await k2(['frobnicate']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/unknown command 'frobnicate'/);
    const s = await k2(['sim', '--sped', '3']);
    expect(s.code).toBe(1);
    expect(s.stderr).toMatch(/unknown option '--sped'/);
  });

  it('npx k2 works from the repository root (the root package bin)', async ({ expect }) => {
    const r = await run('npx', ['--no-install', 'k2', '--help'], {}, ROOT);
    expect(r.code, show(r)).toBe(0);
    for (const cmd of ['up', 'sim', 'check-config'])
      expect(r.stdout, show(r)).toMatch(new RegExp(`^\\s+${cmd}\\b`, 'm'));
  });
});

describe.concurrent('k2 check-config', () => {
  it('accepts a good file', async ({ expect }) => {
    const path = file('cluster: prod-east\nsimulator:\n  port: 7443\n  speed: 5\nlog:\n  level: warn\n');
    const r = await k2(['check-config', path]);
    expect(r.code, show(r)).toBe(0);
    expect(r.stdout.trim()).toBe(`${path}: ok`);
    expect(r.stderr).toBe('');
  });

  it('a YAML syntax error: file:line:col, exit 1', async ({ expect }) => {
    const path = file('simulator:\n  port: 7443\n speed: 3\n');
    const r = await k2(['check-config', path]);
    expect(r.code, show(r)).toBe(1);
    const lines = r.stderr.trim().split('\n');
    expect(lines[0]).toMatch(PROBLEM);
    const [, where, line, col, , message] = lines[0]!.match(PROBLEM)!;
    expect([where, line, col]).toEqual([path, '3', '1']);
    expect(message).toMatch(/^YAML: /);
    expect(lines[lines.length - 1]).toBe(`${path}: 1 problem`);
    expect(r.stdout).toBe('');
  });

  it('wrong types and unknown keys: one located line per problem, exit 1', async ({ expect }) => {
    const path = file(
      [
        'cluster: demo', // 1
        'simulator:', // 2
        '  port: https', // 3
        '  loop: sometimes', // 4
        '  prot: 7443', // 5
        'log:', // 6
        '  level: loud', // 7
      ].join('\n'),
    );
    const r = await k2(['check-config', path]);
    expect(r.code, show(r)).toBe(1);
    const lines = r.stderr.trim().split('\n');
    expect(lines.pop()).toBe(`${path}: 4 problems`);
    const problems = lines.map((l) => {
      const m = l.match(PROBLEM);
      expect(m, `not file:line:col: path: message: ${l}`).not.toBeNull();
      return { file: m![1], at: `${m![2]}:${m![3]}`, path: m![4], message: m![5] };
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        { file: path, at: '3:9', path: 'simulator.port', message: expect.stringMatching(/expected number/) },
        { file: path, at: '4:9', path: 'simulator.loop', message: expect.stringMatching(/expected boolean/) },
        { file: path, at: '5:3', path: 'simulator.prot', message: expect.stringMatching(/unknown key/) },
        { file: path, at: '7:10', path: 'log.level', message: expect.stringMatching(/debug/) },
      ]),
    );
    expect(problems).toHaveLength(4);
  });

  it('a bad environment override is reported as env NAME', async ({ expect }) => {
    const path = file('simulator:\n  port: 7443\n');
    const r = await k2(['check-config', path], { K2__SIMULATOR__PORT: 'notaport' });
    expect(r.code, show(r)).toBe(1);
    expect(r.stderr).toMatch(/^env K2__SIMULATOR__PORT: simulator\.port: .*expected number/m);
    expect(r.stderr).not.toMatch(new RegExp(`^${path}:\\d`, 'm')); // the file is fine
  });

  it('a good environment override passes', async ({ expect }) => {
    const r = await k2(['check-config', file('simulator:\n  port: 7443\n')], { K2__SIMULATOR__PORT: '9443' });
    expect(r.code, show(r)).toBe(0);
  });

  it('a missing file or a missing argument fails clearly', async ({ expect }) => {
    const missing = join(dir, 'nope.yaml');
    const r = await k2(['check-config', missing]);
    expect(r.code, show(r)).toBe(1);
    expect(r.stderr).toContain(missing);
    expect(r.stderr).toMatch(/cannot read.*ENOENT/);
    const none = await k2(['check-config']);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/missing required argument 'file'/);
  });
});

describe('k2 sim', () => {
  it('serves the built-in demo, writes an owner-only kubeconfig, and stops on SIGTERM', async () => {
    const kubeconfig = join(dir, 'sim', 'kubeconfig');
    const k = new Running(['sim', '--port', '0', '--kubeconfig', kubeconfig, '--speed', '100']);
    await k.waitFor(STARTED);
    const [, api, written] = k.stdout.match(/api: (https:\/\/127\.0\.0\.1:\d+)\s+kubeconfig: (\S+)/)!;
    expect(written).toBe(kubeconfig);
    expect(Number(new URL(api!).port)).toBeGreaterThan(0);
    expect(k.stdout).toContain('playing k2-demo at 100x');
    expect(statSync(kubeconfig).mode & 0o777).toBe(0o600);

    const pods = await podNamespaces(kubeconfig);
    for (const ns of ['shop', 'billing', 'api', 'web'])
      expect(pods.get(ns)?.length, `pods in ${ns}`).toBeGreaterThan(0);

    // At 100x the demo's first crash (scenario 90 s) plays within a second or two.
    const kc = new KubeConfig();
    kc.loadFromFile(kubeconfig);
    const core = kc.makeApiClient(CoreV1Api);
    const deadline = Date.now() + 10_000;
    let reasons: string[] = [];
    while (!reasons.includes('BackOff') && Date.now() < deadline) {
      reasons = (await core.listNamespacedEvent({ namespace: 'shop' })).items.map((e) => e.reason ?? '');
      if (!reasons.includes('BackOff')) await new Promise((r) => setTimeout(r, 100));
    }
    expect(reasons).toContain('BackOff');

    const end = await k.terminate();
    expect(end, k.output()).toMatchObject({ code: 0, signal: null });
    expect(end.ms).toBeLessThan(5_000);
    const stopping = k.logs().find((l) => l.msg === 'stopping');
    expect(stopping, k.stderr).toMatchObject({ level: 'info', signal: 'SIGTERM' });
    expect(k.logs().find((l) => l.msg === 'stopped')).toMatchObject({ component: 'simulator' });
  });

  it('makes an existing kubeconfig owner-only before writing the token into it', async () => {
    const kubeconfig = file('old: content\n');
    chmodSync(kubeconfig, 0o644);
    const k = new Running(['sim', '--port', '0', '--kubeconfig', kubeconfig]);
    await k.waitFor(STARTED);
    expect(statSync(kubeconfig).mode & 0o777).toBe(0o600);
    expect((await k.terminate()).code).toBe(0);
  });

  it('plays a scenario file', async () => {
    const b = new ScenarioBuilder('two-pods');
    b.node('node-a');
    const pods = b.deployment('payments', 'api', 2, ['node-a']);
    const scenario = file(b.toJsonl(), 'jsonl');
    const kubeconfig = join(dir, 'scenario-kubeconfig');
    const k = new Running(['sim', '--scenario', scenario, '--port', '0', '--kubeconfig', kubeconfig, '--no-loop']);
    await k.waitFor(STARTED);
    expect(k.stdout).toContain('playing two-pods');
    const deadline = Date.now() + 5_000;
    let seen = new Map<string, string[]>();
    while (Date.now() < deadline && (seen.get('payments')?.length ?? 0) < 2) {
      seen = await podNamespaces(kubeconfig);
      await new Promise((r) => setTimeout(r, 50));
    }
    expect([...seen.keys()]).toEqual(['payments']);
    expect(seen.get('payments')!.sort()).toEqual(pods.map((p) => p.name).sort());
    expect((await k.terminate()).code).toBe(0);
  });
});

describe.concurrent('k2 sim: start-up failures', () => {
  it('a missing scenario file fails with exit 1 and names the file', async ({ expect }) => {
    const r = await k2(['sim', '--scenario', 'missing.jsonl', '--port', '0', '--kubeconfig', join(dir, 'unused')]);
    expect(r.code, show(r)).toBe(1);
    expect(r.stderr).toMatch(/^k2: missing\.jsonl: .*ENOENT/m);
    expect(r.stderr).not.toMatch(/^\s+at /m); // a message, not a stack trace
    expect(existsSync(join(dir, 'unused'))).toBe(false);
  });

  it('a scenario file with a bad line fails naming file:LINE', async ({ expect }) => {
    const node = { at: 0, verb: 'create', object: { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' } } };
    const badVerb = file(`${JSON.stringify(node)}\n${JSON.stringify({ ...node, at: 5, verb: 'explode' })}\n`, 'jsonl');
    const r = await k2(['sim', '--scenario', badVerb, '--port', '0', '--kubeconfig', join(dir, 'unused')]);
    expect(r.code, show(r)).toBe(1);
    expect(r.stderr).toContain(`${badVerb}:2:`);
    expect(r.stderr).toMatch(/verb/);

    const badJson = file(`${JSON.stringify(node)}\n\n${JSON.stringify(node)}\n{"at": 5,\n`, 'jsonl');
    const j = await k2(['sim', '--scenario', badJson, '--port', '0', '--kubeconfig', join(dir, 'unused')]);
    expect(j.code, show(j)).toBe(1);
    expect(j.stderr).toMatch(new RegExp(`^k2: ${badJson.replace(/[.]/g, '\\.')}:4: not valid JSON`, 'm'));
    expect(j.stderr).not.toMatch(/^\s+at /m);
  });

  it('a port in use fails with a message saying so', async ({ expect }) => {
    const busy: Server = createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
    try {
      const port = (busy.address() as AddressInfo).port;
      const r = await k2(['sim', '--port', String(port), '--kubeconfig', join(dir, 'unused')]);
      expect(r.code, show(r)).toBe(1);
      expect(r.stderr).toContain(`port ${port} on 127.0.0.1 is in use`);
      expect(r.stderr).not.toMatch(/^\s+at /m);
    } finally {
      busy.close();
    }
  });

  it('rejects bad option values before starting anything', async ({ expect }) => {
    const cases = [
      ['--speed', '0'],
      ['--port', '70000'],
    ];
    const runs = await Promise.all(cases.map((args) => k2(['sim', ...args, '--kubeconfig', join(dir, 'unused')])));
    cases.forEach((args, i) => {
      const r = runs[i]!;
      expect(r.code, `${args.join(' ')}\n${show(r)}`).toBe(1);
      expect(r.stderr).toMatch(new RegExp(`option '.*${args[0]}.*' argument '${args[1]}' is invalid`));
    });
  });
});

describe('k2 up', () => {
  it('starts the simulator with env overrides, says what it started, and stops on SIGTERM', async () => {
    const kubeconfig = join(dir, 'up', 'kubeconfig');
    const k = new Running(['up'], { K2__SIMULATOR__PORT: '0', K2__SIMULATOR__KUBECONFIG_PATH: kubeconfig });
    await k.waitFor(/Press Ctrl-C to stop/);
    expect(k.stdout).toMatch(/^K2 is up \(cluster "demo"\):/m);
    const line = k.stdout.match(/^\s+simulator\s+api: https:\/\/127\.0\.0\.1:(\d+)\s+kubeconfig: (\S+)$/m);
    expect(line, k.output()).not.toBeNull();
    expect(Number(line![1])).toBeGreaterThan(0);
    expect(line![2]).toBe(kubeconfig);
    expect(k.stdout).toContain(`kubectl --kubeconfig ${kubeconfig} get events -A`);
    expect(statSync(kubeconfig).mode & 0o777).toBe(0o600);
    const pods = await podNamespaces(kubeconfig);
    expect([...pods.keys()].sort()).toEqual(['api', 'billing', 'shop', 'web']);

    const end = await k.terminate();
    expect(end, k.output()).toMatchObject({ code: 0, signal: null });
    expect(end.ms).toBeLessThan(5_000);
    expect(k.logs().map((l) => l.msg)).toEqual(expect.arrayContaining(['simulator started', 'stopping', 'stopped']));
  });
});

describe.concurrent('k2 up: start-up failures', () => {
  it('refuses a bad config before starting anything', async ({ expect }) => {
    const kubeconfig = join(dir, 'up-bad', 'kubeconfig');
    const r = await k2(['up'], { K2__SIMULATOR__PORT: 'notaport', K2__SIMULATOR__KUBECONFIG_PATH: kubeconfig });
    expect(r.code, show(r)).toBe(1);
    expect(r.stderr).toMatch(/env K2__SIMULATOR__PORT: simulator\.port: /);
    expect(r.stdout).toBe('');
    expect(existsSync(kubeconfig)).toBe(false);
  });
});

describe('k2 exporter', () => {
  it('scrapes the cluster from its own process, with the young generation its heap flags keep small', async () => {
    const kubeconfig = join(dir, 'exporter-sim', 'kubeconfig');
    const sim = new Running(['sim', '--port', '0', '--kubeconfig', kubeconfig]);
    await sim.waitFor(STARTED);
    const exporter = new Running(['exporter'], {
      K2__KUBERNETES__MODE: 'kubeconfig',
      K2__KUBERNETES__KUBECONFIG: kubeconfig,
      K2__EXPORTER__HTTP__PORT: '0',
    });
    const [, url] = await exporter.waitFor(/scrape (http:\/\/\S+\/metrics)/);
    const text = await (await fetch(url!)).text();
    expect(text).toMatch(/^k2_container_memory_usage_minus_cache_bytes\{.*namespace="shop".*\} \d+$/m);
    // bin/k2.js set --semi-space-growth-factor=1 before loading anything: the young generation
    // (both halves) is still its starting 2 MB after loading the cluster and serving a scrape.
    const young = text.match(/^nodejs_heap_space_size_total_bytes\{[^}]*space="new"[^}]*\} (\d+)$/m);
    expect(young, text.slice(0, 2000)).not.toBeNull();
    expect(Number(young![1])).toBeLessThanOrEqual(2 * 2 ** 20);
    for (const k of [exporter, sim]) expect(await k.terminate(), k.output()).toMatchObject({ code: 0 });
  });
});
