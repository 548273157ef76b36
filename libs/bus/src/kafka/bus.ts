import type { Admin, Kafka, Producer } from 'kafkajs';
import type { Bus, BusLog, BusRecord, Message, SubscribeOptions, Subscription, TopicSpec } from '../bus.js';
import { silentLog } from '../bus.js';
import { encodeValue } from '../codec.js';
import { createDelivery } from '../deliver.js';
import { partitionFor } from '../partitioner.js';
import { createClient, type KafkaBusOptions } from './client.js';
import { BatchingProducer } from './producer.js';
import { readSnapshot } from './snapshot.js';
import { KafkaSubscription } from './subscription.js';
import { Topics } from './topics.js';

/** Keys whose partition the producer remembers; the memo starts afresh when it has this many. */
const PARTITIONS_REMEMBERED = 10_000;

/**
 * The Bus on Apache Kafka. Publishing uses one idempotent producer (acks=all, gzip, batched calls);
 * each subscription is its own kafkajs consumer, i.e. one member of its group.
 */
export class KafkaBus implements Bus {
  private readonly kafka: Kafka;
  private readonly log: BusLog;
  private readonly producer: Producer;
  private readonly batching: BatchingProducer;
  private readonly topics: Topics;
  private readonly subscriptions = new Set<KafkaSubscription>();
  private readonly snapshots = new Set<Promise<unknown>>();
  private connecting: Promise<Admin> | undefined;
  private admin: Admin | undefined;
  private closed = false;

  constructor(private readonly options: KafkaBusOptions) {
    this.kafka = createClient(options);
    this.log = options.log ?? silentLog;
    this.producer = this.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      // Retried inside kafkajs, a request keeps its sequence numbers, so the broker drops a copy it
      // already has; a publish retried by the caller after a give-up is new and may double records.
      // So the budget outlasts a broker restart (about 80 s: backoff doubling from 300 ms to 10 s).
      retry: { retries: 12, maxRetryTime: 10_000, ...options.retry },
      // The same key → partition mapping as the in-process bus (and as Kafka's Java client).
      createPartitioner: () => {
        // Keys recur (k2.events is keyed by fingerprint): each is hashed once per partition count.
        const known = new Map<number, Map<string, number>>();
        return ({ partitionMetadata, message }) => {
          const key = String(message.key);
          const count = partitionMetadata.length;
          let partitions = known.get(count);
          if (!partitions || partitions.size >= PARTITIONS_REMEMBERED) known.set(count, (partitions = new Map()));
          let partition = partitions.get(key);
          if (partition === undefined) partitions.set(key, (partition = partitionFor(key, count)));
          return partition;
        };
      },
    });
    this.batching = new BatchingProducer(this.producer, options.lingerMs ?? 5);
    this.topics = new Topics(() => this.connect(), options.replicationFactor);
  }

  async ensureTopics(specs: readonly TopicSpec[]): Promise<void> {
    await this.topics.ensure(specs);
  }

  async publish(topic: string, records: readonly BusRecord[]): Promise<void> {
    if (this.closed) throw new Error('bus is closed');
    await this.topics.check([topic]);
    if (records.length === 0) return;
    await this.batching.send(
      topic,
      records.map((r) => ({ key: r.key, value: r.value === null ? null : encodeValue(r.value), headers: r.headers })),
    );
  }

  async subscribe<T = Buffer>(options: SubscribeOptions<T>): Promise<Subscription> {
    if (this.closed) throw new Error('bus is closed');
    const topics = typeof options.topics === 'string' ? [options.topics] : [...options.topics];
    await this.topics.check(topics);
    const sub: KafkaSubscription = new KafkaSubscription(this.kafka, {
      topics,
      groupId: options.groupId,
      fromBeginning: options.fromBeginning ?? false,
      manualCommit: options.commit === 'manual',
      tuning: this.options.consumer ?? {},
      deliver: createDelivery(options, (t, r) => this.publish(t, r), this.log),
      log: this.log,
      onClosed: () => this.subscriptions.delete(sub),
    });
    this.subscriptions.add(sub);
    try {
      await sub.start();
    } catch (err) {
      await sub.close();
      throw err;
    }
    return sub;
  }

  async snapshot(topic: string): Promise<Message[]> {
    if (this.closed) throw new Error('bus is closed');
    await this.topics.check([topic]);
    const reading = (async () => readSnapshot(this.kafka, await this.connect(), topic))();
    this.snapshots.add(reading);
    try {
      return await reading;
    } finally {
      this.snapshots.delete(reading);
    }
  }

  async close(): Promise<void> {
    // Subscriptions first: their last handlers may still publish (dead letters, follow-up records).
    await Promise.all([...this.subscriptions].map((s) => s.close()));
    this.closed = true;
    await Promise.allSettled([...this.snapshots]);
    await this.batching.flush();
    await this.producer.disconnect();
    await this.admin?.disconnect();
  }

  /** Connects the producer and the admin client on first use. */
  private connect(): Promise<Admin> {
    this.connecting ??= (async () => {
      const admin = this.kafka.admin();
      await Promise.all([this.producer.connect(), admin.connect()]);
      this.admin = admin;
      return admin;
    })().catch((err: unknown) => {
      this.connecting = undefined;
      throw err;
    });
    return this.connecting;
  }
}
