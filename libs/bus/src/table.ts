import type { Bus, BusRecord } from './bus.js';
import { encodeValue } from './codec.js';

export type TableValue = Exclude<BusRecord['value'], null>;

/**
 * A small key → value table kept in a compacted topic: checkpoints, and state to rebuild on start.
 * `put` appends; `load` reads the whole topic (`Bus.snapshot`) and keeps the last value of each key.
 * A `null` (or empty) value is a tombstone: the key is deleted, and Kafka's compaction eventually
 * drops it and its older values. Writers of one key should be one process at a time, or agree.
 */
export class CompactedTable {
  constructor(
    private readonly bus: Bus,
    readonly topic: string,
  ) {}

  /** Creates the topic (compacted, with its `.dlq` twin as every topic has) unless it exists. */
  async ensure(partitions = 1): Promise<void> {
    await this.bus.ensureTopics([{ name: this.topic, partitions, compacted: true }]);
  }

  /** The current value of every key. */
  async load(): Promise<Map<string, Buffer>> {
    const table = new Map<string, Buffer>();
    // One key lives on one partition, in offset order there: the last record of a key is its value.
    for (const m of await this.bus.snapshot(this.topic)) {
      if (m.value.length === 0) table.delete(m.key);
      else table.set(m.key, m.value);
    }
    return table;
  }

  /**
   * Writes the entries in order (a key given twice ends with its last value); resolves once the bus
   * has them durably. Values as in `publish`: Buffers as they are, strings as UTF-8, objects as JSON.
   */
  async put(entries: readonly (readonly [key: string, value: TableValue | null])[]): Promise<void> {
    if (entries.length === 0) return;
    await this.bus.publish(
      this.topic,
      entries.map(([key, value]) => {
        const bytes = value === null ? null : encodeValue(value);
        // An empty value reads back as a deletion, so it is written as one (which compaction honours).
        return { key, value: bytes && bytes.length > 0 ? bytes : null };
      }),
    );
  }
}
