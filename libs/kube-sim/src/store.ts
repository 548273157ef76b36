import { gone } from './status.js';
import type { KubeObject } from './types.js';

export type ChangeType = 'ADDED' | 'MODIFIED' | 'DELETED';

/** One committed change. `previous` lets a LIST be served at an older resourceVersion. */
export interface Change {
  rv: number;
  storeKey: string;
  key: string;
  type: ChangeType;
  object: KubeObject;
  previous?: KubeObject;
}

export type ChangeListener = (change: Change) => void;

export interface ObjectStoreOptions {
  /** How many changes stay available to WATCH and to LIST at an older version; older ones answer 410 Gone. */
  historyLimit?: number;
}

export function objectKey(namespace: string | undefined, name: string): string {
  return `${namespace ?? ''}/${name}`;
}

/**
 * Versioned collections with one resourceVersion counter across all of them, as etcd has.
 * Stored objects are never mutated: every write stores a new object, so readers may keep references.
 */
export class ObjectStore {
  private rv = 0;
  private readonly collections = new Map<string, Map<string, KubeObject>>();
  private history: Change[] = [];
  private compacted = 0;
  private readonly listeners = new Map<string, Set<ChangeListener>>();
  private readonly historyLimit: number;

  constructor(options: ObjectStoreOptions = {}) {
    this.historyLimit = options.historyLimit ?? 100_000;
  }

  get resourceVersion(): number {
    return this.rv;
  }

  /** Changes at or below this version are gone: a WATCH from an older version gets 410. */
  get compactedVersion(): number {
    return this.compacted;
  }

  private collection(storeKey: string): Map<string, KubeObject> {
    let c = this.collections.get(storeKey);
    if (!c) {
      c = new Map();
      this.collections.set(storeKey, c);
    }
    return c;
  }

  get(storeKey: string, key: string): KubeObject | undefined {
    return this.collections.get(storeKey)?.get(key);
  }

  /** Current objects in key order (namespace, then name), as the API server lists them. */
  list(storeKey: string): KubeObject[] {
    return sortedValues(this.collection(storeKey));
  }

  /** The collection as it was at `rv`, rebuilt by undoing the retained changes after it. */
  listAt(storeKey: string, rv: number): KubeObject[] {
    if (rv >= this.rv) return this.list(storeKey);
    this.assertRetained(rv);
    const state = new Map(this.collection(storeKey));
    for (let i = this.history.length - 1; i >= 0 && this.history[i]!.rv > rv; i--) {
      const c = this.history[i]!;
      if (c.storeKey !== storeKey) continue;
      if (c.type === 'ADDED') state.delete(c.key);
      else state.set(c.key, c.previous!);
    }
    return sortedValues(state);
  }

  /** Retained changes of one collection after `rv`, oldest first. */
  changesSince(storeKey: string, rv: number): Change[] {
    this.assertRetained(rv);
    let lo = 0;
    let hi = this.history.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.history[mid]!.rv <= rv) lo = mid + 1;
      else hi = mid;
    }
    const out: Change[] = [];
    for (let i = lo; i < this.history.length; i++) {
      if (this.history[i]!.storeKey === storeKey) out.push(this.history[i]!);
    }
    return out;
  }

  private assertRetained(rv: number): void {
    if (rv < this.compacted) {
      throw gone(`too old resource version: ${rv} (${this.compacted})`);
    }
  }

  /** Stores `object` (already complete but for resourceVersion) and notifies watchers. */
  put(storeKey: string, key: string, object: KubeObject): Change {
    const c = this.collection(storeKey);
    const previous = c.get(key);
    const rv = ++this.rv;
    const stored = { ...object, metadata: { ...object.metadata, resourceVersion: String(rv) } };
    c.set(key, stored);
    return this.commit({ rv, storeKey, key, type: previous ? 'MODIFIED' : 'ADDED', object: stored, previous });
  }

  remove(storeKey: string, key: string): Change | undefined {
    const c = this.collection(storeKey);
    const previous = c.get(key);
    if (!previous) return undefined;
    c.delete(key);
    const rv = ++this.rv;
    // A deleted object is reported with the deletion's resourceVersion, as the API server does.
    const object = { ...previous, metadata: { ...previous.metadata, resourceVersion: String(rv) } };
    return this.commit({ rv, storeKey, key, type: 'DELETED', object, previous });
  }

  /** Drops all retained history, so any WATCH or paged LIST from before now answers 410. */
  compact(): void {
    this.compacted = this.rv;
    this.history = [];
  }

  subscribe(storeKey: string, listener: ChangeListener): () => void {
    let set = this.listeners.get(storeKey);
    if (!set) {
      set = new Set();
      this.listeners.set(storeKey, set);
    }
    set.add(listener);
    return () => set.delete(listener);
  }

  private commit(change: Change): Change {
    this.history.push(change);
    if (this.history.length > this.historyLimit * 1.25) {
      // Trim in batches so a steady write rate does not shift the array on every write.
      const drop = this.history.length - this.historyLimit;
      this.compacted = this.history[drop - 1]!.rv;
      this.history = this.history.slice(drop);
    }
    const set = this.listeners.get(change.storeKey);
    if (set) for (const l of set) l(change);
    return change;
  }
}

function sortedValues(map: Map<string, KubeObject>): KubeObject[] {
  return [...map.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map((e) => e[1]);
}
