import type { IncomingMessage, ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Authorizer, RequestAttributes, SimUser } from './auth.js';
import type { Cluster, PatchType } from './cluster.js';
import { apiGroup, apiGroupList, apiResourceList, apiVersions, versionInfo } from './discovery.js';
import type { SimKubelet } from './kubelet.js';
import { apiVersionOf, findResource, type ResourceType } from './resources.js';
import { badRequest, StatusError, statusBody } from './status.js';
import { objectKey } from './store.js';
import { toTable, wantsTable } from './tables.js';
import type { ServingCert } from './tls.js';
import type { KubeObject } from './types.js';
import { serveWatch } from './watch.js';

export interface ApiServerOptions {
  host?: string;
  port?: number;
  /** How often a watch that allows bookmarks gets one. */
  bookmarkIntervalMs?: number;
  /** A watcher that falls this far behind is closed, as the API server drops slow watchers. */
  maxWatchBufferBytes?: number;
  /** Largest request body accepted (the API server's limit is 3 MiB). */
  maxBodyBytes?: number;
}

interface ResourceRequest {
  resource: ResourceType;
  namespace?: string;
  name?: string;
}

const PATCH_TYPES: Record<string, PatchType> = {
  'application/merge-patch+json': 'merge',
  'application/strategic-merge-patch+json': 'strategic',
  'application/json-patch+json': 'json',
};

/** The HTTP face of the simulator: discovery, CRUD, LIST and WATCH with API-server semantics. */
export class ApiServer {
  private readonly server: https.Server;
  private readonly options: Required<ApiServerOptions>;
  private address = '';

