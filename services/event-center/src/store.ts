import { resolve } from 'node:path';
import type { K2Config } from '@k2/config';
import { ElasticsearchEventStore, SqliteEventStore, type EventStore } from '@k2/event-store';

type StoreConfig = K2Config['eventCenter']['store'];

/** The configured backend; relative SQLite paths are from the working directory. */
export function openStore(config: StoreConfig): EventStore {
  if (config.kind === 'sqlite') return new SqliteEventStore({ path: resolve(config.sqlite.path) });
  const es = config.elasticsearch;
  return new ElasticsearchEventStore({
    url: es.url,
    prefix: es.indexPrefix,
    shards: es.shards,
    replicas: es.replicas,
    refreshInterval: es.refreshInterval,
    bulk: { maxBytes: es.bulkMaxBytes, concurrency: es.bulkConcurrency },
  });
}

/** Where the store is, for the start-up line; no credentials. */
export function describeStore(config: StoreConfig): string {
  if (config.kind === 'sqlite') return `SQLite ${resolve(config.sqlite.path)}`;
  const url = new URL(config.elasticsearch.url);
  return `Elasticsearch ${url.protocol}//${url.host} (indices ${config.elasticsearch.indexPrefix}-*)`;
}
