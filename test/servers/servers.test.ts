import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@elastic/elasticsearch';
import { Kafka, logLevel, type KafkaMessage } from 'kafkajs';
import { afterAll, describe, it } from 'vitest';
import { startServer, stopServer, type HttpServer, type KafkaServer, type Tools } from '../support/servers.js';

/**
 * The real servers the other tests rely on, each started through the broker by its script in
 * test/servers/, doing the one job tests need from it.
 */

const dir = mkdtempSync(join(tmpdir(), 'k2-servers-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Polls `check` until it returns a value (not undefined); the last error or value explains a timeout. */
async function poll<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms (last error: ${String(last)})`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`GET ${url}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

describe.concurrent('real test servers', () => {
  it('Kafka: creates a topic, takes 10 keyed messages and delivers them to a consumer group', async ({ expect }) => {
    const { brokers } = (await startServer('kafka')) as unknown as KafkaServer;
    const kafka = new Kafka({ clientId: 'k2-servers-test', brokers: brokers.split(','), logLevel: logLevel.NOTHING });
    const topic = `k2-servers-test-${randomUUID()}`;
    const admin = kafka.admin();
    const producer = kafka.producer();
    const groupId = `k2-servers-test-${randomUUID()}`;
    const consumer = kafka.consumer({ groupId });
    try {
      await admin.connect();
      expect(await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true })).toBe(true);
      expect(await admin.listTopics()).toContain(topic);
      const [meta] = (await admin.fetchTopicMetadata({ topics: [topic] })).topics;
      expect(meta!.partitions).toHaveLength(3);

      await producer.connect();
      const sent = Array.from({ length: 10 }, (_, i) => ({ key: `key-${i % 4}`, value: `message-${i}` }));
      const acks = await producer.send({ topic, messages: sent });
      expect(acks.every((a) => a.errorCode === 0)).toBe(true);

      const received: { partition: number; message: KafkaMessage }[] = [];
      await consumer.connect();
      await consumer.subscribe({ topics: [topic], fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ partition, message }) => {
          received.push({ partition, message });
        },
      });
      await poll('10 messages consumed', async () => (received.length >= 10 ? true : undefined));
      expect(received).toHaveLength(10);
      expect(received.map((r) => r.message.value!.toString()).sort()).toEqual(sent.map((m) => m.value).sort());
      // Same key, same partition, in the order sent.
      for (const key of new Set(sent.map((m) => m.key))) {
        const mine = received.filter((r) => r.message.key!.toString() === key);
        expect(new Set(mine.map((r) => r.partition)).size).toBe(1);
        expect(mine.map((r) => r.message.value!.toString())).toEqual(
          sent.filter((m) => m.key === key).map((m) => m.value),
        );
      }
      // Leaving the group commits what it consumed: a restarted consumer would not see them again.
      await consumer.disconnect();
      const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
      expect(committed!.partitions.reduce((sum, p) => sum + Number(p.offset), 0)).toBe(10);
    } finally {
      await consumer.disconnect().catch(() => {});
      await producer.disconnect().catch(() => {});
      await admin.deleteTopics({ topics: [topic] }).catch(() => {});
      await admin.disconnect().catch(() => {});
    }
  }, 120_000);

  it('Elasticsearch: answers info, indexes a document and finds it', async ({ expect }) => {
    const { url } = (await startServer('elasticsearch')) as unknown as HttpServer;
    const es = new Client({ node: url });
    const index = `k2-servers-test-${randomUUID()}`;
    try {
      const info = await es.info();
      expect(info.version.number).toMatch(/^8\./);
      const doc = { reason: 'OOMKilled', namespace: 'billing', message: 'Container ledger was OOM-killed', count: 3 };
      const put = await es.index({ index, id: 'event-1', document: doc, refresh: true });
      expect(put.result).toBe('created');
      const found = await es.search<typeof doc>({ index, query: { match: { message: 'ledger' } } });
      expect(found.hits.hits).toHaveLength(1);
      expect(found.hits.hits[0]!._id).toBe('event-1');
      expect(found.hits.hits[0]!._source).toEqual(doc);
      const none = await es.search({ index, query: { term: { namespace: 'shop' } } });
      expect(none.hits.hits).toHaveLength(0);
    } finally {
      await es.indices.delete({ index }, { ignore: [404] }).catch(() => {});
      await es.close();
    }
  }, 180_000);

  it('Prometheus: evaluates PromQL and scrapes itself', async ({ expect }) => {
    const { url } = (await startServer('prometheus')) as unknown as HttpServer;
    const q = await getJson<{ status: string; data: { result: [number, string] } }>(`${url}/api/v1/query?query=1%2B1`);
    expect(q.status).toBe('success');
    expect(q.data.result[1]).toBe('2');
    await poll('Prometheus scraped itself', async () => {
      const up = await getJson<{ data: { result: { value: [number, string] }[] } }>(
        `${url}/api/v1/query?query=${encodeURIComponent('up{job="prometheus"}')}`,
      );
      return up.data.result[0]?.value[1] === '1' ? true : undefined;
    });
  }, 120_000);

  it('Prometheus + Alertmanager: a vector(1) alert rule reaches Alertmanager', async ({ expect }) => {
    const am = (await startServer('alertmanager', 'alerting')) as unknown as HttpServer;
    const alertname = 'K2ServersTestAlwaysFiring';
    const configDir = mkdtempSync(join(dir, 'prometheus-'));
    writeFileSync(
      join(configDir, 'rules.yml'),
      [
        'groups:',
        '  - name: k2-servers-test',
        '    interval: 1s',
        '    rules:',
        `      - alert: ${alertname}`,
        '        expr: vector(1)',
        '        labels: { severity: test }',
        '        annotations: { summary: "always firing" }',
      ].join('\n'),
    );
    const config = join(configDir, 'prometheus.yml');
    writeFileSync(
      config,
      [
        'global: { scrape_interval: 1s, evaluation_interval: 1s }',
        'rule_files: [rules.yml]', // relative to this file's folder
        'alerting:',
        '  alertmanagers:',
        '    - static_configs:',
        `        - targets: ['${new URL(am.url).host}']`,
      ].join('\n'),
    );
    const prom = (await startServer('prometheus', 'alerting', {
      env: { K2_PROMETHEUS_CONFIG: config },
    })) as unknown as HttpServer;
    try {
      // Prometheus loaded our rule and knows our Alertmanager.
      const rules = await getJson<{ data: { groups: { rules: { name: string }[] }[] } }>(`${prom.url}/api/v1/rules`);
      expect(rules.data.groups.flatMap((g) => g.rules.map((r) => r.name))).toContain(alertname);
      await poll('Prometheus discovered the Alertmanager', async () => {
        const ams = await getJson<{ data: { activeAlertmanagers: { url: string }[] } }>(
          `${prom.url}/api/v1/alertmanagers`,
        );
        return ams.data.activeAlertmanagers.some((a) => a.url.startsWith(am.url)) ? true : undefined;
      });
      const alert = await poll('the alert in Alertmanager', async () => {
        const alerts = await getJson<
          { labels: Record<string, string>; annotations: Record<string, string>; status: { state: string } }[]
        >(`${am.url}/api/v2/alerts`);
        return alerts.find((a) => a.labels.alertname === alertname);
      });
      expect(alert.labels.severity).toBe('test');
      expect(alert.annotations.summary).toBe('always firing');
      expect(alert.status.state).toBe('active');
    } finally {
      await stopServer('prometheus', 'alerting');
      await stopServer('alertmanager', 'alerting');
    }
  }, 120_000);

  it('promtool check rules: exit 0 for a valid file, 1 for an invalid one', async ({ expect }) => {
    const { promtool } = (await startServer('tools')) as unknown as Tools;
    const check = (file: string) =>
      new Promise<{ code: number; out: string }>((resolve) =>
        execFile(promtool, ['check', 'rules', file], { timeout: 20_000 }, (err, stdout, stderr) =>
          resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, out: stdout + stderr }),
        ),
      );
    const valid = join(dir, 'valid-rules.yml');
    writeFileSync(
      valid,
      'groups:\n  - name: ok\n    rules:\n      - alert: HighRestarts\n        expr: sum(rate(k2_events_total[5m])) > 1\n        for: 5m\n',
    );
    const good = await check(valid);
    expect(good.code, good.out).toBe(0);
    expect(good.out).toMatch(/SUCCESS: 1 rules found/);

    const invalid = join(dir, 'invalid-rules.yml');
    writeFileSync(
      invalid,
      'groups:\n  - name: broken\n    rules:\n      - alert: Broken\n        expr: sum(rate(k2_events_total[5m]) > \n',
    );
    const bad = await check(invalid);
    expect(bad.code, bad.out).toBe(1);
    expect(bad.out).toContain(invalid);
    expect(bad.out).toMatch(/FAILED/);
  });
});
