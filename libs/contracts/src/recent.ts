/**
 * A bounded cache that keeps what was used recently, for memoising pure functions of values that
 * recur (event messages, timestamps) without growing with traffic. Two generations of at most
 * `limit` entries: a hit in the older one copies the entry into the current one, and a full current
 * generation becomes the older one, dropping the previous. So an entry used within the last
 * `limit` insertions stays, and at most 2 × `limit` are kept.
 *
 * Not an LRU over one Map, which deletes and sets a key again on every hit: done again and again
 * to the same key of a V8 Map with thousands of entries, that costs microseconds each time
 * (measured), more than the work memoised.
 */
export class RecentCache<K, V> {
  private current = new Map<K, V>();
  private previous = new Map<K, V>();

  constructor(private readonly limit: number) {}

  get(key: K): V | undefined {
    const value = this.current.get(key);
    if (value !== undefined) return value;
    const old = this.previous.get(key);
    if (old !== undefined) this.set(key, old);
    return old;
  }

  set(key: K, value: V): void {
    if (this.current.size >= this.limit) {
      this.previous = this.current;
      this.current = new Map();
    }
    this.current.set(key, value);
  }
}
