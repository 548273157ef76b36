import { matchesFilter } from '@k2/event-store';
import type { FastifyInstance } from 'fastify';
import { scopeOf } from '../auth.js';
import { recordUsage, type ApiContext } from './context.js';
import { EVENT_FILTER_PROPERTIES, eventFilter, type EventFilterQuery } from './query.js';

/**
 * Live tail over server-sent events: every event stored from now on that matches the filters
 * and the caller's grants, as `event: k2event`. Comments keep proxies from closing idle streams.
 */
export function tailRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.get<{ Querystring: EventFilterQuery & { access_token?: string } }>(
    '/api/v1/tail',
    {
      schema: {
        summary: 'Live tail (text/event-stream) of newly stored events, with the search filters',
        description:
          'Each event is sent as `event: k2event` with the K2Event as JSON data. EventSource cannot set headers, so `access_token` may carry the token.',
        tags: ['events'],
        querystring: {
          type: 'object',
          properties: { ...EVENT_FILTER_PROPERTIES, access_token: { type: 'string' } },
        },
      },
    },
    async (request, reply) => {
      const { access_token: _token, ...filters } = request.query;
      const filter = { ...eventFilter(filters), scope: scopeOf(request.principal) };
      await recordUsage(ctx, request, 'tail', { ...filters });
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        'Content-Type': 'text/event-stream; charset=utf-8',
        'Cache-Control': 'no-cache, no-transform',
        Connection: 'keep-alive',
        'X-Accel-Buffering': 'no',
        'X-Content-Type-Options': 'nosniff',
      });
      res.write(': connected\nretry: 3000\n\n');
      const heartbeat = setInterval(() => res.write(': heartbeat\n\n'), ctx.heartbeatMs ?? 15_000);
      let ended = false;
      const end = () => {
        if (ended) return;
        ended = true;
        clearInterval(heartbeat);
        unsubscribe();
        res.end();
      };
      const unsubscribe = ctx.hub.subscribe((event) => {
        if (matchesFilter(event, filter)) res.write(`event: k2event\ndata: ${JSON.stringify(event)}\n\n`);
      }, end);
      // The response's close, not the request's: that one fires as soon as the request body is read.
      res.on('close', end);
    },
  );
}
