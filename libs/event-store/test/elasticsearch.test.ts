import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ElasticsearchEventStore } from '../src/index.js';
import { startServer, type HttpServer } from '../../../test/support/servers.js';
import { eventStoreConformance } from './conformance.js';
import { event, T0 } from './fixtures.js';

const esUrl = async () => ((await startServer('elasticsearch')) as unknown as HttpServer).url;

async function openStore(options: Partial<ConstructorParameters<typeof ElasticsearchEventStore>[0]> = {}) {
  const store = new ElasticsearchEventStore({
    url: await esUrl(),
    prefix: `k2t-${randomUUID().slice(0, 8)}`,
    ...options,
  });
  await store.init();
  return store;
}

eventStoreConformance('elasticsearch', () => openStore());

describe('ElasticsearchEventStore', () => {
  it('maps structured fields as keywords, the message as text with a keyword, labels as flattened', async () => {
    const store = await openStore();
    try {
      await store.writeEvents([event({ at: T0 })]);
      const mapping = await store.client.indices.getMapping({ index: `${storePrefix(store)}-events-*` });
      const props = Object.values(mapping)[0]?.mappings.properties as Record<
        string,
        { type?: string; fields?: object }
      >;
      expect(props.namespace?.type).toBe('keyword');
      expect(props.message).toMatchObject({ type: 'text', fields: { raw: { type: 'keyword' } } });
      expect(props.labels?.type).toBe('flattened');
      expect(Object.keys(mapping)).toEqual([`${storePrefix(store)}-events-2026.03.01`]);
    } finally {
      await store.close();
    }
  });

  it('splits bulk writes by bytes, and a document the node refuses comes back with the reason', async () => {
    const store = await openStore({ bulk: { maxBytes: 2_000 } });
    try {
      const events = Array.from({ length: 30 }, (_, i) => event({ at: T0 + i }));
      // A date the mapping cannot parse: final for that document only.
      const broken = { ...event({ at: T0 + 99 }), firstSeen: 'yesterday' };
      const { rejected } = await store.writeEvents([...events, broken]);
      expect(rejected.map((r) => r.event.id)).toEqual([broken.id]);
      expect(rejected[0]?.reason).toMatch(/^400 .*firstSeen/);
      await store.refresh();
      expect((await store.search({ limit: 100 })).items).toHaveLength(30);
    } finally {
      await store.close();
    }
  });

  it('pages past the result window (10,000 by default) with search_after in a point in time', async () => {
    const store = await openStore();
    try {
      const events = Array.from({ length: 1_050 }, (_, i) => event({ at: T0 + i * 1000, n: i }));
      await store.writeEvents(events);
      // The same ceiling as the default 10,000, ten times lower, so the test stays small.
      await store.client.indices.putSettings({
        index: `${storePrefix(store)}-events-*`,
        settings: { max_result_window: 500 },
      });
      await store.refresh();
      const seen = new Set<string>();
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await store.search({ limit: 100, sort: 'asc', cursor });
        for (const e of page.items) seen.add(e.id);
        cursor = page.nextCursor;
        pages++;
      } while (cursor);
      expect(pages).toBe(11);
      expect(seen.size).toBe(1_050);
    } finally {
      await store.close();
    }
  });

  it('reports an unreachable node as unavailable, storing nothing', async () => {
    const store = new ElasticsearchEventStore({ url: 'http://127.0.0.1:9', bulk: { retries: 1, backoffMs: 10 } });
    try {
      expect(await store.ping()).toBe(false);
      await expect(store.writeEvents([event({ at: T0 })])).rejects.toMatchObject({ name: 'StoreUnavailableError' });
    } finally {
      await store.close();
    }
  });
});

const storePrefix = (store: ElasticsearchEventStore) =>
  (store as unknown as { names: { template: string } }).names.template.replace(/-events$/, '');
