import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it, onTestFinished } from 'vitest';
import { sha256Hex } from '../src/index.js';
import { eventually, loopback } from './support.js';

const BIN = fileURLToPath(new URL('../../../bin/k2.js', import.meta.url));
const TOKEN = 'restart-test-admin-token';
const children: ChildProcess[] = [];
afterAll(() => children.forEach((c) => c.kill('SIGKILL')));

/** `k2 dispatcher` as its own process; resolves with its URL once it printed its endpoints. */
async function spawnDispatcher(cwd: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [BIN, 'dispatcher', '-c', 'k2.yaml'], { cwd, stdio: 'pipe' });
  children.push(child);
  child.stderr!.on('data', (d: Buffer) => process.env.K2_TEST_CHILD_LOG && process.stderr.write(d));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /api: (http:\/\/[^\s]+)\/api\/v1/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`k2 dispatcher exited with ${code} before starting`)));
  });
  return { child, url };
}

describe('k2 dispatcher killed mid-escalation', () => {
  it('picks the escalation up where it was: no step lost, none sent twice', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'k2-dispatcher-kill-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const hook = await loopback();
    onTestFinished(() => hook.close());
    writeFileSync(
      join(dir, 'routes.yaml'),
      `
route: { receiver: hook, escalation: chain }
receivers:
  - name: hook
    webhook: { url: "${hook.url}" }
oncall:
  escalations:
    - name: chain
      repeat: 2
      steps: [{ wait: 1s, receivers: [hook] }, { wait: 1s, receivers: [hook] }]
`,
    );
    writeFileSync(
      join(dir, 'k2.yaml'),
      [
        'log: { level: warn }',
        'dispatcher:',
        '  routingFile: routes.yaml',
        '  stateDir: state',
        '  http: { port: 0 }',
        `  api: { tokens: [{ user: ops, role: admin, sha256: "${sha256Hex(TOKEN)}" }] }`,
      ].join('\n'),
    );
    const headers = { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' };
    const steps = () =>
      hook.received
        .map((r) => JSON.parse(r.body))
        .filter((b) => b.reason === 'escalation')
        .map((b) => b.escalationStep as number);

    let { child, url } = await spawnDispatcher(dir);
    const posted = await fetch(`${url}/api/v1/alerts`, {
      method: 'POST',
      headers,
      body: JSON.stringify([{ labels: { alertname: 'Down', namespace: 'shop' } }]),
    });
    expect(posted.status).toBe(200);
    await eventually(() => steps().length >= 2, 20_000, 'two escalation steps');
    // Kill once what it sent is on record (as a crash at any later moment would find it).
    await eventually(async () => {
      const res = await fetch(`${url}/api/v1/deliveries?outcome=sent`, { headers });
      const body = (await res.json()) as { deliveries: unknown[] };
      return body.deliveries.length >= hook.received.length;
    });
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    ({ child, url } = await spawnDispatcher(dir));
    await eventually(() => steps().length === 6, 30_000, 'the whole chain, three passes of two steps');
    expect(steps()).toEqual([0, 1, 2, 3, 4, 5]);
    const ids = hook.received.map((r) => r.headers['x-k2-notification-id']);
    expect(new Set(ids).size).toBe(ids.length);
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
  }, 60_000);
});
