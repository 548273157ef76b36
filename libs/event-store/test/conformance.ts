import type { K2Event } from '@k2/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidQueryError, type EventStore, type SearchRequest } from '../src/index.js';
import { event, incident, iso, T0 } from './fixtures.js';

const MIN = 60_000;

/**
 * A dataset across two clusters and three namespaces, one event a minute for an hour:
 * east/shop (cart, Warnings), east/pay (api, Normals), west/shop (cart, mixed).
 */
function dataset(): K2Event[] {
  const out: K2Event[] = [];
  for (let i = 0; i < 60; i++) {
    const at = T0 + i * MIN;
    if (i % 3 === 0)
      out.push(
        event({
          at,
          namespace: 'shop',
          reason: 'BackOff',
          message: `Back-off restarting failed container ${i}`,
          host: 'node-1',
        }),
      );
    if (i % 3 === 1)
      out.push(
        event({
          at,
          namespace: 'pay',
          name: `api-${i}`,
          workload: { kind: 'Deployment', name: 'api' },
          reason: 'Pulled',
          type: 'Normal',
          message: 'Successfully pulled image "api:1.2"',
          host: 'node-2',
        }),
      );
    if (i % 3 === 2)
      out.push(
        event({
          at,
          cluster: 'west',
          namespace: 'shop',
          reason: i % 2 ? 'OOMKilling' : 'Scheduled',
          type: i % 2 ? 'Warning' : 'Normal',
          component: i % 2 ? 'k2-oom-watcher' : 'default-scheduler',
          message: i % 2 ? 'Container java was OOM killed' : 'Successfully assigned west/cart to node-3',
          ...(i % 2 ? { oom: { container: 'java', node: 'node-9' } } : {}),
        }),
      );
  }
  return out;
}

