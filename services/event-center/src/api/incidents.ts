import { ACKS_TOPIC, IncidentAck, type Incident, type K2Event } from '@k2/contracts';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { scopeOf } from '../auth.js';
import { badRequest, notFound, recordUsage, type ApiContext } from './context.js';

const many = { type: 'array', items: { type: 'string' } } as const;
const idParams = {
  type: 'object',
  properties: { id: { type: 'string', pattern: '^[0-9a-f]{32}$' } },
  required: ['id'],
} as const;

const AckBody = z.strictObject({ comment: z.string().max(2000).optional() });

/** How many of an incident's events its detail carries. */
const DETAIL_EVENTS = 500;

interface IncidentListQuery {
  status?: string[];
  cluster?: string[];
  namespace?: string[];
  severity?: string[];
  class?: string[];
  limit?: number;
  cursor?: string;
}

/** Incidents: list, detail with history, events and acks, and acknowledging (to the dispatcher). */
export function incidentRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.get<{ Querystring: IncidentListQuery }>(
    '/api/v1/incidents',
    {
      schema: {
        summary: 'Incidents (the latest record of each), most recently seen first',
        tags: ['incidents'],
        querystring: {
          type: 'object',
          properties: {
            status: { type: 'array', items: { type: 'string', enum: ['open', 'resolved'] } },
            cluster: many,
            namespace: many,
            severity: { type: 'array', items: { type: 'string', enum: ['info', 'warning', 'critical'] } },
            class: many,
            limit: { type: 'integer', minimum: 1, maximum: 1000, default: 50 },
            cursor: { type: 'string' },
          },
        },
      },
    },
    async (request) => {
      const q = request.query;
      return ctx.store.incidents({
        scope: scopeOf(request.principal),
        status: q.status,
        clusters: q.cluster,
        namespaces: q.namespace,
        severities: q.severity,
        classes: q.class,
        limit: q.limit,
        cursor: q.cursor,
      });
    },
  );

  app.get<{ Params: { id: string } }>(
    '/api/v1/incidents/:id',
    {
      schema: {
        summary: 'One incident: its latest record, every record, its events and its acks',
        tags: ['incidents'],
        params: idParams,
      },
    },
    async (request, reply) => {
      const history = await ctx.store.incidentHistory(request.params.id, scopeOf(request.principal));
      const incident = history.at(-1);
      if (!incident) return notFound(reply, `no incident ${request.params.id}`);
      const [events, acks] = await Promise.all([incidentEvents(ctx, history), ctx.store.acks(incident.id)]);
      await recordUsage(ctx, request, 'view', { incident: incident.id });
      return { incident, history, events, acks };
    },
  );

  app.post<{ Params: { id: string }; Body: unknown }>(
    '/api/v1/incidents/:id/ack',
    {
      schema: {
        summary: 'Acknowledge an incident: stops its escalation (published to k2.acks for the dispatcher)',
        tags: ['incidents'],
        params: idParams,
        body: {
          type: 'object',
          properties: { comment: { type: 'string', maxLength: 2000 } },
          additionalProperties: false,
        },
      },
      // The body is optional: no body is an ack without a comment.
      preValidation: async (request) => {
        request.body ??= {};
      },
    },
    async (request, reply) => {
      const body = AckBody.safeParse(request.body ?? {});
      if (!body.success) return badRequest(reply, body.error.issues.map((i) => i.message).join('; '));
      const history = await ctx.store.incidentHistory(request.params.id, scopeOf(request.principal));
      const incident = history.at(-1);
      if (!incident) return notFound(reply, `no incident ${request.params.id}`);
      const ack = IncidentAck.parse({
        incidentId: incident.id,
        cluster: incident.cluster,
        namespace: incident.namespace,
        by: request.principal.user,
        at: new Date().toISOString(),
        ...(body.data.comment ? { comment: body.data.comment } : {}),
      });
      await ctx.bus.publish(ACKS_TOPIC, [{ key: ack.incidentId, value: ack }]);
      await ctx.store.writeAck(ack);
      await recordUsage(ctx, request, 'ack', { incident: ack.incidentId });
      return reply.code(202).send({ ack });
    },
  );
}

/** The events of the incident's workload (or object) between its first and last sighting. */
async function incidentEvents(ctx: ApiContext, history: Incident[]): Promise<K2Event[]> {
  const latest = history.at(-1) as Incident;
  const first = history[0] as Incident;
  const page = await ctx.store.search({
    clusters: [latest.cluster],
    namespaces: [latest.namespace],
    objectOrWorkload: latest.workload,
    from: first.firstSeen,
    to: new Date(Date.parse(latest.lastSeen) + 1).toISOString(),
    sort: 'asc',
    limit: DETAIL_EVENTS,
  });
  return page.items;
}
