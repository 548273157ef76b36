import type { FastifyInstance } from 'fastify';
import { type ApiContext } from './context.js';

interface UsageQuery {
  user?: string;
  action?: string;
  from?: string;
  to?: string;
  limit?: number;
}

/** Who the caller is, and (admins) what users did. */
export function accountRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.get(
    '/api/v1/me',
    { schema: { summary: 'The caller: user, admin flag and grants', tags: ['account'] } },
    async (request) => {
      const { user, admin, grants } = request.principal;
      return { user, admin, grants };
    },
  );

  app.get<{ Querystring: UsageQuery }>(
    '/api/v1/usage',
    {
      schema: {
        summary: 'What users did (searches, views, acks, ...), with totals per action and per user (admins only)',
        tags: ['account'],
        querystring: {
          type: 'object',
          properties: {
            user: { type: 'string' },
            action: { type: 'string' },
            from: { type: 'string', format: 'date-time' },
            to: { type: 'string', format: 'date-time' },
            limit: { type: 'integer', minimum: 1, maximum: 1000, default: 200 },
          },
        },
      },
    },
    async (request, reply) => {
      if (!request.principal.admin)
        return reply.code(403).send({ error: 'forbidden', message: 'usage statistics are for admins' });
      return ctx.store.usage(request.query);
    },
  );
}
