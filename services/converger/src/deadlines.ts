/** What the deadline queue holds: its time, a key that orders equal times, and its place in the queue. */
export interface Scheduled {
  key: string;
  /** rankOf(key): compares equal times faster than the keys, which share long prefixes. */
  rank: number;
  /** When it is due (ms); undefined while not queued. */
  due?: number;
  /** Its index in the queue, -1 when not queued. */
  slot: number;
}

/** FNV-1a of the key, a small integer: equal times order by rank, then by key. */
export function rankOf(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  return h >> 1;
}

function before(a: Scheduled, b: Scheduled): boolean {
  if (a.due !== b.due) return a.due! < b.due!;
  return a.rank !== b.rank ? a.rank < b.rank : a.key < b.key;
}

/**
 * A binary min-heap of scheduled items by (due, key), each in it at most once: moving an item's
 * time moves its entry, so nothing stale piles up and the queue holds one entry per item.
 */
export class Deadlines<T extends Scheduled> {
  private readonly items: T[] = [];

  get size(): number {
    return this.items.length;
  }

  peek(): T | undefined {
    return this.items[0];
  }

  /** Queues `item` at `due`, or moves it there. */
  schedule(item: T, due: number): void {
    const earlier = item.due === undefined || due < item.due;
    item.due = due;
    if (item.slot < 0) {
      item.slot = this.items.length;
      this.items.push(item);
      this.up(item.slot);
    } else if (earlier) this.up(item.slot);
    else this.down(item.slot);
  }

  /** Takes the item due first out of the queue. */
  pop(): T | undefined {
    const top = this.items[0];
    if (top) this.remove(top);
    return top;
  }

  remove(item: T): void {
    const i = item.slot;
    if (i < 0) return;
    const last = this.items.pop()!;
    item.slot = -1;
    item.due = undefined;
    if (last === item) return;
    this.items[i] = last;
    last.slot = i;
    this.up(i);
    this.down(last.slot);
  }

  private up(i: number): void {
    const items = this.items;
    const item = items[i]!;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = items[parent]!;
      if (!before(item, p)) break;
      items[i] = p;
      p.slot = i;
      i = parent;
    }
    items[i] = item;
    item.slot = i;
  }

  private down(i: number): void {
    const items = this.items;
    const n = items.length;
    const item = items[i]!;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const child = r < n && before(items[r]!, items[l]!) ? r : l;
      const c = items[child]!;
      if (!before(c, item)) break;
      items[i] = c;
      c.slot = i;
      i = child;
    }
    items[i] = item;
    item.slot = i;
  }
}
