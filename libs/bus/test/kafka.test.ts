import { randomUUID } from 'node:crypto';
import { ConfigResourceTypes } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { KafkaBus, type KafkaBusOptions, type Message } from '../src/index.js';
import { createClient } from '../src/kafka/client.js';
import { KafkaSubscription } from '../src/kafka/subscription.js';
import { restartServer, startServer, type KafkaServer } from '../../../test/support/servers.js';
import { busConformance, eventually, keyed } from './conformance.js';

/** Group timings shortened so joins, rebalances and closes take well under a second. */
const tuning: KafkaBusOptions['consumer'] = {
  sessionTimeout: 6_000,
  heartbeatInterval: 300,
  rebalanceTimeout: 10_000,
  maxWaitTimeInMs: 100,
};

const kafka = async (instance?: string) => ((await startServer('kafka', instance)) as unknown as KafkaServer).brokers;

// The restart test's own broker starts while the conformance suite runs; its test reports a failure.
const restartBroker = kafka('bus-restart');
restartBroker.catch(() => {});

busConformance(
  'kafka',
  async () => new KafkaBus({ brokers: await kafka(), clientId: 'k2-bus-test', consumer: tuning }),
  { quietMs: 1_000 },
);

describe('KafkaBus', () => {
  it('creates topics with their partitions, compaction, retention and a dead-letter twin', async () => {
    const brokers = await kafka();
    const bus = new KafkaBus({ brokers });
    const admin = createClient({ brokers }).admin();
    await admin.connect();
    try {
      const name = `spec-${randomUUID().slice(0, 8)}`;
      await bus.ensureTopics([
        { name, partitions: 5, compacted: true },
        { name: `${name}-r`, partitions: 2, retentionMs: 3_600_000 },
      ]);
      // Again, with other settings: existing topics are left alone.
      await bus.ensureTopics([{ name, partitions: 7 }]);
      const { topics } = await admin.fetchTopicMetadata({
        topics: [name, `${name}.dlq`, `${name}-r`, `${name}-r.dlq`],
      });
      expect(Object.fromEntries(topics.map((t) => [t.name, t.partitions.length]))).toEqual({
        [name]: 5,
        [`${name}.dlq`]: 1,
        [`${name}-r`]: 2,
        [`${name}-r.dlq`]: 1,
      });
      const { resources } = await admin.describeConfigs({
        includeSynonyms: false,
        resources: [name, `${name}.dlq`, `${name}-r`].map((n) => ({
          type: ConfigResourceTypes.TOPIC,
          name: n,
          configNames: ['cleanup.policy', 'retention.ms'],
        })),
      });
      const config = Object.fromEntries(
        resources.map((r) => [
          r.resourceName,
          Object.fromEntries(r.configEntries.map((e) => [e.configName, e.configValue])),
        ]),
      );
      expect(config[name]?.['cleanup.policy']).toBe('compact');
      expect(config[`${name}.dlq`]?.['cleanup.policy']).toBe('delete');
      expect(config[`${name}-r`]).toMatchObject({ 'cleanup.policy': 'delete', 'retention.ms': '3600000' });
    } finally {
      await admin.disconnect();
      await bus.close();
    }
  });

  it('restarts a consumer that kafkajs gave up on after an unexpected error, and redelivers', async () => {
    const brokers = await kafka();
    const bus = new KafkaBus({ brokers, consumer: tuning });
    const topic = `crash-${randomUUID().slice(0, 8)}`;
    await bus.ensureTopics([{ name: topic, partitions: 1 }]);
    await bus.publish(topic, keyed(3));
    const seen: Message[] = [];
    let crashed = false;
    const sub = new KafkaSubscription(createClient({ brokers }), {
      topics: [topic],
      groupId: `g-${topic}`,
      fromBeginning: true,
      tuning,
      log: { info() {}, warn() {}, error() {} },
      onClosed() {},
      // A TypeError is not retriable: kafkajs stops the consumer and leaves restarting to us.
      deliver: async (records, run) => {
        if (!crashed) {
          crashed = true;
          throw new TypeError('a bug in the delivery path');
        }
        for (const m of records) {
          seen.push(m);
          await run.done(m);
        }
      },
    });
    try {
      await sub.start();
      await eventually(() => expect(seen.map((m) => m.key)).toEqual(['k0', 'k1', 'k2']));
      expect(crashed).toBe(true);
    } finally {
      await sub.close();
      await bus.close();
    }
  });

  it('loses nothing when the broker restarts mid-stream', { timeout: 120_000 }, async () => {
    const brokers = await restartBroker;
    const bus = new KafkaBus({ brokers, clientId: 'k2-bus-restart', consumer: tuning });
    try {
      const topic = `restart-${Date.now()}`;
      await bus.ensureTopics([{ name: topic, partitions: 3 }]);
      const before = keyed(500, 'before-');
      await bus.publish(topic, before);

      const seen = new Set<string>();
      await bus.subscribe({
        topics: topic,
        groupId: `g-${topic}`,
        fromBeginning: true,
        // Slow enough (10 s of backlog) that the broker goes away and comes back while it is worked through.
        handler: async (m) => {
          await new Promise((r) => setTimeout(r, 20));
          seen.add(m.key);
        },
      });
      await eventually(() => expect(seen.size).toBeGreaterThanOrEqual(50));

      const restarting = restartServer('kafka', 'bus-restart');
      // Published while the broker goes down and comes back: the producer retries until it is accepted.
      const during = keyed(100, 'during-');
      const publishing = bus.publish(topic, during);
      const after = (await restarting) as unknown as KafkaServer;
      expect(after.brokers).toBe(brokers);
      expect(seen.size).toBeLessThan(before.length);
      await publishing;
      const later = keyed(100, 'after-');
      await bus.publish(topic, later);

      await eventually(() => expect(seen.size).toBe(before.length + during.length + later.length), 60_000);
      expect([...before, ...during, ...later].filter((r) => !seen.has(r.key))).toEqual([]);
    } finally {
      await bus.close();
    }
  });
});
