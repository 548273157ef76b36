import Fastify, { type FastifyInstance } from 'fastify';
import { collectDefaultMetrics, Registry } from 'prom-client';
import type { Logger } from '@k2/log';

/** A readiness check: true when ready, or a short reason why not. */
export type ReadinessCheck = () => true | string;

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
  private readonly app: FastifyInstance;
  private address = '';

  constructor(private readonly options: ServiceHttpOptions) {
    this.registry.setDefaultLabels({ service: options.name });
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
      return this.registry.metrics();
    });
  }

  /** Extra routes (a service's own API) before start. */
  get server(): FastifyInstance {
    return this.app;
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

function safe(check: ReadinessCheck): true | string {
  try {
    return check();
  } catch (err) {
    return `check failed: ${String(err)}`;
  }
}
