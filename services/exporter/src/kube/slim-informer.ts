import { createInterface } from 'node:readline';
import type { KubeAccess } from './access.js';
import { fetchWithKube, getWithKube } from './fetch.js';

/** What every kept object has: objects are filed by namespace and name, and versions compared. */
export interface SlimMeta {
  metadata: { name: string; namespace?: string; resourceVersion?: string };
}

/** An object as the API serves it (JSON), before it is slimmed. */
export interface RawObject {
  metadata?: {
    name?: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    ownerReferences?: { kind: string; name: string; controller?: boolean }[];
  };
  [field: string]: unknown;
}

export type Slimmer<T extends SlimMeta> = (object: RawObject) => T;

/** The metadata a slim object keeps. */
export function slimMeta(o: RawObject): SlimMeta['metadata'] {
  return {
    name: o.metadata?.name ?? '',
    namespace: o.metadata?.namespace,
    resourceVersion: o.metadata?.resourceVersion,
  };
}

export interface InformerHandlers<T> {
  add?(object: T): void;
  update?(object: T): void;
  delete?(object: T): void;
  /** A list or watch failed; the informer lists again after `retryMs`. */
  error?(err: unknown): void;
}

const PAGE = 500;
/** A silent watch connection is dropped and the watch resumed: real API servers send bookmarks every minute. */
const WATCH_IDLE_MS = 5 * 60_000;

/** A watch event's `ERROR` object (a Status) or a list/watch answer with this HTTP code means: list again. */
class Gone extends Error {}

const key = (o: SlimMeta) => `${o.metadata.namespace ?? ''}/${o.metadata.name}`;

/**
 * A cache of one kind of object that keeps only what `slim` keeps of each (a Pod is a few KB as
 * the API serves it and a hundred bytes slimmed; a cluster has tens of thousands): lists in pages
 * of plain JSON, so the whole collection is never held at once, then watches from the list's
 * version (with bookmarks), resumes a watch that ends from the last version seen, and lists again
 * when that version is gone (410) or a request fails, reporting objects that went missing
 * meanwhile as deleted. client-node's ListWatch does the same, but loading it loads its whole
 * generated API.
 */
export class SlimInformer<T extends SlimMeta> {
  /** By namespace, then name: looking up two strings already hashed, rather than a key made for each lookup. */
  private readonly objects = new Map<string, Map<string, T>>();
  private count = 0;
  private resourceVersion = '';
  private abort = new AbortController();
  private stopped = false;

  constructor(
    private readonly kube: KubeAccess,
    private readonly path: string,
    private readonly slim: Slimmer<T>,
    private readonly handlers: InformerHandlers<T> = {},
    private readonly options: { fieldSelector?: string; retryMs?: number } = {},
  ) {}

  /** Lists, then keeps watching in the background; resolves once the first list is in. */
  async start(): Promise<void> {
    await this.list();
    void this.run();
  }

  get(name: string, namespace = ''): T | undefined {
    return this.objects.get(namespace)?.get(name);
  }

  /** Every object kept. */
  *values(): Generator<T> {
    for (const byName of this.objects.values()) yield* byName.values();
  }

  get size(): number {
    return this.count;
  }

  private put(o: T): T | undefined {
    const ns = o.metadata.namespace ?? '';
    let names = this.objects.get(ns);
    if (!names) this.objects.set(ns, (names = new Map()));
    const old = names.get(o.metadata.name);
    names.set(o.metadata.name, o);
    if (!old) this.count++;
    return old;
  }

  private remove(o: SlimMeta): T | undefined {
    const ns = o.metadata.namespace ?? '';
    const names = this.objects.get(ns);
    const old = names?.get(o.metadata.name);
    if (!old) return undefined;
    names!.delete(o.metadata.name);
    if (names!.size === 0) this.objects.delete(ns);
    this.count--;
    return old;
  }

  stop(): void {
    this.stopped = true;
    this.abort.abort();
  }

  private url(params: Record<string, string>): string {
    const server = this.kube.getCurrentCluster()?.server.replace(/\/+$/, '') ?? '';
    const url = new URL(server + this.path);
    if (this.options.fieldSelector) url.searchParams.set('fieldSelector', this.options.fieldSelector);
    for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
    return url.toString();
  }

  /** Lists every page and makes the cache what the list says, reporting the differences. */
  private async list(): Promise<void> {
    const listed = new Map<string, T>();
    let next = '';
    do {
      const params: Record<string, string> = { limit: String(PAGE) };
      if (next) params.continue = next;
      const page = JSON.parse(
        await fetchWithKube(this.kube, this.url(params), 60_000, { accept: 'application/json' }),
      ) as { metadata?: { resourceVersion?: string; continue?: string }; items?: RawObject[] };
      for (const item of page.items ?? []) {
        const o = this.slim(item);
        listed.set(key(o), o);
      }
      this.resourceVersion = page.metadata?.resourceVersion ?? '';
      next = page.metadata?.continue ?? '';
    } while (next);
    for (const names of [...this.objects.values()]) {
      for (const old of [...names.values()]) {
        if (!listed.has(key(old))) {
          this.remove(old);
          this.handlers.delete?.(old);
        }
      }
    }
    for (const o of listed.values()) {
      const old = this.put(o);
      if (!old) this.handlers.add?.(o);
      else if (old.metadata.resourceVersion !== o.metadata.resourceVersion) this.handlers.update?.(o);
    }
  }

  /** Watches until stopped: a watch that ends is resumed, a failed one is followed by a fresh list. */
  private async run(): Promise<void> {
    let relist = false;
    while (!this.stopped) {
      try {
        if (relist) await this.list();
        relist = false;
        await this.watch();
      } catch (err) {
        if (this.stopped) return;
        relist = true;
        if (!(err instanceof Gone)) {
          this.handlers.error?.(err);
          await new Promise((r) => setTimeout(r, this.options.retryMs ?? 1_000));
        }
      }
    }
  }

  /** One watch request from the last version seen; resolves when the server ends it. */
  private async watch(): Promise<void> {
    const url = this.url({ watch: '1', allowWatchBookmarks: 'true', resourceVersion: this.resourceVersion });
    let res;
    try {
      res = await getWithKube(this.kube, url, WATCH_IDLE_MS, { accept: 'application/json', signal: this.abort.signal });
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode === 410) throw new Gone();
      throw err;
    }
    const lines = createInterface({ input: res, crlfDelay: Infinity });
    for await (const line of lines) {
      if (!line) continue;
      let event: { type: string; object: RawObject & { code?: number } };
      try {
        event = JSON.parse(line) as typeof event;
      } catch {
        // A line cut short by a dropped connection: what it said is read by listing again.
        throw new Gone();
      }
      if (event.type === 'ERROR') {
        if (event.object.code === 410) throw new Gone();
        throw new Error(`watch ${this.path}: ${JSON.stringify(event.object).slice(0, 200)}`);
      }
      const rv = event.object.metadata?.resourceVersion;
      if (rv) this.resourceVersion = rv;
      if (event.type === 'BOOKMARK') continue;
      const o = this.slim(event.object);
      if (event.type === 'DELETED') {
        const old = this.remove(o);
        if (old) this.handlers.delete?.(old);
      } else if (this.put(o)) this.handlers.update?.(o);
      else this.handlers.add?.(o);
    }
  }
}
