import type { Admin } from 'kafkajs';
import type { TopicSpec } from '../bus.js';
import { withDeadLetterTopics } from '../dlq.js';

/** Creates missing topics and remembers which exist, so a typo fails fast instead of retrying forever. */
export class Topics {
  private readonly known = new Set<string>();
  /** One listing shared by concurrent checks, so publishes waiting on it go on in call order. */
  private listing: Promise<void> | undefined;

  constructor(
    private readonly admin: () => Promise<Admin>,
    private readonly replicationFactor: number | undefined,
  ) {}

  async ensure(specs: readonly TopicSpec[]): Promise<void> {
    const admin = await this.admin();
    const existing = new Set(await admin.listTopics());
    const missing = withDeadLetterTopics(specs).filter((s) => !existing.has(s.name));
    if (missing.length > 0) {
      const defaultReplicas = this.replicationFactor ?? Math.min(3, (await admin.describeCluster()).brokers.length);
      await admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((s) => ({
          topic: s.name,
          numPartitions: s.partitions,
          replicationFactor: s.replicationFactor ?? defaultReplicas,
          configEntries: [
            ...(s.compacted ? [{ name: 'cleanup.policy', value: 'compact' }] : []),
            ...(s.retentionMs !== undefined ? [{ name: 'retention.ms', value: String(s.retentionMs) }] : []),
          ],
        })),
      });
    }
    for (const s of [...existing, ...missing.map((m) => m.name)]) this.known.add(s);
  }

  /** Throws unless every topic exists (asking the cluster about ones not seen yet). */
  async check(topics: readonly string[]): Promise<void> {
    if (topics.every((t) => this.known.has(t))) return;
    this.listing ??= (async () => {
      for (const t of await (await this.admin()).listTopics()) this.known.add(t);
    })().finally(() => (this.listing = undefined));
    await this.listing;
    const missing = topics.filter((t) => !this.known.has(t));
    if (missing.length > 0)
      throw new Error(`unknown topic "${missing.join('", "')}": create it with ensureTopics first`);
  }
}
