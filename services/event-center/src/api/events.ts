import type { Histogram } from '@k2/event-store';
import type { FastifyInstance } from 'fastify';
import { scopeOf } from '../auth.js';
import { badRequest, notFound, recordUsage, type ApiContext } from './context.js';
import { EVENT_FILTER_PROPERTIES, eventFilter, facetFields, type EventFilterQuery } from './query.js';

const HOUR_MS = 3_600_000;

/** Event search, one event, histogram and facets: all within the caller's grants. */
export function eventRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.get<{ Querystring: EventFilterQuery & { sort?: 'asc' | 'desc'; limit?: number; cursor?: string } }>(
    '/api/v1/events',
    {
      schema: {
        summary: 'Search events',
        tags: ['events'],
        querystring: {
          type: 'object',
          properties: {
            ...EVENT_FILTER_PROPERTIES,
            sort: { type: 'string', enum: ['asc', 'desc'], default: 'desc' },
            limit: { type: 'integer', minimum: 1, maximum: 1000, default: 50 },
            cursor: { type: 'string' },
          },
        },
      },
    },
    async (request) => {
      const { sort, limit, cursor, ...filters } = request.query;
      const page = await ctx.store.search({
        ...eventFilter(filters),
        scope: scopeOf(request.principal),
        sort,
        limit,
        cursor,
      });
      if (!cursor) await recordUsage(ctx, request, 'search', { ...filters, sort });
      return page;
    },
  );

  app.get<{ Params: { id: string } }>(
    '/api/v1/events/:id',
    {
      schema: {
        summary: 'One event (404 when absent or not visible to the caller)',
        tags: ['events'],
        params: { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] },
      },
    },
    async (request, reply) => {
      const event = await ctx.store.getEvent(request.params.id, scopeOf(request.principal));
      if (!event) return notFound(reply, `no event ${request.params.id}`);
      await recordUsage(ctx, request, 'view', { event: event.id });
      return event;
    },
  );

  app.get<{ Querystring: EventFilterQuery & { buckets?: number } }>(
    '/api/v1/histogram',
    {
      schema: {
        summary: 'Events and warnings per time bucket',
        description: 'Without from/to, the range of the matching events (or the last hour when none match).',
        tags: ['events'],
        querystring: {
          type: 'object',
          properties: {
            ...EVENT_FILTER_PROPERTIES,
            buckets: { type: 'integer', minimum: 1, maximum: 1000, default: 60 },
          },
        },
      },
    },
    async (request): Promise<Histogram> => {
      const { buckets = 60, ...filters } = request.query;
      const filter = { ...eventFilter(filters), scope: scopeOf(request.principal) };
      let { from, to } = filters;
      if (from === undefined || to === undefined) {
        const bounds = await ctx.store.timeBounds(filter);
        to ??= bounds ? new Date(Date.parse(bounds.to) + 1).toISOString() : new Date().toISOString();
        from ??= bounds?.from ?? new Date(Date.parse(to) - HOUR_MS).toISOString();
        if (Date.parse(from) >= Date.parse(to)) from = new Date(Date.parse(to) - HOUR_MS).toISOString();
      }
      return ctx.store.histogram({ ...filter, from, to, buckets });
    },
  );

  app.get<{ Querystring: EventFilterQuery & { fields?: string; size?: number } }>(
    '/api/v1/facets',
    {
      schema: {
        summary: 'Top values per field, with counts',
        tags: ['events'],
        querystring: {
          type: 'object',
          properties: {
            ...EVENT_FILTER_PROPERTIES,
            fields: {
              type: 'string',
              description: 'comma-separated: cluster,namespace,kind,workload,reason,type,source,node',
            },
            size: { type: 'integer', minimum: 1, maximum: 100, default: 10 },
          },
        },
      },
    },
    async (request, reply) => {
      const { fields, size, ...filters } = request.query;
      const wanted = facetFields(fields);
      if (typeof wanted === 'string') return badRequest(reply, wanted);
      return {
        facets: await ctx.store.facets({ ...eventFilter(filters), scope: scopeOf(request.principal) }, wanted, size),
      };
    },
  );
}
