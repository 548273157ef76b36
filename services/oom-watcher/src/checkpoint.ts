import { appendFile, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { CompactedTable } from '@k2/bus';

/** How far node mode has read /dev/kmsg; sequence numbers restart with each boot. */
export interface KernelPosition {
  bootId: string;
  seq: number;
}

export interface OomCheckpointState {
  /** The uid of the cluster's kube-system namespace when the checkpoint was started. */
  clusterId?: string;
  /** Kill ids handled, oldest first. */
  kills: string[];
  position?: KernelPosition;
}

/** Where the watcher keeps what it has handled: a file when embedded, a compacted topic with Kafka. */
export interface OomCheckpoint {
  /** undefined on the very first start. */
  load(): Promise<OomCheckpointState | undefined>;
  /** Forgets everything and starts a checkpoint for the cluster `clusterId`. */
  reset(clusterId: string): Promise<void>;
  /** Records handled kills (and the kernel position reached) durably before resolving. */
  append(kills: readonly string[], position?: KernelPosition): Promise<void>;
  close(): Promise<void>;
}

type Line = { c?: unknown; k?: unknown; b?: unknown; s?: unknown };

/**
 * An append-only JSON Lines file: `{"c":clusterId}` first, then `{"k":id}` per kill and
 * `{"b":bootId,"s":seq}` per position.
 * Loading keeps the newest `limit` ids and rewrites the file compacted, as does appending once
 * the file has grown well past that. A line torn by a crash is ignored.
 */
export class FileOomCheckpoint implements OomCheckpoint {
  private clusterId: string | undefined;
  private readonly kills = new Set<string>();
  private position: KernelPosition | undefined;
  private lines = 0;

  constructor(
    private readonly path: string,
    private readonly limit = 100_000,
  ) {}

  async load(): Promise<OomCheckpointState | undefined> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    for (const raw of text.split('\n')) {
      let line: Line;
      try {
        line = JSON.parse(raw) as Line;
      } catch {
        continue;
      }
      if (typeof line !== 'object' || line === null) continue;
      if (typeof line.c === 'string') this.clusterId = line.c;
      if (typeof line.k === 'string') this.remember(line.k);
      if (typeof line.b === 'string' && Number.isSafeInteger(line.s))
        this.position = { bootId: line.b, seq: line.s as number };
    }
    await this.rewrite();
    return {
      ...(this.clusterId ? { clusterId: this.clusterId } : {}),
      kills: [...this.kills],
      ...(this.position ? { position: this.position } : {}),
    };
  }

  async reset(clusterId: string): Promise<void> {
    this.clusterId = clusterId;
    this.kills.clear();
    this.position = undefined;
    await this.rewrite();
  }

  async append(kills: readonly string[], position?: KernelPosition): Promise<void> {
    const lines = kills.map((k) => JSON.stringify({ k }));
    if (position) lines.push(JSON.stringify({ b: position.bootId, s: position.seq }));
    if (lines.length === 0) return;
    for (const k of kills) this.remember(k);
    if (position) this.position = position;
    if (this.lines + lines.length > 2 * this.limit + 1_000) return this.rewrite();
    await mkdir(dirname(this.path), { recursive: true });
    await appendFile(this.path, lines.join('\n') + '\n');
    this.lines += lines.length;
  }

  async close(): Promise<void> {}

  private remember(id: string): void {
    this.kills.delete(id);
    this.kills.add(id);
    if (this.kills.size > this.limit) this.kills.delete(this.kills.values().next().value as string);
  }

  private async rewrite(): Promise<void> {
    const lines = [...this.kills].map((k) => JSON.stringify({ k }));
    if (this.clusterId) lines.unshift(JSON.stringify({ c: this.clusterId }));
    if (this.position) lines.push(JSON.stringify({ b: this.position.bootId, s: this.position.seq }));
    await mkdir(dirname(this.path), { recursive: true });
    const tmp = `${this.path}.tmp`;
    await writeFile(tmp, lines.join('\n') + (lines.length ? '\n' : ''));
    await rename(tmp, this.path);
    this.lines = lines.length;
  }
}

/**
 * The checkpoint in a compacted topic (k2.checkpoints with Kafka), so a watcher rescheduled on
 * another host keeps its place: one key per kill, so a batch writes only its own entries. Beyond
 * `limit` kills, the oldest are deleted when a watcher loads.
 */
export class BusOomCheckpoint implements OomCheckpoint {
  /** Orders kills written within one millisecond. */
  private written = 0;

  constructor(
    private readonly table: CompactedTable,
    /** Keys start with this, e.g. `oom-watcher/prod-east`, so clusters and nodes share the topic. */
    private readonly prefix: string,
    private readonly limit = 100_000,
    private readonly now: () => number = Date.now,
  ) {}

  private async mine(): Promise<Map<string, Buffer>> {
    const all = await this.table.load();
    return new Map([...all].filter(([k]) => k.startsWith(`${this.prefix}/`)));
  }

  async load(): Promise<OomCheckpointState | undefined> {
    const entries = await this.mine();
    if (entries.size === 0) return undefined;
    let clusterId: string | undefined;
    let position: KernelPosition | undefined;
    const kills: { id: string; n: number }[] = [];
    for (const [key, value] of entries) {
      const rest = key.slice(this.prefix.length + 1);
      if (rest === 'cluster') clusterId = value.toString();
      else if (rest === 'position') position = JSON.parse(value.toString()) as KernelPosition;
      else if (rest.startsWith('kill/'))
        kills.push({ id: rest.slice(5), n: (JSON.parse(value.toString()) as { n: number }).n });
    }
    kills.sort((a, b) => a.n - b.n);
    const dropped = kills.splice(0, Math.max(0, kills.length - this.limit));
    await this.table.put(dropped.map((k) => [`${this.prefix}/kill/${k.id}`, null] as [string, null]));
    return {
      ...(clusterId ? { clusterId } : {}),
      kills: kills.map((k) => k.id),
      ...(position ? { position } : {}),
    };
  }

  async reset(clusterId: string): Promise<void> {
    const stale = [...(await this.mine()).keys()].map((k) => [k, null] as [string, null]);
    await this.table.put([...stale, [`${this.prefix}/cluster`, clusterId]]);
  }

  async append(kills: readonly string[], position?: KernelPosition): Promise<void> {
    const entries: [string, object][] = kills.map((id) => [
      `${this.prefix}/kill/${id}`,
      { n: this.now() * 1_000 + (this.written++ % 1_000) },
    ]);
    if (position) entries.push([`${this.prefix}/position`, position]);
    await this.table.put(entries);
  }

  async close(): Promise<void> {}
}
