import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Cluster, ListQuery } from './cluster.js';
import { apiVersionOf, type ResourceType } from './resources.js';
import { StatusError } from './status.js';
import type { Change } from './store.js';
import { toTable } from './tables.js';
import type { KubeObject } from './types.js';

export interface WatchOptions {
  query: ListQuery;
  resourceVersion: string | null;
  allowBookmarks: boolean;
  timeoutSeconds: number;
  /** Set when the client asked for server-side printing (kubectl get -w). */
  table?: { includeObject: string | null };
  bookmarkIntervalMs: number;
  maxBufferBytes: number;
}

/**
 * Streams watch events as newline-delimited JSON, as the API server does.
 * A version older than the retained history yields one ERROR event carrying a 410 Status.
 */
/** Output buffered for one watcher before its backlog waits for the client to read. */
const BACKLOG_WINDOW_BYTES = 1024 * 1024;

export function serveWatch(
  cluster: Cluster,
  r: ResourceType,
  req: IncomingMessage,
  res: ServerResponse,
  opts: WatchOptions,
): void {
  const filter = cluster.filter(r, opts.query);
  const store = cluster.store;
  res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache' });
  // Clients wait for the headers before they consider the watch established.
  res.flushHeaders();
  let columnsSent = false;

  // Events committed in one tick go out as one chunk instead of one TLS record each.
  let corked = false;
  const uncork = (): void => {
    corked = false;
    res.uncork();
  };
  const write = (type: string, obj: KubeObject): void => {
    if (!corked) {
      corked = true;
      res.cork();
      process.nextTick(uncork);
    }
    let object: unknown = cluster.view(r, obj);
    if (opts.table) {
      object = toTable(r, [obj], cluster.clock.now(), {
        includeObject: opts.table.includeObject,
        withColumns: !columnsSent,
      });
      columnsSent = true;
    }
    res.write(`{"type":"${type}","object":${JSON.stringify(object)}}\n`);
    if (res.writableLength > opts.maxBufferBytes) close();
  };

  const deliver = (c: Change): void => {
    const now = c.type !== 'DELETED' && filter(c.object);
    const before = c.previous !== undefined && c.type !== 'ADDED' && filter(c.previous);
    // Selector watches see an object leave or enter their view as DELETED or ADDED.
    if (now && before) write('MODIFIED', c.object);
    else if (now) write('ADDED', c.object);
    else if (before) write('DELETED', c.object);
  };

  const timers: NodeJS.Timeout[] = [];
  let unsubscribe = (): void => {};
  let closed = false;
  function close(): void {
    if (closed) return;
    closed = true;
    unsubscribe();
    for (const t of timers) clearTimeout(t);
    res.end();
  }
  req.on('close', close);

  const rv = opts.resourceVersion;
  if (rv && Number(rv) > store.resourceVersion) {
    // As the API server answers a version from the future (e.g. a client's checkpoint from another cluster).
    const status = new StatusError(
      504,
      'Timeout',
      `Too large resource version: ${rv}, current: ${store.resourceVersion}`,
      {
        causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }],
        retryAfterSeconds: 1,
      },
    );
    res.end(`{"type":"ERROR","object":${JSON.stringify(status.toStatus())}}\n`);
    return;
  }
  // Changes not yet written, in order: the backlog, then what is committed while it goes out.
  let pending: Change[] = [];
  let next = 0;
  // The backlog goes out as fast as the client reads it, as the API server streams from its watch
  // cache: a client resuming far behind costs a window of buffered output at a time, not the whole
  // history serialised at once (which would also close it as a slow watcher). The window is large
  // enough that the backlog keeps up when the event loop is busy with writes between drains.
  const flush = (): void => {
    while (next < pending.length && !closed) {
      deliver(pending[next++]!);
      if (res.writableLength >= BACKLOG_WINDOW_BYTES) {
        res.once('drain', flush);
        return;
      }
    }
    pending = [];
    next = 0;
  };
  if (!rv || rv === '0') {
    for (const obj of store.list(r.storeKey)) if (filter(obj)) write('ADDED', obj);
  } else {
    try {
      pending = store.changesSince(r.storeKey, Number(rv));
    } catch (err) {
      if (!(err instanceof StatusError)) throw err;
      res.end(`{"type":"ERROR","object":${JSON.stringify(err.toStatus())}}\n`);
      return;
    }
  }
  unsubscribe = store.subscribe(r.storeKey, (c) => {
    if (next < pending.length) pending.push(c);
    else deliver(c);
  });
  flush();

  if (opts.allowBookmarks) {
    const bookmark = setInterval(() => {
      const object = {
        kind: r.kind,
        apiVersion: apiVersionOf(r),
        metadata: { resourceVersion: String(store.resourceVersion) },
      };
      res.write(`{"type":"BOOKMARK","object":${JSON.stringify(object)}}\n`);
    }, opts.bookmarkIntervalMs);
    timers.push(bookmark);
  }
  if (opts.timeoutSeconds > 0) timers.push(setTimeout(close, opts.timeoutSeconds * 1000));
}
