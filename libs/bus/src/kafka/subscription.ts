import type { Consumer, EachBatchPayload, IHeaders, Kafka, KafkaMessage } from 'kafkajs';
import type { BusLog, CommitOffset, Headers, Message, Subscription } from '../bus.js';
import type { Deliver } from '../deliver.js';
import type { KafkaConsumerTuning } from './client.js';

export interface KafkaSubscriptionConfig {
  topics: string[];
  groupId: string;
  fromBeginning: boolean;
  /** Finished records only move the fetch position; Subscription.commit commits. */
  manualCommit: boolean;
  tuning: KafkaConsumerTuning;
  deliver: Deliver;
  log: BusLog;
  onClosed(): void;
}

/**
 * One kafkajs consumer (one group member). Offsets are resolved as records finish and committed
 * by this class (or, with manual commits, by its user), never by kafkajs's auto-commit, so nothing
 * is committed before its handler succeeded.
 */
export class KafkaSubscription implements Subscription {
  private readonly consumer: Consumer;
  /** Aborted by pause and close; replaced by resume. */
  private active = new AbortController();
  private paused = false;
  private closing: Promise<void> | undefined;
  private restarts = 0;
  private restartTimer: NodeJS.Timeout | undefined;

  constructor(
    kafka: Kafka,
    private readonly config: KafkaSubscriptionConfig,
  ) {
    const t = config.tuning;
    this.consumer = kafka.consumer({
      groupId: config.groupId,
      sessionTimeout: t.sessionTimeout ?? 30_000,
      heartbeatInterval: t.heartbeatInterval ?? 3_000,
      rebalanceTimeout: t.rebalanceTimeout ?? 60_000,
      maxWaitTimeInMs: t.maxWaitTimeInMs ?? 500,
      allowAutoTopicCreation: false,
    });
  }

  /** Connects, joins the group and resolves once this member has its first assignment. */
  async start(): Promise<void> {
    const { consumer, config } = this;
    let hasJoined = false;
    const joined = new Promise<void>((resolve, reject) => {
      consumer.on(consumer.events.GROUP_JOIN, () => {
        hasJoined = true;
        this.restarts = 0;
        // A consumer that kafkajs restarted forgot that it was paused.
        if (this.paused) this.pauseConsumer();
        resolve();
      });
      consumer.on(consumer.events.CRASH, ({ payload }) => {
        // Retriable crashes are routine (e.g. the group coordinator still loading after a broker start).
        config.log[payload.restart ? 'warn' : 'error'](
          { groupId: config.groupId, err: payload.error, restart: payload.restart },
          'bus: kafka consumer crashed',
        );
        // kafkajs restarts by itself after retriable errors. After others it gives up (and has disconnected):
        // before the first join that fails `subscribe`; later, this member restarts rather than silently stop.
        if (payload.restart || this.closing) return;
        if (!hasJoined) return reject(payload.error);
        const delay = Math.min(30_000, 1_000 * 2 ** this.restarts++);
        this.restartTimer = setTimeout(
          () =>
            void this.run().catch((err: unknown) => config.log.error({ err }, 'bus: kafka consumer restart failed')),
          delay,
        );
      });
    });
    await consumer.connect();
    await consumer.subscribe({ topics: config.topics, fromBeginning: config.fromBeginning });
    await this.run();
    await joined;
  }

  async commit(offsets: readonly CommitOffset[]): Promise<void> {
    if (offsets.length === 0) return;
    await this.consumer.commitOffsets(
      offsets.map((o) => ({ topic: o.topic, partition: o.partition, offset: String(o.offset) })),
    );
  }

  pause(): void {
    if (this.closing || this.paused) return;
    this.paused = true;
    this.active.abort();
    this.pauseConsumer();
  }

  resume(): void {
    if (this.closing || !this.paused) return;
    this.paused = false;
    this.active = new AbortController();
    try {
      this.consumer.resume(this.config.topics.map((topic) => ({ topic })));
    } catch {
      // Not running right now (restarting); it starts unpaused.
    }
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      clearTimeout(this.restartTimer);
      this.active.abort();
      // Waits for the batches in flight (which commit what they finished), then leaves the group.
      await this.consumer.disconnect();
      this.config.onClosed();
    })();
    return this.closing;
  }

  private run(): Promise<void> {
    return this.consumer.run({
      autoCommit: false,
      // Unfinished records of a batch (after pause or close) must be fetched again, not skipped.
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.config.tuning.partitionsConsumedConcurrently ?? 4,
      eachBatch: (payload) => this.eachBatch(payload),
    });
  }

  private pauseConsumer(): void {
    try {
      this.consumer.pause(this.config.topics.map((topic) => ({ topic })));
    } catch {
      // Not running right now (restarting); GROUP_JOIN pauses it again.
    }
  }

  private async eachBatch({
    batch,
    resolveOffset,
    heartbeat,
    commitOffsetsIfNecessary,
    uncommittedOffsets,
  }: EachBatchPayload): Promise<void> {
    const signal = this.active.signal;
    if (signal.aborted) return;
    const commitEvery = this.config.tuning.commitIntervalMs ?? 1_000;
    let lastCommit = Date.now();
    const commit = async () => {
      lastCommit = Date.now();
      if (!this.config.manualCommit) await commitOffsetsIfNecessary(uncommittedOffsets());
    };
    try {
      await this.config.deliver(
        batch.messages.map((m) => toMessage(batch.topic, batch.partition, m)),
        {
          lag: Number(batch.offsetLag()),
          signal,
          heartbeat,
          done: async (m) => {
            resolveOffset(String(m.offset));
            if (Date.now() - lastCommit >= commitEvery) await commit();
          },
        },
      );
    } finally {
      // Also after a rebalance error: the old generation may still commit while the group prepares to rebalance.
      await commit().catch((err: unknown) =>
        this.config.log.warn(
          { err, groupId: this.config.groupId },
          'bus: commit failed; finished records may be delivered again',
        ),
      );
    }
  }
}

export function toMessage(topic: string, partition: number, m: KafkaMessage): Message {
  const value = m.value ?? Buffer.alloc(0);
  return {
    topic,
    partition,
    offset: Number(m.offset),
    key: m.key?.toString('utf8') ?? '',
    value,
    raw: value,
    headers: toHeaders(m.headers),
    timestamp: Number(m.timestamp),
  };
}

/** Kafka allows repeated header names; the last one wins, as in most HTTP-style readers. */
function toHeaders(headers: IHeaders | undefined): Headers {
  const out: Headers = {};
  for (const [name, v] of Object.entries(headers ?? {})) {
    const last = Array.isArray(v) ? v.at(-1) : v;
    if (last !== undefined) out[name] = last.toString();
  }
  return out;
}