async function all(store: EventStore, request: SearchRequest): Promise<K2Event[]> {
  const out: K2Event[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.search({ ...request, cursor });
    out.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return out;
}

const ids = (events: K2Event[]) => events.map((e) => e.id);

/** One suite, run on every EventStore backend. `open` gives a new, empty, initialised store. */
export function eventStoreConformance(name: string, open: () => Promise<EventStore>): void {
  describe(`EventStore conformance: ${name}`, () => {
    const data = dataset();
    let store: EventStore;
    beforeAll(async () => {
      store = await open();
      await store.writeEvents(data);
      await store.refresh();
    });
    afterAll(async () => {
      await store?.close();
    });

    it('returns every event, newest first by default, oldest first with sort asc', async () => {
      const desc = await store.search({ limit: 1000 });
      expect(desc.items).toHaveLength(data.length);
      expect(ids(desc.items)).toEqual(ids([...data].reverse()));
      const asc = await store.search({ sort: 'asc', limit: 5 });
      expect(ids(asc.items)).toEqual(ids(data.slice(0, 5)));
    });

    it('stores a replayed event once', async () => {
      const fresh = await open();
      try {
        const sample = data.slice(0, 10);
        await fresh.writeEvents(sample);
        const again = await fresh.writeEvents([...sample, ...sample]);
        expect(again.rejected).toEqual([]);
        await fresh.refresh();
        expect((await fresh.search({ limit: 100 })).items).toHaveLength(10);
      } finally {
        await fresh.close();
      }
    });

    it('pages through everything with cursors, without gaps or repeats', async () => {
      const paged = await all(store, { limit: 7, sort: 'asc' });
      expect(ids(paged)).toEqual(ids(data));
      const filtered = await all(store, { limit: 3, namespaces: ['shop'] });
      expect(filtered).toHaveLength(40);
      expect(new Set(ids(filtered)).size).toBe(40);
    });

    it('filters on every field, OR within a field and AND across fields', async () => {
      const count = async (r: SearchRequest) => (await all(store, { ...r, limit: 100 })).length;
      expect(await count({ clusters: ['west'] })).toBe(20);
      expect(await count({ namespaces: ['shop', 'pay'] })).toBe(60);
      expect(await count({ clusters: ['east'], namespaces: ['shop'] })).toBe(20);
      expect(await count({ kinds: ['Pod'] })).toBe(60);
      expect(await count({ kinds: ['Node'] })).toBe(0);
      expect(await count({ names: ['api-1', 'api-4'] })).toBe(2);
      expect(await count({ workloads: ['api'] })).toBe(20);
      expect(await count({ workloadRef: { kind: 'Deployment', name: 'cart' } })).toBe(40);
      expect(await count({ objectOrWorkload: { kind: 'Pod', name: 'api-7' } })).toBe(1);
      expect(await count({ reasons: ['OOMKilling'] })).toBe(10);
      expect(await count({ types: ['Warning'] })).toBe(30);
      expect(await count({ sources: ['default-scheduler'] })).toBe(10);
      expect(await count({ nodes: ['node-9'] })).toBe(10);
      expect(await count({ nodes: ['node-1', 'node-2'] })).toBe(40);
    });

    it('searches the message as full text, every word required', async () => {
      const oom = await all(store, { q: 'OOM killed', limit: 100 });
      expect(oom).toHaveLength(10);
      expect(oom.every((e) => e.reason === 'OOMKilling')).toBe(true);
      expect(await all(store, { q: 'successfully pulled', limit: 100 })).toHaveLength(20);
      expect(await all(store, { q: 'pulled killed', limit: 100 })).toHaveLength(0);
      // Query syntax of either backend is just text.
      expect(await all(store, { q: '"restarting" * ( -', limit: 100 })).toHaveLength(20);
    });

    it('limits to a time range on lastSeen, from inclusive, to exclusive', async () => {
      const got = await all(store, { from: iso(T0 + 10 * MIN), to: iso(T0 + 20 * MIN), sort: 'asc', limit: 100 });
      expect(ids(got)).toEqual(ids(data.slice(10, 20)));
      expect(await store.timeBounds({ namespaces: ['pay'] })).toEqual({ from: iso(T0 + MIN), to: iso(T0 + 58 * MIN) });
      expect(await store.timeBounds({ namespaces: ['none'] })).toBeUndefined();
    });

    it('shows a caller only the namespaces granted, in searches, lookups and aggregations', async () => {
      const shopOnly = [{ cluster: 'east', namespace: 'shop' }];
      const got = await all(store, { scope: shopOnly, limit: 100 });
      expect(got).toHaveLength(20);
      expect(got.every((e) => e.cluster === 'east' && e.namespace === 'shop')).toBe(true);
      // Asking for another namespace does not widen the scope.
      expect(await all(store, { scope: shopOnly, namespaces: ['pay'], limit: 100 })).toHaveLength(0);
      expect(await all(store, { scope: [{ cluster: 'west', namespace: '*' }], limit: 100 })).toHaveLength(20);
      expect(await all(store, { scope: [], limit: 100 })).toHaveLength(0);

      const payEvent = data[1] as K2Event;
      expect(await store.getEvent(payEvent.id)).toEqual(payEvent);
      expect(await store.getEvent(payEvent.id, shopOnly)).toBeUndefined();
      expect(await store.getEvent(payEvent.id, [{ cluster: 'east', namespace: 'pay' }])).toEqual(payEvent);
      expect(await store.getEvent('0'.repeat(32))).toBeUndefined();

      const facets = await store.facets({ scope: shopOnly }, ['namespace', 'cluster']);
      expect(facets).toEqual({ namespace: [{ value: 'shop', count: 20 }], cluster: [{ value: 'east', count: 20 }] });
      const h = await store.histogram({ scope: shopOnly, from: iso(T0), to: iso(T0 + 60 * MIN), buckets: 1 });
      expect(h.buckets).toEqual([{ start: iso(T0), count: 20, warnings: 20 }]);
    });

    it('counts events and warnings per time bucket', async () => {
      const h = await store.histogram({ from: iso(T0), to: iso(T0 + 60 * MIN), buckets: 6 });
      expect(h.interval_ms).toBe(10 * MIN);
      expect(h.buckets).toHaveLength(6);
      expect(h.buckets.map((b) => b.start)).toEqual([0, 1, 2, 3, 4, 5].map((i) => iso(T0 + i * 10 * MIN)));
      expect(h.buckets.reduce((n, b) => n + b.count, 0)).toBe(60);
      expect(h.buckets.every((b) => b.count === 10)).toBe(true);
      expect(h.buckets.reduce((n, b) => n + b.warnings, 0)).toBe(30);
      // Buckets not aligned to round times, and empty ones.
      const odd = await store.histogram({
        clusters: ['east'],
        namespaces: ['shop'],
        from: iso(T0 - 7 * MIN),
        to: iso(T0 + 8 * MIN),
        buckets: 3,
      });
      expect(odd.buckets).toEqual([
        { start: iso(T0 - 7 * MIN), count: 0, warnings: 0 },
        { start: iso(T0 - 2 * MIN), count: 1, warnings: 1 },
        { start: iso(T0 + 3 * MIN), count: 2, warnings: 2 },
      ]);
    });

    it('gives the top values of each field with counts', async () => {
      const f = await store.facets(
        {},
        ['cluster', 'namespace', 'reason', 'type', 'kind', 'workload', 'source', 'node'],
        2,
      );
      expect(f.cluster).toEqual([
        { value: 'east', count: 40 },
        { value: 'west', count: 20 },
      ]);
      expect(f.namespace).toEqual([
        { value: 'shop', count: 40 },
        { value: 'pay', count: 20 },
      ]);
      expect(f.reason).toEqual([
        { value: 'BackOff', count: 20 },
        { value: 'Pulled', count: 20 },
      ]);
      expect(f.kind).toEqual([{ value: 'Pod', count: 60 }]);
      expect(f.workload).toEqual([
        { value: 'cart', count: 40 },
        { value: 'api', count: 20 },
      ]);
      expect(f.node).toEqual([
        { value: 'node-1', count: 20 },
        { value: 'node-2', count: 20 },
      ]);
      const warnings = await store.facets({ types: ['Warning'], q: 'container' }, ['reason']);
      expect(warnings.reason).toEqual([
        { value: 'BackOff', count: 20 },
        { value: 'OOMKilling', count: 10 },
      ]);
    });

    it('rejects a cursor it did not make', async () => {
      await expect(store.search({ cursor: '!!not-a-cursor' })).rejects.toBeInstanceOf(InvalidQueryError);
    });

    it('keeps every incident record, serves the latest per incident, and filters them', async () => {
      const s = await open();
      try {
        const cart = (seq: number, at: number, status: 'open' | 'resolved' = 'open') =>
          incident({ seq, at, status, severity: seq >= 2 ? 'critical' : 'warning' });
        const pay = incident({
          seq: 1,
          at: T0 + 5 * MIN,
          namespace: 'pay',
          id: 'b'.repeat(32),
          workload: { kind: 'Deployment', name: 'api' },
          class: 'oom_kill',
          affected: [{ kind: 'Pod', name: 'api-1', count: 1 }],
        });
        // Out of order, and twice: the highest seq wins, each record is kept once.
        await s.writeIncidents([cart(2, T0 + 2 * MIN), cart(1, T0 + MIN), pay]);
        await s.writeIncidents([cart(3, T0 + 9 * MIN, 'resolved'), cart(1, T0 + MIN)]);
        await s.refresh();
        const id = cart(1, 0).id;

        const list = await s.incidents({});
        expect(list.items.map((i) => [i.id, i.seq])).toEqual([
          [id, 3],
          [pay.id, 1],
        ]);
        expect((await s.incidents({ status: ['open'] })).items.map((i) => i.id)).toEqual([pay.id]);
        expect((await s.incidents({ severities: ['critical'] })).items.map((i) => i.id)).toEqual([id]);
        expect((await s.incidents({ classes: ['oom_kill'], namespaces: ['pay'] })).items).toHaveLength(1);
        expect((await s.incidents({ scope: [{ cluster: 'east', namespace: 'pay' }] })).items.map((i) => i.id)).toEqual([
          pay.id,
        ]);
        expect((await s.incidents({ object: { kind: 'Pod', name: 'api-1' } })).items.map((i) => i.id)).toEqual([
          pay.id,
        ]);
        expect((await s.incidents({ object: { kind: 'Deployment', name: 'cart' } })).items.map((i) => i.id)).toEqual([
          id,
        ]);

        const page1 = await s.incidents({ limit: 1 });
        const page2 = await s.incidents({ limit: 1, cursor: page1.nextCursor });
        expect([...page1.items, ...page2.items].map((i) => i.id)).toEqual([id, pay.id]);
        expect(page2.nextCursor).toBeUndefined();

        expect((await s.incidentHistory(id)).map((i) => i.seq)).toEqual([1, 2, 3]);
        expect(await s.incidentHistory(id, [{ cluster: 'east', namespace: 'pay' }])).toEqual([]);
      } finally {
        await s.close();
      }
    });

    it('keeps acks per incident and the usage record with totals', async () => {
      const s = await open();
      try {
        const incidentId = 'c'.repeat(32);
        const ack = { incidentId, cluster: 'east', namespace: 'shop', by: 'alice', at: iso(T0), comment: 'on it' };
        await s.writeAck(ack);
        await s.writeAck({ ...ack, by: 'bob', at: iso(T0 + MIN), comment: undefined });
        for (const [user, action, at] of [
          ['alice', 'search', T0],
          ['alice', 'search', T0 + MIN],
          ['bob', 'view', T0 + 2 * MIN],
          ['alice', 'ack', T0 + 3 * MIN],
        ] as const)
          await s.recordUsage({ at: iso(at), user, action, detail: { q: 'x' } });
        await s.refresh();
        expect((await s.acks(incidentId)).map((a) => a.by)).toEqual(['alice', 'bob']);
        expect(await s.acks('d'.repeat(32))).toEqual([]);

        const report = await s.usage({});
        expect(report.items.map((r) => r.action)).toEqual(['ack', 'view', 'search', 'search']);
        expect(report.items[0]).toEqual({ at: iso(T0 + 3 * MIN), user: 'alice', action: 'ack', detail: { q: 'x' } });
        expect(report.byAction).toEqual([
          { action: 'search', count: 2 },
          { action: 'ack', count: 1 },
          { action: 'view', count: 1 },
        ]);
        expect(report.byUser).toEqual([
          { user: 'alice', count: 3 },
          { user: 'bob', count: 1 },
        ]);
        const alice = await s.usage({ user: 'alice', from: iso(T0 + MIN) });
        expect(alice.items.map((r) => r.action)).toEqual(['ack', 'search']);
      } finally {
        await s.close();
      }
    });

    it('purges events older than the retention, keeping the rest', async () => {
      const s = await open();
      try {
        const DAY = 86_400_000;
        const old = [event({ at: T0 - 3 * DAY }), event({ at: T0 - 2 * DAY })];
        const recent = [event({ at: T0 }), event({ at: T0 + MIN })];
        await s.writeEvents([...old, ...recent]);
        await s.refresh();
        const removed = await s.purge(new Date(T0 - DAY));
        expect(removed).toBe(2);
        await s.refresh();
        expect(ids((await s.search({ sort: 'asc' })).items)).toEqual(ids(recent));
      } finally {
        await s.close();
      }
    });
  });
}
