import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { KafkaBus } from '@k2/bus';
import { eventually, startSim } from '../../../libs/kube-sim/test/helpers.js';
import { startServer } from '../../../test/support/servers.js';
import { collect, expectedIds, quietLog, storm } from './harness.js';

const BIN = fileURLToPath(new URL('../../../bin/k2.js', import.meta.url));
const children: ChildProcess[] = [];
afterAll(() => children.forEach((c) => c.kill('SIGKILL')));

/** `k2 eventer` as its own process, on Kafka, watching the simulator through a kubeconfig file; resolves once it runs. */
async function spawnEventer(env: Record<string, string>): Promise<ChildProcess> {
  const child = spawn(process.execPath, [BIN, 'eventer'], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  child.stderr!.on('data', (d: Buffer) => process.env.K2_TEST_CHILD_LOG && process.stderr.write(d));
  // It prints its endpoints once started; the first list follows at once.
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => d.toString().includes('eventer') && resolve());
    child.once('exit', (code) => reject(new Error(`k2 eventer exited with ${code} before starting`)));
  });
  await new Promise((r) => setTimeout(r, 1_000));
  return child;
}

describe('k2 eventer as a process', () => {
  it('SIGKILLed mid-scenario and started again, it publishes the same ids as an uninterrupted run', async () => {
    const { brokers } = (await startServer('kafka', 'eventer')) as { brokers: string };
    const cluster = `proc-${randomUUID().slice(0, 6)}`;
    const scenario = storm();
    const { sim } = await startSim({ scenarios: [scenario] });
    const dir = mkdtempSync(join(tmpdir(), 'k2-proc-'));
    sim.writeKubeconfig(join(dir, 'kubeconfig'));
    const env = {
      K2__CLUSTER: cluster,
      K2__KUBERNETES__MODE: 'kubeconfig',
      K2__KUBERNETES__KUBECONFIG: join(dir, 'kubeconfig'),
      K2__BUS__KIND: 'kafka',
      K2__BUS__KAFKA__BROKERS: brokers,
      K2__EVENTER__HTTP__PORT: '0',
      K2__EVENTER__LEADER_ELECTION__ENABLED: 'false',
      K2__LOG__LEVEL: process.env.K2_TEST_CHILD_LOG ? 'info' : 'warn',
    };
    const bus = new KafkaBus({
      brokers,
      log: quietLog,
      consumer: { sessionTimeout: 6_000, heartbeatInterval: 300, maxWaitTimeInMs: 100 },
    });
    try {
      const { events } = await collect(bus, `collector-${cluster}`, cluster);
      const published = () => new Set(events.map((e) => e.id)).size;

      let child = await spawnEventer(env);
      // Let it publish part of the scenario, then kill it while events keep coming.
      for (let step = 0; step < 8; step++) {
        sim.advance(30_000);
        await new Promise((r) => setTimeout(r, 300));
      }
      await eventually(() => (published() > 0 ? true : undefined), 30_000, 'first events published');
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
      sim.advance(120_000);

      child = await spawnEventer(env);
      sim.advance(400_000);
      const expected = expectedIds(scenario, cluster);
      await eventually(() => (published() >= expected.size ? true : undefined), 60_000, `all ${expected.size} ids`);
      expect(new Set(events.map((e) => e.id))).toEqual(expected);
      // Ids are idempotent; a kill between publishing and checkpointing may repeat a batch, never lose one.
      const repeats = events.length - published();
      expect(repeats).toBeLessThanOrEqual(500);
      child.kill('SIGTERM');
      expect(await new Promise((r) => child.once('exit', r))).toBe(0);
    } finally {
      await bus.close();
    }
  }, 150_000);
});
