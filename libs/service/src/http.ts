import type { ServerResponse } from 'node:http';
import Fastify, { type FastifyInstance } from 'fastify';
import { collectDefaultMetrics, Registry } from 'prom-client';
import type { Logger } from '@k2/log';

/** A readiness check: true when ready, or a short reason why not. */
export type ReadinessCheck = () => true | string;

/**
 * Prometheus text-format families, each line ending in a line break: one text, or UTF-8 chunks
 * made as the response is sent (a service writing tens of thousands of series need not hold
 * them whole). A chunk is out before the one after next is asked for, so a writer may reuse its
 * buffer for that.
 */
export type MetricsText = (defaultLabels: Readonly<Record<string, string>>) => Promise<string | Iterable<Buffer>>;

export interface ServiceHttpOptions {
  name: string;
  log: Logger;
  host?: string;
  /** 0 picks a free port. */
  port?: number;
}

/**
 * The endpoints every K2 service serves: /healthz (the process runs), /readyz (it can do its
 * work: each check passes), /metrics (its own registry, so services sharing a process stay apart).
 */
export class ServiceHttp {
  readonly registry = new Registry();
  private readonly checks = new Map<string, ReadinessCheck>();
  private readonly texts: MetricsText[] = [];
  private readonly defaultLabels: Record<string, string>;
  private readonly app: FastifyInstance;
  private address = '';

  constructor(private readonly options: ServiceHttpOptions) {
    this.defaultLabels = { service: options.name };
    this.registry.setDefaultLabels(this.defaultLabels);
    collectDefaultMetrics({ register: this.registry });
    this.app = Fastify({ logger: false });
    this.app.get('/healthz', async () => 'ok');
    this.app.get('/readyz', async (_req, reply) => {
      const results = Object.fromEntries([...this.checks].map(([name, check]) => [name, safe(check)]));
      const ready = Object.values(results).every((r) => r === true);
      return reply.code(ready ? 200 : 503).send({ ready, checks: results });
    });
    this.app.get('/metrics', async (_req, reply) => {
      reply.header('Content-Type', this.registry.contentType);
      const parts = await Promise.all([this.registry.metrics(), ...this.texts.map((t) => t(this.defaultLabels))]);
      if (this.texts.length === 0) return parts[0];
      reply.hijack();
      reply.raw.writeHead(200, { 'Content-Type': this.registry.contentType });
      try {
        // Written in pieces, the next made while the last goes out, and asked for only once the
        // one before it is out: one write of a text of many MB has Node copy it whole into native
        // memory, and a chunk's buffer may be the one after next's.
        let sending: Promise<void> | undefined;
        for (const piece of pieces(parts, 64 * 1024)) {
          const next = written(reply.raw, piece);
          await sending;
          sending = next;
        }
        await sending;
        reply.raw.end();
      } catch (err) {
        // Headers are out: a failed scrape can only be cut short, which Prometheus counts as failed.
        reply.raw.destroy(err as Error);
      }
    });
  }

  /** Extra routes (a service's own API) before start. */
  get server(): FastifyInstance {
    return this.app;
  }

  /**
   * Text-format families served at /metrics after the registry's: for series too many to go
   * through prom-client one by one (the exporter's per-container memory). Each series should carry
   * `defaultLabels`, as the registry's do.
   */
  addMetricsText(text: MetricsText): void {
    this.texts.push(text);
  }

  addReadinessCheck(name: string, check: ReadinessCheck): void {
    this.checks.set(name, check);
  }

  async start(): Promise<string> {
    this.address = await this.app.listen({ host: this.options.host ?? '127.0.0.1', port: this.options.port ?? 0 });
    this.options.log.info({ service: this.options.name, url: this.address }, 'http endpoints listening');
    return this.address;
  }

  get url(): string {
    return this.address;
  }

  async stop(): Promise<void> {
    await this.app.close();
  }
}

/** The texts in pieces of about `size` UTF-16 units, never splitting a surrogate pair; chunks as they come. */
function* pieces(texts: (string | Iterable<Buffer>)[], size: number): Generator<string | Buffer> {
  for (const text of texts) {
    if (typeof text !== 'string') {
      yield* text;
      continue;
    }
    for (let at = 0; at < text.length;) {
      let end = Math.min(at + size, text.length);
      const last = text.charCodeAt(end - 1);
      if (end < text.length && last >= 0xd800 && last <= 0xdbff) end--;
      yield text.slice(at, end);
      at = end;
    }
  }
}

/** Writes `piece` and resolves once it has been handed to the connection. */
function written(res: ServerResponse, piece: string | Buffer): Promise<void> {
  return new Promise((resolve, reject) => res.write(piece, (err) => (err ? reject(err) : resolve())));
}

function safe(check: ReadinessCheck): true | string {
  try {
    return check();
  } catch (err) {
    return `check failed: ${String(err)}`;
  }
}
