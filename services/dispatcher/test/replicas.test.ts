import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { KafkaBus } from '@k2/bus';
import { INCIDENTS_TOPIC, type Incident } from '@k2/contracts';
import { createLogger } from '@k2/log';
import { startServer } from '../../../test/support/servers.js';
import { startDispatcherService } from '../src/index.js';
import { eventually, loopback, routing } from './support.js';

const quiet = createLogger({ name: 't', level: 'silent' });

function incident(i: number, cluster: string): Incident {
  const at = new Date().toISOString();
  const id = (i.toString(16).padStart(8, '0') + cluster.slice(-8)).padEnd(32, '0').slice(0, 32);
  return {
    schemaVersion: 1,
    id,
    cluster,
    namespace: `ns-${i}`,
    workload: { kind: 'Deployment', name: `app-${i}` },
    class: 'crash_loop',
    status: 'open',
    severity: 'warning',
    firstSeen: at,
    lastSeen: at,
    count: 1,
    affected: [],
    otherAffected: 0,
    flapping: false,
    reopens: 0,
    summary: `app-${i} crash-looping`,
    transition: 'opened',
    transitionAt: at,
    seq: 1,
    effects: [],
  };
}

describe('two dispatcher replicas on real Kafka', () => {
  it('share the groups through the consumer group: every incident is notified exactly once', async () => {
    const { brokers } = (await startServer('kafka', 'dispatcher')) as { brokers: string };
    const cluster = `c${Date.now().toString(16).slice(-8)}`;
    const hook = await loopback();
    onTestFinished(() => hook.close());
    const yaml = `
route: { receiver: hook }
receivers:
  - name: hook
    webhook: { url: "${hook.url}" }
`;
    const replica = async (name: string) => {
      const dir = mkdtempSync(join(tmpdir(), `k2-dispatcher-${name}-`));
      onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
      const bus = new KafkaBus({
        brokers,
        log: quiet,
        consumer: { sessionTimeout: 6_000, heartbeatInterval: 300, maxWaitTimeInMs: 100 },
      });
      const service = await startDispatcherService({
        config: {
          enabled: true,
          stateDir: dir,
          groupId: `dispatcher-${cluster}`,
          api: { tokens: [] },
          http: { host: '127.0.0.1', port: 0 },
        },
        bus,
        log: quiet,
        partitions: 6,
        routing: routing(yaml),
      });
      onTestFinished(async () => {
        await service.stop();
        await bus.close();
      });
      return service;
    };
    const a = await replica('a');
    const b = await replica('b');
    const producer = new KafkaBus({ brokers, log: quiet });
    onTestFinished(() => producer.close());
    const records = Array.from({ length: 40 }, (_, i) => incident(i, cluster));
    await producer.publish(
      INCIDENTS_TOPIC,
      records.map((r) => ({ key: r.id, value: r })),
    );
    const mine = () =>
      hook.received.map((r) => JSON.parse(r.body)).filter((body) => body.alerts[0].labels.cluster === cluster);
    await eventually(() => mine().length >= records.length, 60_000, 'a notification per incident');
    // Give a duplicate (if any) the time one more delivery takes: wait for both replicas to be idle.
    await eventually(() => a.dispatcher.groupCount + b.dispatcher.groupCount === records.length);
    const ids = mine().map((body) => body.alerts[0].labels.incident_id as string);
    expect(ids.sort()).toEqual(records.map((r) => r.id).sort());
    expect(a.dispatcher.counters.notifications).toBeGreaterThan(0);
    expect(b.dispatcher.counters.notifications).toBeGreaterThan(0);
  }, 120_000);
});
