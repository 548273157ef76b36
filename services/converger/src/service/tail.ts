import type { CommitOffset } from '@k2/bus';

interface Entry {
  offset: number;
  at: number;
}

/**
 * The uncommitted tail of each partition: offsets of events recent enough that state built from
 * them may not be in k2.incidents yet (a held condition, an update not flushed). A restart replays
 * the tail onto the restored incidents, so the group's offset stays at the first such event.
 */
export class UncommittedTail {
  private readonly partitions = new Map<string, PartitionTail>();

  /** Where a batch of one partition starting at `offset` adds its events. */
  partition(topic: string, partition: number, offset: number): PartitionTail {
    const key = `${topic}\u0000${partition}`;
    let p = this.partitions.get(key);
    // A group new to a partition has no offset there yet: commit where it started, or a restart would begin at the end.
    if (!p) this.partitions.set(key, (p = new PartitionTail(topic, partition, offset)));
    return p;
  }

  /** Where each partition may be committed now that nothing before `horizon` (ms, event time) matters. */
  settle(horizon: number): CommitOffset[] {
    const out: CommitOffset[] = [];
    for (const p of this.partitions.values()) {
      let drop = 0;
      while (drop < p.entries.length && p.entries[drop]!.at < horizon) drop++;
      if (drop === 0 && !p.unmarked) continue;
      p.unmarked = false;
      p.entries.splice(0, drop);
      out.push({ topic: p.topic, partition: p.partition, offset: p.entries[0]?.offset ?? p.next });
    }
    return out;
  }

  /** Forgets partitions this member no longer holds. */
  forget(topic: string, partition: number): void {
    this.partitions.delete(`${topic}\u0000${partition}`);
  }

  get size(): number {
    let n = 0;
    for (const p of this.partitions.values()) n += p.entries.length;
    return n;
  }
}

class PartitionTail {
  entries: Entry[] = [];
  unmarked = true;

  constructor(
    readonly topic: string,
    readonly partition: number,
    public next: number,
  ) {}

  add(offset: number, at: number): void {
    // A batch delivered again (after a failed publish) is tracked already.
    if (offset < this.next) return;
    this.entries.push({ offset, at });
    this.next = offset + 1;
  }
}
