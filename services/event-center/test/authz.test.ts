import type { Incident, K2Event } from '@k2/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { event, incident, T0 } from '../../../libs/event-store/test/fixtures.js';
import { eventually, startHarness, TOKENS, type Harness } from './harness.js';
import { openSse } from './sse.js';

/**
 * The authz matrix: every endpoint, for admin, a member of A (east/shop), a member of B
 * (east/pay), no token and a wrong token. A member of A never sees B, and the reverse.
 */
const MIN = 60_000;
const shop = Array.from({ length: 6 }, (_, i) =>
  event({
    at: T0 + i * MIN,
    namespace: 'shop',
    message: `shop secret ${i}`,
    reason: i % 2 ? 'BackOff' : 'Pulled',
    type: i % 2 ? 'Warning' : 'Normal',
  }),
);
const pay = Array.from({ length: 4 }, (_, i) =>
  event({
    at: T0 + i * MIN + 1,
    namespace: 'pay',
    name: `api-${i}`,
    workload: { kind: 'Deployment', name: 'api' },
    message: `pay secret ${i}`,
  }),
);
const west = [event({ at: T0, cluster: 'west', namespace: 'shop', message: 'west secret' })];
const shopIncident = incident({ seq: 1, at: T0 + 5 * MIN });
const payIncident = incident({
  seq: 1,
  at: T0 + 3 * MIN,
  namespace: 'pay',
  id: 'b'.repeat(32),
  workload: { kind: 'Deployment', name: 'api' },
});

type Caller = 'admin' | 'alice' | 'bob' | 'none' | 'wrong';
const headersOf = (c: Caller): Record<string, string> =>
  c === 'none' ? {} : { Authorization: `Bearer ${c === 'wrong' ? 'not-a-known-token-000' : TOKENS[c]}` };
/** What each caller may see, as namespaces of cluster east (admin sees west too). */
const VISIBLE: Record<'admin' | 'alice' | 'bob', string[]> = {
  admin: ['east/pay', 'east/shop', 'west/shop'],
  alice: ['east/shop'],
  bob: ['east/pay'],
};
const where = (e: { cluster: string; namespace: string }) => `${e.cluster}/${e.namespace}`;

