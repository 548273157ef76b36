import type { Bus } from '@k2/bus';
import type { EventStore } from '@k2/event-store';
import type { Logger } from '@k2/log';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Authenticator, Principal } from '../auth.js';
import type { EventCenterMetrics } from '../metrics.js';
import type { TailHub } from '../tail.js';

/** What the API routes share. */
export interface ApiContext {
  store: EventStore;
  bus: Bus;
  auth: Authenticator;
  hub: TailHub;
  log: Logger;
  metrics: EventCenterMetrics;
  /** Live-tail heartbeat period. */
  heartbeatMs?: number;
}

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal;
  }
}

export const notFound = (reply: FastifyReply, message: string) => reply.code(404).send({ error: 'not_found', message });
export const badRequest = (reply: FastifyReply, message: string) =>
  reply.code(400).send({ error: 'bad_request', message });

/** Records a user action for usage analysis; a failure to record is logged, never the user's problem. */
export async function recordUsage(
  ctx: ApiContext,
  request: FastifyRequest,
  action: string,
  detail: Record<string, unknown>,
): Promise<void> {
  try {
    await ctx.store.recordUsage({ at: new Date().toISOString(), user: request.principal.user, action, detail });
  } catch (err) {
    ctx.log.warn({ err, action }, 'event-center: could not record usage');
  }
}
