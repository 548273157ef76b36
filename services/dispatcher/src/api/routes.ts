import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Alert } from '@k2/contracts';
import type { Dispatcher } from '../dispatch/dispatcher.js';
import { AlertmanagerWebhook, alertmanagerToAlerts } from '../inputs/alertmanager.js';
import { GenericAlerts, genericToAlerts } from '../inputs/generic.js';
import { onCallAt } from '../oncall/schedule.js';
import { SilenceInput, silenceState, type Silence } from '../silence/silence.js';
import { maySee, type TokenAuth } from './auth.js';

export interface ApiDeps {
  auth: TokenAuth;
  dispatcher: Dispatcher;
  /** Hands alerts to the bus (k2.alerts); resolves once it accepted them. */
  accept(alerts: Alert[]): Promise<void>;
  /** Something the API did may bring the dispatcher's next deadline forward. */
  changed(): void;
  now?: () => number;
}

const DeliveryQuery = z.strictObject({
  receiver: z.string().optional(),
  outcome: z.enum(['sent', 'retrying', 'dead', 'digested', 'skipped']).optional(),
  groupKey: z.string().optional(),
  since: z.iso.datetime({ offset: true }).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

const badRequest = (error: z.ZodError) => ({
  error: 'invalid request',
  issues: error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
});

const silenceView = (s: Silence, now: number) => ({
  id: s.id,
  matchers: s.matchers,
  startsAt: new Date(s.startsAt).toISOString(),
  endsAt: new Date(s.endsAt).toISOString(),
  createdBy: s.createdBy,
  comment: s.comment,
  state: silenceState(s, now),
});

/** The dispatcher's API under /api/v1 (docs/dispatcher.md). Every route checks the caller's token and role. */
export function registerApi(app: FastifyInstance, deps: ApiDeps): void {
  const { auth, dispatcher } = deps;
  const now = deps.now ?? Date.now;

  app.post('/api/v1/alertmanager', async (req, reply) => {
    if (!auth.check(req, reply, 'sender')) return reply;
    const parsed = AlertmanagerWebhook.safeParse(req.body);
    if (!parsed.success) return reply.code(400).send(badRequest(parsed.error));
    const alerts = alertmanagerToAlerts(parsed.data, now());
    await deps.accept(alerts);
    return { accepted: alerts.length };
  });

  app.post('/api/v1/alerts', async (req, reply) => {
    if (!auth.check(req, reply, 'sender')) return reply;
    const parsed = GenericAlerts.safeParse(req.body);
    if (!parsed.success) return reply.code(400).send(badRequest(parsed.error));
    const alerts = genericToAlerts(parsed.data, now());
    await deps.accept(alerts);
    return { accepted: alerts.length };
  });

  app.get('/api/v1/silences', async (req, reply) => {
    if (!auth.check(req, reply, 'viewer')) return reply;
    return { silences: dispatcher.silences.list().map((s) => silenceView(s, now())) };
  });

  app.post('/api/v1/silences', async (req, reply) => {
    const caller = auth.check(req, reply, 'admin');
    if (!caller) return reply;
    const body = { createdBy: caller.user, ...(req.body as object) };
    const parsed = SilenceInput.safeParse(body);
    if (!parsed.success) return reply.code(400).send(badRequest(parsed.error));
    const silence = dispatcher.createSilence(parsed.data);
    deps.changed();
    return reply.code(201).send(silenceView(silence, now()));
  });

  app.delete<{ Params: { id: string } }>('/api/v1/silences/:id', async (req, reply) => {
    if (!auth.check(req, reply, 'admin')) return reply;
    const s = dispatcher.expireSilence(req.params.id);
    if (!s) return reply.code(404).send({ error: 'no such active silence' });
    deps.changed();
    return silenceView(s, now());
  });

  app.get('/api/v1/deliveries', async (req, reply) => {
    const caller = auth.check(req, reply, 'viewer');
    if (!caller) return reply;
    const parsed = DeliveryQuery.safeParse(req.query);
    if (!parsed.success) return reply.code(400).send(badRequest(parsed.error));
    const q = parsed.data;
    const rows = dispatcher.store.deliveries({ ...q, since: q.since ? Date.parse(q.since) : undefined });
    return {
      deliveries: rows.filter((r) => maySee(caller, r.scopes)).map((r) => ({ ...r, at: new Date(r.at).toISOString() })),
    };
  });

  app.get('/api/v1/dead-letters', async (req, reply) => {
    if (!auth.check(req, reply, 'admin')) return reply;
    return {
      deadLetters: dispatcher.store.deadLetters(200).map((d) => ({ ...d, at: new Date(d.at).toISOString() })),
    };
  });

  app.get('/api/v1/oncall', async (req, reply) => {
    if (!auth.check(req, reply, 'viewer')) return reply;
    const at = now();
    return {
      at: new Date(at).toISOString(),
      oncall: [...dispatcher.routing.schedules.values()].map((s) => onCallAt(s, at)),
    };
  });

  app.post<{ Params: { key: string } }>('/api/v1/groups/:key/ack', async (req, reply) => {
    const caller = auth.check(req, reply, 'admin');
    if (!caller) return reply;
    if (!dispatcher.ackGroup(req.params.key, caller.user))
      return reply.code(404).send({ error: 'no escalating group with that key' });
    return { acknowledged: req.params.key, by: caller.user };
  });
}