let h: Harness;
const get = async (caller: Caller, path: string, init: RequestInit = {}) => {
  const res = await fetch(`${h.url}${path}`, {
    ...init,
    headers: { ...headersOf(caller), ...(init.headers as object) },
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : undefined };
};

beforeAll(async () => {
  h = await startHarness();
  await h.publishEvents([...shop, ...pay, ...west]);
  await h.publishIncidents([shopIncident, payIncident]);
  await eventually(async () => (await h.store.search({ limit: 100 })).items.length === 11, 10_000, 'events stored');
  await eventually(async () => (await h.store.incidents({})).items.length === 2, 10_000, 'incidents stored');
});
afterAll(async () => {
  await h?.close();
});

describe('event center API authz matrix', () => {
  it.each(['none', 'wrong'] as const)('answers 401 with a clear body to %s on every endpoint', async (caller) => {
    const paths = [
      '/api/v1/me',
      '/api/v1/events',
      `/api/v1/events/${shop[0]!.id}`,
      '/api/v1/histogram',
      '/api/v1/facets',
      '/api/v1/incidents',
      `/api/v1/incidents/${shopIncident.id}`,
      '/api/v1/timeline?cluster=east&namespace=shop&kind=Deployment&name=cart',
      '/api/v1/tail',
      '/api/v1/usage',
    ];
    for (const path of paths) {
      const res = await get(caller, path);
      expect(res.status, path).toBe(401);
      expect(res.body).toMatchObject({ error: 'unauthorized', message: expect.any(String) });
    }
    const ack = await get(caller, `/api/v1/incidents/${shopIncident.id}/ack`, { method: 'POST' });
    expect(ack.status).toBe(401);
    // A wrong token on the tail's query parameter is refused too.
    const tail = await openSse(`${h.url}/api/v1/tail?access_token=${caller === 'wrong' ? 'nope' : ''}`);
    expect(tail.status).toBe(401);
  });

  it('tells each caller who they are', async () => {
    expect((await get('admin', '/api/v1/me')).body).toEqual({ user: 'root', admin: true, grants: [] });
    expect((await get('alice', '/api/v1/me')).body).toEqual({
      user: 'alice',
      admin: false,
      grants: [{ cluster: 'east', namespace: 'shop' }],
    });
  });

  it.each(['admin', 'alice', 'bob'] as const)(
    'search shows %s only what they may see, whatever they ask for',
    async (caller) => {
      const all = (await get(caller, '/api/v1/events?limit=100')).body as { items: K2Event[] };
      expect([...new Set(all.items.map(where))].sort()).toEqual(VISIBLE[caller]);
      // Asking for the other namespace explicitly, or by its text, widens nothing.
      for (const q of ['namespace=pay&namespace=shop', 'q=pay+secret', 'q=shop+secret', 'cluster=west']) {
        const got = (await get(caller, `/api/v1/events?${q}&limit=100`)).body as { items: K2Event[] };
        expect(
          got.items.every((e) => VISIBLE[caller].includes(where(e))),
          q,
        ).toBe(true);
      }
    },
  );

  it('looks events up by id only within the grants', async () => {
    const status = async (c: Caller, e: K2Event) => (await get(c, `/api/v1/events/${e.id}`)).status;
    expect([await status('admin', shop[0]!), await status('alice', shop[0]!), await status('bob', shop[0]!)]).toEqual([
      200, 200, 404,
    ]);
    expect([await status('admin', pay[0]!), await status('alice', pay[0]!), await status('bob', pay[0]!)]).toEqual([
      200, 404, 200,
    ]);
    expect(await status('alice', west[0]!)).toBe(404);
    expect((await get('alice', `/api/v1/events/${shop[0]!.id}`)).body).toEqual(shop[0]);
  });

  it('filters aggregations: histogram and facets count only visible events', async () => {
    const totals: Record<string, number> = {};
    for (const c of ['admin', 'alice', 'bob'] as const) {
      const h1 = (await get(c, '/api/v1/histogram?buckets=4')).body as {
        buckets: { count: number }[];
        interval_ms: number;
      };
      expect(h1.buckets).toHaveLength(4);
      totals[c] = h1.buckets.reduce((n, b) => n + b.count, 0);
      const f = (await get(c, '/api/v1/facets?fields=namespace,cluster')).body as {
        facets: { namespace: { value: string; count: number }[]; cluster: { value: string }[] };
      };
      const namespaces = f.facets.namespace.map((v) => v.value).sort();
      expect(namespaces).toEqual([...new Set(VISIBLE[c].map((v) => v.split('/')[1]))].sort());
    }
    expect(totals).toEqual({ admin: 11, alice: 6, bob: 4 });
    expect((await get('alice', '/api/v1/facets?fields=namespace,bogus')).status).toBe(400);
  });

  it('lists, shows and acks incidents only within the grants', async () => {
    const list = async (c: Caller) =>
      ((await get(c, '/api/v1/incidents')).body as { items: Incident[] }).items.map((i) => i.namespace);
    expect(await list('admin')).toEqual(['shop', 'pay']);
    expect(await list('alice')).toEqual(['shop']);
    expect(await list('bob')).toEqual(['pay']);

    const detail = await get('alice', `/api/v1/incidents/${shopIncident.id}`);
    expect(detail.status).toBe(200);
    const body = detail.body as { incident: Incident; history: Incident[]; events: K2Event[]; acks: unknown[] };
    expect(body.incident.id).toBe(shopIncident.id);
    expect(body.history).toHaveLength(1);
    expect(body.events.map((e) => e.id)).toEqual(shop.map((e) => e.id));
    expect((await get('bob', `/api/v1/incidents/${shopIncident.id}`)).status).toBe(404);
    expect((await get('alice', `/api/v1/incidents/${payIncident.id}`)).status).toBe(404);

    const refused = await get('bob', `/api/v1/incidents/${shopIncident.id}/ack`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{}',
    });
    expect(refused.status).toBe(404);
    const acked = await get('alice', `/api/v1/incidents/${shopIncident.id}/ack`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ comment: 'looking <b>now</b>' }),
    });
    expect(acked.status).toBe(202);
    expect(acked.body).toMatchObject({
      ack: { incidentId: shopIncident.id, by: 'alice', comment: 'looking <b>now</b>' },
    });
    // Forwarded to the dispatcher on k2.acks, keyed by incident, and shown on the incident.
    const published = await h.bus.snapshot('k2.acks');
    expect(published.map((m) => [m.key, JSON.parse(m.value.toString()).by])).toEqual([[shopIncident.id, 'alice']]);
    const after = (await get('alice', `/api/v1/incidents/${shopIncident.id}`)).body as { acks: { by: string }[] };
    expect(after.acks.map((a) => a.by)).toEqual(['alice']);
    // No body at all is an ack without a comment.
    expect((await get('admin', `/api/v1/incidents/${payIncident.id}/ack`, { method: 'POST' })).status).toBe(202);
  });

  it('builds object timelines only within the grants', async () => {
    const path = (ns: string, name: string) =>
      `/api/v1/timeline?cluster=east&namespace=${ns}&kind=Deployment&name=${name}`;
    type Timeline = { items: { at: string; type: string; event?: K2Event; incident?: Incident }[] };
    const mine = (await get('alice', path('shop', 'cart'))).body as Timeline;
    expect(mine.items.filter((i) => i.type === 'event').map((i) => i.event!.id)).toEqual(shop.map((e) => e.id));
    expect(mine.items.filter((i) => i.type === 'incident').map((i) => i.incident!.id)).toEqual([shopIncident.id]);
    const ats = mine.items.map((i) => Date.parse(i.at));
    expect(ats).toEqual([...ats].sort((a, b) => a - b));
    expect(((await get('bob', path('shop', 'cart'))).body as Timeline).items).toEqual([]);
    expect(((await get('alice', path('pay', 'api'))).body as Timeline).items).toEqual([]);
    expect(((await get('bob', path('pay', 'api'))).body as Timeline).items.length).toBe(5);
    expect((await get('alice', '/api/v1/timeline?cluster=east')).status).toBe(400);
  });

  it('live tail streams each caller only the new events they may see', async () => {
    const admin = await openSse(`${h.url}/api/v1/tail`, headersOf('admin'));
    const alice = await openSse(`${h.url}/api/v1/tail?access_token=${TOKENS.alice}`);
    const bob = await openSse(`${h.url}/api/v1/tail`, headersOf('bob'));
    const aliceWarnings = await openSse(`${h.url}/api/v1/tail?type=Warning`, headersOf('alice'));
    try {
      await eventually(
        async () => admin.comments > 0 && alice.comments > 0 && bob.comments > 0 && aliceWarnings.comments > 0,
      );
      const fresh = [
        event({ at: T0 + 100 * MIN, namespace: 'shop', message: 'new shop', type: 'Normal' }),
        event({ at: T0 + 101 * MIN, namespace: 'pay', name: 'api-9', message: 'new pay' }),
        event({ at: T0 + 102 * MIN, namespace: 'shop', message: 'new shop warning', n: 1 }),
      ];
      await h.publishEvents(fresh);
      await eventually(async () => admin.events.length === 3, 10_000, 'admin tail');
      await eventually(
        async () => alice.events.length === 2 && bob.events.length === 1 && aliceWarnings.events.length === 1,
      );
      expect(alice.events.map((e) => e.message).sort()).toEqual(['new shop', 'new shop warning']);
      expect(bob.events.map((e) => e.message)).toEqual(['new pay']);
      expect(aliceWarnings.events.map((e) => e.message)).toEqual(['new shop warning']);
      // Heartbeats keep flowing (200 ms in this harness).
      const seen = alice.comments;
      await eventually(async () => alice.comments > seen, 5_000, 'heartbeat');
    } finally {
      for (const c of [admin, alice, bob, aliceWarnings]) c.close();
    }
  });

  it('keeps the usage record for admins only: who searched, viewed and acked', async () => {
    expect((await get('alice', '/api/v1/usage')).status).toBe(403);
    expect((await get('alice', '/api/v1/usage')).body).toMatchObject({
      error: 'forbidden',
      message: expect.any(String),
    });
    expect((await get('bob', '/api/v1/usage')).status).toBe(403);
    const report = (await get('admin', '/api/v1/usage')).body as {
      items: { user: string; action: string; at: string }[];
      byAction: { action: string; count: number }[];
      byUser: { user: string; count: number }[];
    };
    const actions = new Set(report.byAction.map((a) => a.action));
    for (const a of ['search', 'view', 'ack', 'tail']) expect(actions.has(a), a).toBe(true);
    expect(report.items.some((i) => i.user === 'alice' && i.action === 'ack')).toBe(true);
    expect(report.byUser.map((u) => u.user).sort()).toEqual(['alice', 'bob', 'root']);
    const aliceAcks = (await get('admin', '/api/v1/usage?user=alice&action=ack')).body as { items: unknown[] };
    expect(aliceAcks.items).toHaveLength(1);
  });

  it('believes proxy headers only from the trusted proxy address', async () => {
    const res = await get('none', '/api/v1/events?limit=100', {
      headers: { 'X-Forwarded-User': 'carol', 'X-Forwarded-Groups': 'other, shop-team' },
    });
    expect(res.status).toBe(200);
    expect([...new Set((res.body as { items: K2Event[] }).items.map(where))]).toEqual(['east/shop']);
    expect((await get('none', '/api/v1/me', { headers: { 'X-Forwarded-User': 'carol' } })).body).toEqual({
      user: 'carol',
      admin: false,
      grants: [],
    });
  });

  it('serves its OpenAPI document and the service endpoints without a token', async () => {
    const doc = (await get('none', '/openapi.json')).body as { openapi: string; paths: Record<string, unknown> };
    expect(doc.openapi).toMatch(/^3\./);
    for (const p of [
      '/api/v1/events',
      '/api/v1/events/{id}',
      '/api/v1/histogram',
      '/api/v1/facets',
      '/api/v1/incidents/{id}/ack',
      '/api/v1/tail',
      '/api/v1/usage',
    ])
      expect(Object.keys(doc.paths)).toContain(p);
    expect((await fetch(`${h.url}/readyz`)).status).toBe(200);
    expect(await (await fetch(`${h.url}/metrics`)).text()).toContain('k2_event_center_events_stored_total');
  });
});