  constructor(
    private readonly cluster: Cluster,
    private readonly authorizer: Authorizer,
    tls: ServingCert,
    options: ApiServerOptions = {},
    private readonly kubelet?: SimKubelet,
  ) {
    this.options = {
      host: '127.0.0.1',
      port: 0,
      bookmarkIntervalMs: 60_000,
      maxWatchBufferBytes: 64 * 1024 * 1024,
      maxBodyBytes: 3 * 1024 * 1024,
      ...options,
    };
    this.server = https.createServer({ key: tls.key, cert: tls.cert }, (req, res) => {
      this.handle(req, res).catch((err: unknown) => this.fail(res, err));
    });
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.options.port, this.options.host, () => resolve());
    });
    const a = this.server.address() as AddressInfo;
    this.address = `${a.address}:${a.port}`;
    return this.url;
  }

  get url(): string {
    return `https://${this.address}`;
  }

  /** Cuts every open connection, watches included, as an API server restart or a network blip would. */
  dropConnections(): void {
    this.server.closeAllConnections();
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://sim');
    const path = url.pathname.replace(/\/+$/, '') || '/';
    if (path === '/healthz' || path === '/livez' || path === '/readyz') {
      res.writeHead(200, { 'Content-Type': 'text/plain' }).end('ok');
      return;
    }
    const user = this.authorizer.authenticate(req.headers.authorization);
    const proxied = /^\/api\/v1\/nodes\/([^/]+)\/proxy\/metrics\/cadvisor$/.exec(path);
    if (proxied && this.kubelet && req.method === 'GET')
      return this.cadvisor(res, user, decodeURIComponent(proxied[1]!));
    const discovery = this.discovery(path);
    if (discovery !== undefined) return this.json(res, 200, discovery);

    const target = this.parsePath(path);
    const q = url.searchParams;
    const isWatch = q.get('watch') === 'true' || q.get('watch') === '1';
    const verb = verbOf(req.method ?? 'GET', !!target.name, isWatch);
    if (verb === 'unsupported') {
      throw new StatusError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
    }
    const attrs: RequestAttributes = {
      verb,
      group: target.resource.group,
      resource: target.resource.resource,
      namespace: target.namespace,
    };
    this.authorizer.authorize(user, attrs);

    const r = target.resource;
    switch (verb) {
      case 'get':
        return this.respondObjects(req, res, r, [this.cluster.get(r, target.namespace, target.name!)], q, true);
      case 'list':
        return this.list(req, res, target, q);
      case 'watch':
        serveWatch(this.cluster, r, req, res, {
          query: {
            namespace: target.namespace,
            labelSelector: q.get('labelSelector'),
            fieldSelector: joinSelectors(q.get('fieldSelector'), target.name && `metadata.name=${target.name}`),
          },
          resourceVersion: q.get('resourceVersion'),
          allowBookmarks: q.get('allowWatchBookmarks') === 'true',
          timeoutSeconds: Number(q.get('timeoutSeconds') ?? 0),
          table: wantsTable(req.headers.accept) ? { includeObject: q.get('includeObject') } : undefined,
          bookmarkIntervalMs: this.options.bookmarkIntervalMs,
          maxBufferBytes: this.options.maxWatchBufferBytes,
        });
        return;
      case 'create': {
        const change = this.cluster.create(r, target.namespace, (await this.body(req)) as KubeObject);
        return this.json(res, 201, this.cluster.view(r, change.object));
      }
      case 'update': {
        const change = this.cluster.update(r, target.namespace, target.name!, (await this.body(req)) as KubeObject);
        return this.json(res, 200, this.cluster.view(r, change.object));
      }
      case 'patch': {
        const type = PATCH_TYPES[(req.headers['content-type'] ?? '').split(';')[0]!.trim()];
        if (!type) {
          throw new StatusError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format`);
        }
        const change = this.cluster.patch(r, target.namespace, target.name!, type, await this.body(req));
        return this.json(res, 200, this.cluster.view(r, change.object));
      }
      case 'delete': {
        const change = this.cluster.delete(r, target.namespace, target.name!);
        return this.json(res, 200, this.cluster.view(r, change.object));
      }
    }
  }

  /** nodes/proxy to the node's kubelet `/metrics/cadvisor`, authorized as `get nodes/proxy`. */
  private cadvisor(res: ServerResponse, user: SimUser, node: string): void {
    this.authorizer.authorize(user, { verb: 'get', group: '', resource: 'nodes', subresource: 'proxy' });
    this.cluster.get(findResource('', 'v1', 'nodes')!, undefined, node);
    const text = this.kubelet!.cadvisorText(this.cluster, node, this.cluster.clock.now());
    res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4', 'Content-Length': Buffer.byteLength(text) });
    res.end(text);
  }

  private discovery(path: string): unknown {
    if (path === '/version') return versionInfo();
    if (path === '/api') return apiVersions(this.address);
    if (path === '/apis') return apiGroupList();
    if (path === '/api/v1') return apiResourceList('', 'v1');
    const m = /^\/apis\/([^/]+)(?:\/([^/]+))?$/.exec(path);
    if (m) {
      const found = m[2] ? apiResourceList(m[1]!, m[2]) : apiGroup(m[1]!);
      if (!found) throw notServed();
      return found;
    }
    return undefined;
  }

  private parsePath(path: string): ResourceRequest {
    const seg = path.split('/').filter(Boolean).map(decodeURIComponent);
    let group: string;
    let version: string;
    let rest: string[];
    if (seg[0] === 'api' && seg[1] === 'v1') [group, version, rest] = ['', 'v1', seg.slice(2)];
    else if (seg[0] === 'apis' && seg.length >= 4) [group, version, rest] = [seg[1]!, seg[2]!, seg.slice(3)];
    else throw notServed();

    let namespace: string | undefined;
    if (rest[0] === 'namespaces' && rest.length >= 3) {
      namespace = rest[1];
      rest = rest.slice(2);
    }
    const resource = findResource(group, version, rest[0] ?? '');
    if (!resource || rest.length > 2 || (namespace !== undefined && !resource.namespaced)) throw notServed();
    return { resource, namespace, name: rest[1] };
  }

  private list(req: IncomingMessage, res: ServerResponse, target: ResourceRequest, q: URLSearchParams): void {
    const r = target.resource;
    const filter = this.cluster.filter(r, {
      namespace: target.namespace,
      labelSelector: q.get('labelSelector'),
      fieldSelector: q.get('fieldSelector'),
    });
    const store = this.cluster.store;
    const token = q.get('continue');
    let rv = store.resourceVersion;
    let after = '';
    if (token) ({ rv, after } = decodeContinue(token));
    else if (q.get('resourceVersionMatch') === 'Exact') rv = Number(q.get('resourceVersion'));
    const all = this.snapshot(r, rv, !!token).filter(
      (o) => filter(o) && (!after || objectKey(o.metadata.namespace, o.metadata.name!) > after),
    );
    const limit = Number(q.get('limit') ?? 0);
    const page = limit > 0 ? all.slice(0, limit) : all;
    const last = page[page.length - 1];
    const more = limit > 0 && all.length > limit && last;
    const meta = {
      resourceVersion: String(rv),
      ...(more
        ? {
            continue: encodeContinue(rv, objectKey(last.metadata.namespace, last.metadata.name!)),
            remainingItemCount: all.length - page.length,
          }
        : {}),
    };
    this.respondObjects(req, res, r, page, q, false, meta);
  }

  private snapshot(r: ResourceType, rv: number, continuing: boolean): KubeObject[] {
    const store = this.cluster.store;
    if (rv >= store.resourceVersion) return store.list(r.storeKey);
    try {
      return store.listAt(r.storeKey, rv);
    } catch (err) {
      if (!continuing || !(err instanceof StatusError)) throw err;
      throw new StatusError(
        410,
        'Expired',
        'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.',
      );
    }
  }

  private respondObjects(
    req: IncomingMessage,
    res: ServerResponse,
    r: ResourceType,
    objects: KubeObject[],
    q: URLSearchParams,
    single: boolean,
    meta: { resourceVersion?: string; continue?: string; remainingItemCount?: number } = {},
  ): void {
    if (wantsTable(req.headers.accept)) {
      const table = toTable(r, objects, this.cluster.clock.now(), {
        includeObject: q.get('includeObject'),
        resourceVersion: meta.resourceVersion ?? objects[0]?.metadata.resourceVersion,
        continueToken: meta.continue,
      });
      return this.json(res, 200, table);
    }
    const views = objects.map((o) => this.cluster.view(r, o));
    if (single) return this.json(res, 200, views[0]);
    this.json(res, 200, { kind: `${r.kind}List`, apiVersion: apiVersionOf(r), metadata: meta, items: views });
  }

  private async body(req: IncomingMessage): Promise<unknown> {
    const chunks: Buffer[] = [];
    let size = 0;
    const limit = this.options.maxBodyBytes;
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      // Past the limit keep reading (up to a bound) so the client gets the 413 rather than a reset.
      if (size <= limit) chunks.push(chunk as Buffer);
      else if (size > 4 * limit) break;
    }
    if (size > limit) {
      throw new StatusError(413, 'RequestEntityTooLarge', `request entity too large: limit is ${limit}`);
    }
    try {
      return JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch (err) {
      throw badRequest(`the request body is not valid JSON: ${(err as Error).message}`);
    }
  }

  private json(res: ServerResponse, code: number, body: unknown): void {
    const text = JSON.stringify(body);
    res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
    res.end(text);
  }

  private fail(res: ServerResponse, err: unknown): void {
    const status =
      err instanceof StatusError ? err.toStatus() : statusBody(500, 'InternalError', `internal error: ${String(err)}`);
    if (res.headersSent) {
      res.destroy();
      return;
    }
    this.json(res, status.code, status);
  }
}

function notServed(): StatusError {
  return new StatusError(404, 'NotFound', 'the server could not find the requested resource');
}

function verbOf(method: string, named: boolean, watch: boolean): string {
  switch (method) {
    case 'GET':
      return watch ? 'watch' : named ? 'get' : 'list';
    case 'POST':
      return named ? 'unsupported' : 'create';
    case 'PUT':
      return named ? 'update' : 'unsupported';
    case 'PATCH':
      return named ? 'patch' : 'unsupported';
    case 'DELETE':
      return named ? 'delete' : 'unsupported';
    default:
      return 'unsupported';
  }
}

function joinSelectors(a: string | null, b: string | undefined | ''): string | null {
  return [a, b].filter(Boolean).join(',') || null;
}

function encodeContinue(rv: number, after: string): string {
  return Buffer.from(JSON.stringify({ rv, after })).toString('base64url');
}

function decodeContinue(token: string): { rv: number; after: string } {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { rv: unknown; after: unknown };
    if (typeof parsed.rv === 'number' && typeof parsed.after === 'string')
      return { rv: parsed.rv, after: parsed.after };
  } catch {
    // fall through to the API server's message for an unusable token
  }
  throw badRequest('continue key is not valid');
}
