import type { Incident, K2Event } from '@k2/contracts';
import type { FastifyInstance } from 'fastify';
import { scopeOf } from '../auth.js';
import { recordUsage, type ApiContext } from './context.js';

/** A timeline carries at most this many events (the latest) and incidents. */
const MAX_EVENTS = 1000;
const MAX_INCIDENTS = 100;

export interface TimelineItem {
  at: string;
  type: 'event' | 'oom' | 'incident';
  event?: K2Event;
  incident?: Incident;
}

interface TimelineQuery {
  cluster: string;
  namespace: string;
  kind: string;
  name: string;
}

/**
 * Everything about one object in time order: its events (OOM kills apart), and every record of
 * the incidents of it. A workload's timeline includes its pods' events and the incidents naming it.
 */
export function timelineRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.get<{ Querystring: TimelineQuery }>(
    '/api/v1/timeline',
    {
      schema: {
        summary: 'Everything about one pod or workload, oldest first: events, OOM kills, incident transitions',
        tags: ['events'],
        querystring: {
          type: 'object',
          properties: {
            cluster: { type: 'string', minLength: 1 },
            namespace: { type: 'string', minLength: 1 },
            kind: {
              type: 'string',
              minLength: 1,
              description: 'Pod, Deployment, StatefulSet, DaemonSet, Job, CronJob, Node, ...',
            },
            name: { type: 'string', minLength: 1 },
          },
          required: ['cluster', 'namespace', 'kind', 'name'],
        },
      },
    },
    async (request) => {
      const { cluster, namespace, kind, name } = request.query;
      const scope = scopeOf(request.principal);
      const object = { kind, name };
      const [events, incidents] = await Promise.all([
        ctx.store.search({
          scope,
          clusters: [cluster],
          namespaces: [namespace],
          objectOrWorkload: object,
          sort: 'desc',
          limit: MAX_EVENTS,
        }),
        ctx.store.incidents({ scope, clusters: [cluster], namespaces: [namespace], object, limit: MAX_INCIDENTS }),
      ]);
      const histories = await Promise.all(incidents.items.map((i) => ctx.store.incidentHistory(i.id, scope)));
      const items: TimelineItem[] = [
        ...events.items.map((e): TimelineItem => ({ at: e.lastSeen, type: e.oom ? 'oom' : 'event', event: e })),
        ...histories.flat().map((i): TimelineItem => ({ at: i.transitionAt, type: 'incident', incident: i })),
      ];
      items.sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
      await recordUsage(ctx, request, 'view', { timeline: `${cluster}/${namespace}/${kind}/${name}` });
      return { items };
    },
  );
}
