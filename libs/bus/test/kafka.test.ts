import { randomUUID } from 'node:crypto';
import { ConfigResourceTypes } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { CompactedTable, KafkaBus, type KafkaBusOptions, type Message } from '../src/index.js';
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

  it('snapshots without creating a consumer group, quickly, and writes tombstones as null values', async () => {
    const brokers = await kafka();
    const bus = new KafkaBus({ brokers, consumer: tuning });
    const admin = createClient({ brokers }).admin();
    const consumer = createClient({ brokers }).consumer({ groupId: `raw-${randomUUID().slice(0, 8)}`, ...tuning });
    await admin.connect();
    try {
      const topic = `snap-${randomUUID().slice(0, 8)}`;
      await bus.ensureTopics([{ name: topic, partitions: 3 }]);
      const groups = async () => (await admin.listGroups()).groups.map((g) => g.groupId).sort();
      const before = await groups();

      await bus.snapshot(topic); // warms up connections and metadata
      let started = Date.now();
      expect(await bus.snapshot(topic)).toEqual([]);
      expect(Date.now() - started).toBeLessThan(2_000);

      await bus.publish(topic, [...keyed(999), { key: 'deleted', value: null }]);
      started = Date.now();
      const snap = await bus.snapshot(topic);
      expect(Date.now() - started).toBeLessThan(2_000);
      expect(snap).toHaveLength(1000);
      expect(await groups()).toEqual(before);

      // The tombstone went out as Kafka's null value (the one compaction deletes), not as empty bytes.
      const raw = new Map<string, Buffer | null>();
      await consumer.connect();
      await consumer.subscribe({ topics: [topic], fromBeginning: true });
      await consumer.run({ eachMessage: async ({ message }) => void raw.set(String(message.key), message.value) });
      await eventually(() => expect(raw.size).toBe(1000));
      expect(raw.get('deleted')).toBeNull();
      expect(raw.get('k7')).toEqual(Buffer.from('k7'));
    } finally {
      await consumer.disconnect();
      await admin.disconnect();
      await bus.close();
    }
  });

  it(
    'snapshots partitions larger than one fetch, and compacted ones with holes and emptied batches',
    {
      timeout: 90_000,
    },
    async () => {
      const brokers = await kafka();
      const bus = new KafkaBus({ brokers });
      const other = new KafkaBus({ brokers });
      const admin = createClient({ brokers }).admin();
      await admin.connect();
      try {
        // Several fetches per partition: 2 × 3 MiB of 64 KiB values.
        const big = `big-${randomUUID().slice(0, 8)}`;
        await bus.ensureTopics([{ name: big, partitions: 2 }]);
        const value = Buffer.alloc(65_536, 7);
        for (let i = 0; i < 4; i++)
          await bus.publish(
            big,
            Array.from({ length: 24 }, (_, j) => ({ key: `b${i * 24 + j}`, value })),
          );
        const snap = await bus.snapshot(big);
        expect(snap).toHaveLength(96);
        expect(new Set(snap.map((m) => m.key)).size).toBe(96);
        for (const p of [0, 1]) {
          const offsets = snap.filter((m) => m.partition === p).map((m) => m.offset);
          expect(offsets).toEqual(offsets.map((_, i) => i));
        }

        // A compacted topic that rolls segments and cleans them at once.
        const name = `compacted-${randomUUID().slice(0, 8)}`;
        await admin.createTopics({
          waitForLeaders: true,
          topics: [
            {
              topic: name,
              numPartitions: 1,
              replicationFactor: 1,
              configEntries: [
                { name: 'cleanup.policy', value: 'compact' },
                { name: 'segment.ms', value: '100' },
                { name: 'min.cleanable.dirty.ratio', value: '0.001' },
                { name: 'delete.retention.ms', value: '0' },
                { name: 'min.compaction.lag.ms', value: '0' },
              ],
            },
          ],
        });
        const table = new CompactedTable(bus, name);
        const expected = new Map<string, string>();
        const put = async (t: CompactedTable, entries: [string, string | null][]) => {
          await t.put(entries);
          for (const [k, v] of entries)
            if (v === null) expected.delete(k);
            else expected.set(k, v);
          await new Promise((r) => setTimeout(r, 150)); // the next put rolls the segment
        };
        await put(
          table,
          Array.from({ length: 100 }, (_, i) => [`k${i}`, 'v1']),
        );
        // Another producer's last batch, all of it overwritten below: compaction empties it but keeps it.
        await put(
          new CompactedTable(other, name),
          Array.from({ length: 10 }, (_, i) => [`x${i}`, 'other']),
        );
        await put(table, [
          ...Array.from({ length: 50 }, (_, i): [string, string] => [`k${i}`, 'v2']),
          ...Array.from({ length: 10 }, (_, i): [string, null] => [`k${50 + i}`, null]),
          ...Array.from({ length: 10 }, (_, i): [string, string] => [`x${i}`, 'mine']),
        ]);
        await put(table, [['roll', '1']]);
        await put(table, [['roll', '2']]);
        const published = 100 + 10 + 70 + 2;

        let records: Message[] = [];
        await eventually(async () => {
          records = await bus.snapshot(name);
          expect(records.length).toBeLessThan(published - 60);
        }, 60_000);
        const offsets = records.map((m) => m.offset);
        expect(offsets).toEqual([...offsets].sort((a, b) => a - b));
        expect(offsets.at(-1)).toBe(published - 1);
        const loaded = await table.load();
        expect(Object.fromEntries([...loaded].map(([k, v]) => [k, v.toString()]))).toEqual(
          Object.fromEntries(expected),
        );
      } finally {
        await admin.disconnect();
        await other.close();
        await bus.close();
      }
    },
  );

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
