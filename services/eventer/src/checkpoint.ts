import { randomUUID } from 'node:crypto';
import { appendFile, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { CompactedTable } from '@k2/bus';

/** What a restarted eventer resumes from. */
export interface CheckpointState {
  /** The uid of the cluster's kube-system namespace when the checkpoint was started. */
  clusterId?: string;
  resourceVersion?: string;
  /** Event uid → highest occurrence published. */
  occurrences: Map<string, number>;
}

/** Where the eventer keeps its place: a file when embedded, a compacted topic with Kafka. */
export interface Checkpoint {
  /** undefined on the very first start. */
  load(): Promise<CheckpointState | undefined>;
  /** Forgets everything and starts a checkpoint for the cluster `clusterId`. */
  reset(clusterId: string): Promise<void>;
  /** Records a published batch (and the resourceVersion it reached) durably before resolving. */
  append(published: readonly [uid: string, occurrence: number][], resourceVersion: string | undefined): Promise<void>;
  close(): Promise<void>;
}

/**
 * An append-only JSON Lines file: each batch adds small lines, so saving costs no more than the
 * batch. Loading replays it and rewrites it compacted. A line torn by a crash is ignored.
 */
export class FileCheckpoint implements Checkpoint {
  constructor(private readonly path: string) {}

  async load(): Promise<CheckpointState | undefined> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    const state: CheckpointState = { occurrences: new Map() };
    for (const line of text.split('\n')) {
      if (!line) continue;
      let entry: { rv?: string; u?: string; o?: number; cluster?: string };
      try {
        entry = JSON.parse(line) as typeof entry;
      } catch {
        continue;
      }
      if (typeof entry.rv === 'string') state.resourceVersion = entry.rv;
      if (typeof entry.cluster === 'string') state.clusterId = entry.cluster;
      if (typeof entry.u === 'string' && typeof entry.o === 'number') {
        const last = state.occurrences.get(entry.u);
        if (last === undefined || entry.o > last) state.occurrences.set(entry.u, entry.o);
      }
    }
    await this.rewrite(state);
    return state;
  }

  private async rewrite(state: CheckpointState): Promise<void> {
    const lines = [...state.occurrences].map(([u, o]) => JSON.stringify({ u, o }));
    if (state.clusterId) lines.unshift(JSON.stringify({ cluster: state.clusterId }));
    if (state.resourceVersion) lines.push(JSON.stringify({ rv: state.resourceVersion }));
    await mkdir(dirname(this.path), { recursive: true });
    const tmp = `${this.path}.tmp`;
    await writeFile(tmp, lines.join('\n') + (lines.length ? '\n' : ''));
    await rename(tmp, this.path);
  }

  async reset(clusterId: string): Promise<void> {
    await this.rewrite({ clusterId, occurrences: new Map() });
  }

  async append(published: readonly [string, number][], resourceVersion: string | undefined): Promise<void> {
    // JSON.stringify({ u, o }) but for the object: a line per event.
    const lines = published.map(([u, o]) => `{"u":${JSON.stringify(u)},"o":${o}}`);
    if (resourceVersion) lines.push(JSON.stringify({ rv: resourceVersion }));
    if (lines.length === 0) return;
    const text = lines.join('\n') + '\n';
    try {
      await appendFile(this.path, text);
    } catch (err) {
      // The directory went away since load or reset made it: make it again.
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      await mkdir(dirname(this.path), { recursive: true });
      await appendFile(this.path, text);
    }
  }

  async close(): Promise<void> {}
}

/** Entries older than this are dropped on load: the API server keeps events for an hour. */
const KEEP_MS = 3 * 3600_000;

/** Occurrences per record: a batch's entries go out as a few records, each far under Kafka's 1 MiB limit. */
const ENTRIES_PER_RECORD = 5_000;

/**
 * The checkpoint in a compacted topic (k2.checkpoints with Kafka), so replicas on different hosts
 * share it. Each batch writes its occurrences as one record (a key of its own, so compaction keeps
 * them all) and the resourceVersion under one key: one record per batch instead of one per event
 * keeps the broker's work for the checkpoint small. Records older than KEEP_MS, about events long
 * gone, are deleted when a new leader loads.
 */
export class BusCheckpoint implements Checkpoint {
  /** Batch keys of this writer: a new leader's never meet an old leader's. */
  private readonly writer = randomUUID().slice(0, 8);
  private written = 0;

  constructor(
    private readonly table: CompactedTable,
    /** Keys start with this, e.g. `eventer/prod-east`, so several clusters share the topic. */
    private readonly prefix: string,
    private readonly now: () => number = Date.now,
  ) {}

  private async mine(): Promise<Map<string, Buffer>> {
    const all = await this.table.load();
    return new Map([...all].filter(([k]) => k.startsWith(`${this.prefix}/`)));
  }

  async load(): Promise<CheckpointState | undefined> {
    const entries = await this.mine();
    if (entries.size === 0) return undefined;
    const state: CheckpointState = { occurrences: new Map() };
    const expired: [string, null][] = [];
    const cutoff = this.now() - KEEP_MS;
    for (const [key, value] of entries) {
      const rest = key.slice(this.prefix.length + 1);
      if (rest === 'cluster') state.clusterId = value.toString();
      else if (rest === 'rv') state.resourceVersion = value.toString();
      else if (rest.startsWith('batch/')) {
        const { t, e } = JSON.parse(value.toString()) as { t: number; e: [string, number][] };
        if (t < cutoff) expired.push([key, null]);
        else
          for (const [uid, o] of e) {
            const last = state.occurrences.get(uid);
            if (last === undefined || o > last) state.occurrences.set(uid, o);
          }
      }
    }
    await this.table.put(expired);
    return state;
  }

  async reset(clusterId: string): Promise<void> {
    const stale = [...(await this.mine()).keys()].map((k) => [k, null] as [string, null]);
    await this.table.put([...stale, [`${this.prefix}/cluster`, clusterId]]);
  }

  async append(published: readonly [string, number][], resourceVersion: string | undefined): Promise<void> {
    const t = this.now();
    const entries: [string, string | object][] = [];
    for (let i = 0; i < published.length; i += ENTRIES_PER_RECORD)
      entries.push([
        `${this.prefix}/batch/${this.writer}-${this.written++}`,
        { t, e: published.slice(i, i + ENTRIES_PER_RECORD) },
      ]);
    // After the occurrences, in one publish: the version never runs ahead of what it covers.
    if (resourceVersion) entries.push([`${this.prefix}/rv`, resourceVersion]);
    await this.table.put(entries);
  }

  async close(): Promise<void> {}
}
