/**
 * The highest occurrence of each event (by uid) already published, so a resync, a relist or a
 * restart publishes only what is new. Bounded: the least recently updated events are forgotten
 * first, and the API server keeps events for an hour anyway.
 */
export class OccurrenceLog {
  private readonly seen = new Map<string, number>();

  constructor(private readonly limit = 200_000) {}

  get size(): number {
    return this.seen.size;
  }

  last(uid: string): number | undefined {
    return this.seen.get(uid);
  }

  /**
   * The occurrences to publish for an event now at `occurrence`: just that one for an event not
   * seen before, every one after the last published otherwise (a gap means a restart or relist
   * missed them), none for an unchanged resync. At most `maxGap`, the newest. `publishing` is the
   * occurrence a batch being published carries for the event: it counts as published already.
   */
  pending(uid: string, occurrence: number, publishing?: number, maxGap = 1_000): number[] {
    const seen = this.seen.get(uid);
    const last = seen === undefined || publishing === undefined ? (seen ?? publishing) : Math.max(seen, publishing);
    if (last === undefined) return [occurrence];
    const out: number[] = [];
    for (let o = Math.max(last + 1, occurrence - maxGap + 1); o <= occurrence; o++) out.push(o);
    return out;
  }

  record(uid: string, occurrence: number): void {
    const last = this.seen.get(uid);
    if (last !== undefined && last >= occurrence) return;
    // Re-insert so Map order is least-recently-updated first.
    if (last !== undefined) this.seen.delete(uid);
    this.seen.set(uid, occurrence);
    if (this.seen.size > this.limit) this.seen.delete(this.seen.keys().next().value as string);
  }

  entries(): IterableIterator<[string, number]> {
    return this.seen.entries();
  }
}
