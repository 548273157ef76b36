import type { Bus, Subscription } from '@k2/bus';
import { DLQ_HEADERS, dlqTopic } from '@k2/bus';
import { Gauge, type Registry } from 'prom-client';

/**
 * Dead letters per topic: reads each `.dlq` topic from its start (a group of its own per process),
 * so the gauge is the number of letters the topic holds, and a rise means new bad records.
 */
export class DeadLetterMetrics {
  private readonly letters: Gauge<'topic' | 'reason'>;
  private subscription: Subscription | undefined;

  constructor(
    private readonly bus: Bus,
    registry: Registry,
    private readonly options: { groupId: string; topics: readonly string[] },
  ) {
    this.letters = new Gauge({
      name: 'k2_dlq_messages',
      help: 'Records in the dead-letter topic of each K2 topic, by reason (invalid or handler).',
      labelNames: ['topic', 'reason'],
      registers: [registry],
    });
    for (const topic of options.topics) {
      for (const reason of ['invalid', 'handler']) this.letters.set({ topic, reason }, 0);
    }
  }

  async start(): Promise<void> {
    this.subscription = await this.bus.subscribe({
      topics: this.options.topics.map(dlqTopic),
      groupId: this.options.groupId,
      fromBeginning: true,
      handler: async (message) => {
        const topic = message.topic.replace(/\.dlq$/, '');
        const reason = message.headers[DLQ_HEADERS.reason] === 'handler' ? 'handler' : 'invalid';
        this.letters.inc({ topic, reason });
      },
    });
  }

  async stop(): Promise<void> {
    await this.subscription?.close();
  }
}
