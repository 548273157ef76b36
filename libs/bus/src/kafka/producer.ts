import { CompressionTypes, type Message as KafkaMessage, type Producer } from 'kafkajs';

interface Pending {
  topic: string;
  messages: KafkaMessage[];
  resolve: () => void;
  reject: (err: unknown) => void;
}

// Keeps each produce request well under the broker's 1 MiB default batch limit for typical events.
const MAX_RECORDS_PER_REQUEST = 1000;

/**
 * kafkajs has no linger: this collects `publish` calls for `lingerMs` (and while a request is in
 * flight) and sends them as one gzip'd produce request. One request at a time, in call order,
 * so records of one key keep their order across calls. As with Kafka's own linger.ms, a full
 * request goes out at once: waiting would not make it any bigger.
 */
export class BatchingProducer {
  private queue: Pending[] = [];
  /** Records in `queue`. */
  private queued = 0;
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;

  constructor(
    private readonly producer: Producer,
    private readonly lingerMs: number,
  ) {}

  send(topic: string, messages: KafkaMessage[]): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ topic, messages, resolve, reject });
      this.queued += messages.length;
      if (this.flushing) return;
      if (this.queued >= MAX_RECORDS_PER_REQUEST) void this.flush();
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
