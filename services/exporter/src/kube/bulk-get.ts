import type https from 'node:https';
import { Agent, type Dispatcher } from 'undici';
import type { KubeAccess } from './access.js';
import { getWithKube } from './fetch.js';

/** Receives a response body's chunks as they arrive; each chunk stays valid after the call. */
export type ChunkReader = (chunk: Buffer) => void;

/** GETs `url`, handing each chunk of its body to `read`; resolves at the end of a 200 response. */
export type BulkGet = (url: string, read: ChunkReader) => Promise<void>;

/** The TLS settings of a connection, as undici's `connect` takes them. */
interface Connect {
  ca?: https.RequestOptions['ca'];
  cert?: https.RequestOptions['cert'];
  key?: https.RequestOptions['key'];
  rejectUnauthorized?: boolean;
  servername?: string;
}

const same = (a: unknown, b: unknown) =>
  Buffer.isBuffer(a) && Buffer.isBuffer(b) ? a.equals(b) : JSON.stringify(a) === JSON.stringify(b);

/** A kubelet's answer other than 200: its status, and the start of its body for the error. */
class Refused extends Error {
  constructor(
    readonly path: string,
    readonly statusCode: number,
    body: string,
  ) {
    super(`GET ${path}: HTTP ${statusCode}: ${body}`);
  }
}

/**
 * GETs of large responses from many servers, every scrape (each kubelet's cAdvisor text), through
 * one undici Agent with keep-alive: node:http's response streams cost about twice the CPU per
 * response. A raw dispatch handler hands each chunk on as it is, with no stream or copy. The
 * cluster's credentials are asked for once per round of GETs (`round()`), and the Agent is made
 * again when its TLS settings change (a rotated client certificate). A cluster reached through a
 * proxy (client-node's `proxy-url`, under `k2 up`) is read with node:https and client-node's
 * proxy agent instead.
 */
export class BulkGets {
  private agent: Agent | undefined;
  private connect: Connect | undefined;

  constructor(
    private readonly kube: KubeAccess,
    private readonly connections: number,
    /** How long a connection may stay silent. */
    private readonly timeoutMs: number,
  ) {}

  /** A GET for this round, with the credentials as they are now. */
  async round(): Promise<BulkGet> {
    const options: https.RequestOptions = { headers: { Accept: 'text/plain' } };
    await this.kube.applyToHTTPSOptions(options);
    // client-node names an https.Agent for every request; only one for a proxy must be used as it is.
    if (options.agent && this.kube.getCurrentCluster()?.proxyUrl) {
      return (url, read) => readWithNodeHttps(this.kube, url, this.timeoutMs, read);
    }
    const { ca, cert, key, rejectUnauthorized, servername } = options;
    const connect: Connect = { ca, cert, key, rejectUnauthorized, servername };
    const agent = this.agentFor(connect);
    const headers = { ...(options.headers as Record<string, string>) };
    if (options.auth) headers.Authorization = `Basic ${Buffer.from(options.auth).toString('base64')}`;
    return (url, read) => dispatch(agent, url, headers, read);
  }

  private agentFor(connect: Connect): Agent {
    const current = this.connect;
    const unchanged =
      this.agent && current && (Object.keys(connect) as (keyof Connect)[]).every((k) => same(connect[k], current[k]));
    if (!unchanged) {
      void this.agent?.close();
      this.agent = new Agent({
        connections: this.connections,
        connect,
        headersTimeout: this.timeoutMs,
        bodyTimeout: this.timeoutMs,
      });
      this.connect = connect;
    }
    return this.agent!;
  }

  /** Closes the kept-alive connections. */
  async close(): Promise<void> {
    await this.agent?.close();
    this.agent = undefined;
  }
}

function dispatch(agent: Agent, url: string, headers: Record<string, string>, read: ChunkReader): Promise<void> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    let status = 0;
    let refusal = '';
    let abort: (err: Error) => void = () => {};
    const handler: Dispatcher.DispatchHandlers = {
      onConnect(abortRequest) {
        abort = abortRequest;
      },
      onHeaders(statusCode) {
        status = statusCode;
        return true;
      },
      onData(chunk) {
        if (status === 200) {
          try {
            read(chunk);
          } catch (err) {
            // onError then rejects with it.
            abort(err as Error);
          }
        } else if (refusal.length < 200) {
          refusal += chunk.toString('utf8', 0, 200 - refusal.length);
        }
        return true;
      },
      onComplete() {
        if (status === 200) resolve();
        else reject(new Refused(target.pathname, status, refusal));
      },
      onError: reject,
    };
    agent.dispatch(
      { origin: target.origin, path: `${target.pathname}${target.search}`, method: 'GET', headers },
      handler,
    );
  });
}

/** A GET through the agent the cluster's access names (e.g. a proxy's). */
async function readWithNodeHttps(kube: KubeAccess, url: string, timeoutMs: number, read: ChunkReader): Promise<void> {
  const res = await getWithKube(kube, url, timeoutMs);
  await new Promise<void>((resolve, reject) => {
    res.on('data', (chunk: Buffer) => {
      try {
        read(chunk);
      } catch (err) {
        res.destroy(err as Error);
      }
    });
    res.on('end', resolve);
    res.on('error', reject);
    res.on('close', () => reject(new Error('connection closed before the end of the response')));
  });
}
