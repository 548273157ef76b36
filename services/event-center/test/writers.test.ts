import { randomUUID } from 'node:crypto';
import { DLQ_HEADERS, InProcessBus } from '@k2/bus';
import { ElasticsearchEventStore } from '@k2/event-store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { event, T0 } from '../../../libs/event-store/test/fixtures.js';
import { startServer, type HttpServer } from '../../../test/support/servers.js';
import { CuttableLink } from './cuttable-link.js';
import { eventually, startHarness } from './harness.js';

const esUrl = async () => new URL(((await startServer('elasticsearch')) as unknown as HttpServer).url);
const cleanups: (() => Promise<void>)[] = [];
// The shared node starts once per run; its start-up belongs to the hook, not to a test's time.
beforeAll(async () => {
  await esUrl();
});
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

const batch = (n: number, offset: number) =>
  Array.from({ length: n }, (_, i) => event({ at: T0 + offset + i, n: offset + i }));

describe('event center writers', () => {
  it('dead-letters records that are not K2Events, with the reason, and stores the rest', async () => {
    const h = await startHarness();
    cleanups.push(() => h.close());
    const good = event({ at: T0 });
    await h.bus.publish('k2.events', [
      { key: 'x', value: '{"not":"an event"}' },
      { key: 'y', value: 'not json at all' },
      { key: good.fingerprint, value: good },
    ]);
    await eventually(async () => (await h.store.search({})).items.length === 1, 10_000, 'good event stored');
    const letters = await h.bus.snapshot('k2.events.dlq');
    expect(letters.map((l) => l.headers[DLQ_HEADERS.reason])).toEqual(['invalid', 'invalid']);
    expect(letters.map((l) => l.raw.toString())).toEqual(['{"not":"an event"}', 'not json at all']);
  });

  it('dead-letters an event Elasticsearch refuses, with its reason, and stores the others', async () => {
    const url = await esUrl();
    const prefix = `k2t-${randomUUID().slice(0, 8)}`;
    const store = new ElasticsearchEventStore({ url: url.toString(), prefix });
    // An index someone made by hand for 2026-03-02 whose mapping the events do not fit.
    await store.client.indices.create({
      index: `${prefix}-events-2026.03.02`,
      mappings: { properties: { namespace: { type: 'long' } } },
    });
    const h = await startHarness({ store });
    cleanups.push(() => h.close());
    const fits = batch(5, 0);
    const misfit = event({ at: Date.parse('2026-03-02T08:00:00Z') });
    await h.publishEvents([...fits, misfit]);
    const letters = await eventually(async () => {
      const l = await h.bus.snapshot('k2.events.dlq');
      return l.length > 0 && l;
    });
    expect(letters).toHaveLength(1);
    expect(JSON.parse(letters[0]!.raw.toString()).id).toBe(misfit.id);
    expect(letters[0]!.headers[DLQ_HEADERS.error]).toMatch(/store refused: 400 .*namespace/);
    await store.refresh();
    expect((await store.search({ limit: 100 })).items.map((e) => e.id).sort()).toEqual(fits.map((e) => e.id).sort());
  });

  // Several phases, each waiting with its own deadline: on a loaded machine index creation alone takes seconds.
  it('pauses while Elasticsearch is unreachable, loses nothing, and commits only what was stored', async () => {
    const target = await esUrl();
    const link = new CuttableLink({ host: target.hostname, port: Number(target.port) });
    const url = await link.open();
    cleanups.push(() => link.cut());
    const prefix = `k2t-${randomUUID().slice(0, 8)}`;
    const openStore = () => new ElasticsearchEventStore({ url, prefix, bulk: { retries: 1, backoffMs: 50 } });
    const bus = new InProcessBus();
    cleanups.push(() => bus.close());
    // Searches fail while a new daily index is still starting its shard: that is "not yet".
    const stored = async (store: ElasticsearchEventStore, n: number) => {
      try {
        await store.refresh();
        return (await store.search({ limit: 1000 })).items.length === n;
      } catch {
        return false;
      }
    };

    const first = await startHarness({ bus, store: openStore() });
    await first.publishEvents(batch(20, 0));
    await eventually(() => stored(first.store as ElasticsearchEventStore, 20), 15_000, 'first batch');

    await link.cut();
    await first.publishEvents(batch(30, 1000));
    await eventually(async () => !first.service.writers.storeUp, 15_000, 'writers paused');
    expect((await fetch(`${first.url}/readyz`)).status).toBe(503);
    // Stopped during the outage: what it could not store was not committed, so the next member gets it.
    await first.close();

    await link.restore();
    const second = await startHarness({ bus, store: openStore() });
    cleanups.push(() => second.close());
    const store = second.store as ElasticsearchEventStore;
    await eventually(() => stored(store, 50), 20_000, 'the batch published during the outage');

    // Down and up again under the same member: it pauses, then resumes by itself.
    await link.cut();
    await second.publishEvents(batch(10, 2000));
    await eventually(async () => !second.service.writers.storeUp, 15_000, 'writers paused again');
    await link.restore();
    await eventually(async () => second.service.writers.storeUp, 15_000, 'writers resumed');
    await eventually(() => stored(store, 60), 20_000, 'everything, once');
    const ids = (await store.search({ limit: 1000 })).items.map((e) => e.id);
    expect(new Set(ids).size).toBe(60);
  }, 90_000);
});
