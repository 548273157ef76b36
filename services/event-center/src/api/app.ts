import swagger from '@fastify/swagger';
import { InvalidQueryError } from '@k2/event-store';
import type { FastifyError, FastifyInstance, FastifyRequest } from 'fastify';
import type { AuthFailure, Principal } from '../auth.js';
import { accountRoutes } from './account.js';
import type { ApiContext } from './context.js';
import { eventRoutes } from './events.js';
import { incidentRoutes } from './incidents.js';
import { tailRoutes } from './tail.js';
import { timelineRoutes } from './timeline.js';

const TAIL_PATH = '/api/v1/tail';

/** The token of a request: the bearer header, or `access_token` on the live tail (EventSource sends no headers). */
function tokenOf(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (header !== undefined) {
    const m = /^Bearer\s+(.+)$/i.exec(header.trim());
    return m ? (m[1] as string) : header;
  }
  if (request.url.split('?')[0] === TAIL_PATH) {
    const token = (request.query as { access_token?: unknown }).access_token;
    if (typeof token === 'string' && token) return token;
  }
  return undefined;
}

/** Registers the API (under /api/v1), its OpenAPI document (/openapi.json) and authentication. */
export async function registerApi(app: FastifyInstance, ctx: ApiContext): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'K2 event center',
        version: '1',
        description: "Every cluster's events and incidents, filtered to the caller's namespaces.",
      },
      components: {
        securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      },
      security: [{ bearer: [] }],
    },
  });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  app.decorateRequest('principal', null as unknown as Principal);
  app.addHook('onRequest', async (request, reply) => {
    if (!request.url.startsWith('/api/')) return;
    reply.header('Cache-Control', 'no-store').header('X-Content-Type-Options', 'nosniff');
    const result = ctx.auth.authenticate({
      token: tokenOf(request),
      peer: request.socket.remoteAddress,
      header: (name) => {
        const v = request.headers[name.toLowerCase()];
        return Array.isArray(v) ? v.join(',') : v;
      },
    });
    if ('reason' in result) {
      const failure: AuthFailure = result;
      return reply
        .code(401)
        .header('WWW-Authenticate', 'Bearer')
        .send({ error: 'unauthorized', message: failure.message });
    }
    request.principal = result;
  });
  app.addHook('onResponse', async (request, reply) => {
    if (request.routeOptions.url?.startsWith('/api/'))
      ctx.metrics.requests.inc({ route: request.routeOptions.url, code: String(reply.statusCode) });
  });

  app.setErrorHandler((err: FastifyError, request, reply) => {
    if (err instanceof InvalidQueryError || err.validation)
      return reply.code(400).send({ error: 'bad_request', message: err.message });
    if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500)
      return reply.code(err.statusCode).send({ error: 'bad_request', message: err.message });
    ctx.log.error({ err, url: request.url }, 'event-center: request failed');
    return reply.code(500).send({ error: 'internal', message: 'the request failed; see the event center log' });
  });

  eventRoutes(app, ctx);
  incidentRoutes(app, ctx);
  timelineRoutes(app, ctx);
  tailRoutes(app, ctx);
  accountRoutes(app, ctx);
}
