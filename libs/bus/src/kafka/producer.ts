import { CompressionTypes, type Message as KafkaMessage, type Producer } from 'kafkajs';

interface Pending {
  topic: string;
  messages: KafkaMessage[];
  /** Of the values (a string's length stands in for its bytes). */
  bytes: number;
  resolve: () => void;
  reject: (err: unknown) => void;
}

/**
 * Records per produce request: twice the eventer's batch, so a batch and the checkpoint record of
 * the one before go in one request (one round trip a batch, not two). Typical events compress to
 * a few hundred bytes, so even all of them in one partition stay well under the broker's 1 MiB
 * limit per partition's record batch.
 */
const MAX_RECORDS_PER_REQUEST = 2000;

/**
 * Values queued that are worth a request of their own: the Java producer sends a partition's
 * batch once it holds batch.size (16 KiB) without lingering; this is a few of those.
 */
const FULL_REQUEST_BYTES = 64 * 1024;

/**
 * kafkajs has no linger: this collects `publish` calls for `lingerMs` (and while a request is in
 * flight) and sends them as one gzip'd produce request. One request at a time, in call order,
 * so records of one key keep their order across calls. As with Kafka's own linger.ms, a full
 * request (by records or by bytes) goes out at once: waiting would not make it any bigger, and a
 * caller publishing its own batches (the eventer) would wait for the timer every time.
 */
export class BatchingProducer {
  private queue: Pending[] = [];
  /** Records in `queue`, and the bytes of their values. */
  private queued = 0;
  private queuedBytes = 0;
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;

  constructor(
    private readonly producer: Producer,
    private readonly lingerMs: number,
  ) {}

  send(topic: string, messages: KafkaMessage[]): Promise<void> {
    return new Promise((resolve, reject) => {
      let bytes = 0;
      for (const m of messages) bytes += m.value?.length ?? 0;
      this.queue.push({ topic, messages, bytes, resolve, reject });
      this.queued += messages.length;
      this.queuedBytes += bytes;
      if (this.flushing) return;
      if (this.queued >= MAX_RECORDS_PER_REQUEST || this.queuedBytes >= FULL_REQUEST_BYTES) void this.flush();
      else this.timer ??= setTimeout(() => void this.flush(), this.lingerMs);
    });
  }

  /** Sends everything queued; resolves when nothing is queued or in flight. */
  async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.flushing ??= this.drain().finally(() => (this.flushing = undefined));
    await this.flushing;
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const batch: Pending[] = [];
      let records = 0;
      while (
        this.queue.length > 0 &&
        (batch.length === 0 || records + (this.queue[0] as Pending).messages.length <= MAX_RECORDS_PER_REQUEST)
      ) {
        const next = this.queue.shift() as Pending;
        batch.push(next);
        records += next.messages.length;
        this.queued -= next.messages.length;
        this.queuedBytes -= next.bytes;
      }
      try {
        await this.producer.sendBatch({
          acks: -1,
          compression: CompressionTypes.GZIP,
          topicMessages: batch.map(({ topic, messages }) => ({ topic, messages })),
        });
        for (const p of batch) p.resolve();
      } catch (err) {
        for (const p of batch) p.reject(err);
      }
    }
  }
}
