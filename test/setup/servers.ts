import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { TestProject } from 'vitest/node';

/**
 * Starts real servers (Kafka, Elasticsearch, Prometheus, ...) on demand, once per test run.
 * Test files ask for one through test/support/servers.ts; this process runs the scripts in
 * test/servers/ and stops everything it started when the run ends.
 */
interface Started {
  info: Record<string, unknown>;
  name: string;
  stateDir: string;
  /** Extra environment the start script got (e.g. K2_PROMETHEUS_CONFIG); a restart gets it again. */
  env: Record<string, string>;
}

const SCRIPTS = resolve('test/servers');

function runScript(
  name: string,
  verb: 'start' | 'stop',
  stateDir: string,
  env: Record<string, string> = {},
): Promise<Record<string, unknown>> {
  return new Promise((done, fail) => {
    const child = spawn('bash', [join(SCRIPTS, `${name}.sh`), verb, stateDir], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...env },
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
      if (process.env.K2_SERVERS_VERBOSE) process.stderr.write(d);
    });
    child.on('error', fail);
    child.on('close', (code) => {
      if (code !== 0) {
        fail(
          new Error(`test/servers/${name}.sh ${verb} failed (exit ${code}):\n${err.split('\n').slice(-30).join('\n')}`),
        );
        return;
      }
      if (verb === 'stop') return done({});
      const line = out
        .split('\n')
        .reverse()
        .find((l) => l.startsWith('K2_SERVER '));
      if (!line) return fail(new Error(`test/servers/${name}.sh start printed no K2_SERVER line:\n${out}\n${err}`));
      done(JSON.parse(line.slice('K2_SERVER '.length)) as Record<string, unknown>);
    });
  });
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const root = mkdtempSync(join(tmpdir(), 'k2-test-servers-'));
  const servers = new Map<string, Promise<Started>>();

  const start = async (name: string, instance: string, env: Record<string, string>): Promise<Started> => {
    const id = `${name}/${instance}`;
    let p = servers.get(id);
    if (!p) {
      const stateDir = join(root, name, instance);
      const began = Date.now();
      p = runScript(name, 'start', stateDir, env).then((info) => {
        process.stderr.write(
          `[k2 test servers] ${id} up in ${((Date.now() - began) / 1000).toFixed(1)}s: ${JSON.stringify(info)}\n`,
        );
        return { info, name, stateDir, env };
      });
      servers.set(id, p);
      p.catch(() => servers.delete(id));
    }
    const started = await p;
    // Another test file asked for the same instance with a different setup: it would get a server
    // configured for someone else. Each setup needs its own instance name.
    if (JSON.stringify(sorted(started.env)) !== JSON.stringify(sorted(env))) {
      throw new Error(
        `${id} is already running with env ${JSON.stringify(started.env)}; use another instance for env ${JSON.stringify(env)}`,
      );
    }
    return started;
  };

  const broker = http.createServer((req, res) => {
    const m = /^\/servers\/([a-z-]+)\/([a-z0-9-]+)\/(start|restart|stop)$/.exec(req.url ?? '');
    const reply = (code: number, body: unknown) =>
      res.writeHead(code, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
    if (req.method !== 'POST' || !m) return reply(404, { error: 'POST /servers/NAME/INSTANCE/(start|restart|stop)' });
    const [, name, instance, action] = m as unknown as [string, string, string, string];
    const id = `${name}/${instance}`;
    const act = async (): Promise<Record<string, unknown>> => {
      if (action === 'start') return (await start(name, instance, await readEnv(req))).info;
      const current = await servers.get(id);
      if (!current) throw new Error(`${id} is not running`);
      await runScript(name, 'stop', current.stateDir);
      if (action === 'stop') {
        // A later start brings it back (same state dir, same env) instead of returning stale info.
        servers.delete(id);
        return {};
      }
      // Same state dir: the server comes back with its data, as after a crash or an upgrade.
      const info = await runScript(name, 'start', current.stateDir, current.env);
      servers.set(id, Promise.resolve({ ...current, info }));
      return info;
    };
    act().then(
      (info) => reply(200, info),
      (err: Error) => reply(500, { error: err.message }),
    );
  });
  await new Promise<void>((r) => broker.listen(0, '127.0.0.1', r));
  project.provide('k2ServersUrl', `http://127.0.0.1:${(broker.address() as AddressInfo).port}`);

  return async () => {
    broker.close();
    const all = await Promise.allSettled([...servers.values()]);
    await Promise.allSettled(
      all.flatMap((s) => (s.status === 'fulfilled' ? [runScript(s.value.name, 'stop', s.value.stateDir)] : [])),
    );
    rmSync(root, { recursive: true, force: true });
  };
}

/** The optional JSON body of a start request: `{"env": {"NAME": "value", ...}}`. */
async function readEnv(req: http.IncomingMessage): Promise<Record<string, string>> {
  let text = '';
  for await (const chunk of req) text += (chunk as Buffer).toString();
  if (!text.trim()) return {};
  const body = JSON.parse(text) as { env?: unknown };
  const env = body.env ?? {};
  if (typeof env !== 'object' || env === null || Object.values(env).some((v) => typeof v !== 'string')) {
    throw new Error('env must map names to strings');
  }
  return env as Record<string, string>;
}

function sorted(env: Record<string, string>): [string, string][] {
  return Object.entries(env).sort(([a], [b]) => a.localeCompare(b));
}

declare module 'vitest' {
  export interface ProvidedContext {
    k2ServersUrl: string;
  }
}
