import { Client, errors } from '@elastic/elasticsearch';
import type { Incident, IncidentAck, K2Event } from '@k2/contracts';
import {
  bucketLayout,
  clampLimit,
  decodeCursor,
  emptyBuckets,
  encodeCursor,
  eventNode,
  InvalidQueryError,
  toMs,
} from '../common.js';
import {
  StoreUnavailableError,
  type EventFilter,
  type EventStore,
  type FacetField,
  type Facets,
  type Grant,
  type Histogram,
  type HistogramRequest,
  type IncidentQuery,
  type Page,
  type Rejected,
  type SearchRequest,
  type UsageQuery,
  type UsageRecord,
  type UsageReport,
} from '../store.js';
import { bulkCreate, type BulkOptions } from './bulk.js';
import { ACK_MAPPINGS, EVENT_MAPPINGS, INCIDENT_MAPPINGS, indexNames, USAGE_MAPPINGS } from './mappings.js';
import { eventQuery, scopeQuery } from './query.js';

export interface ElasticsearchStoreOptions {
  url: string;
  /** Every index and the template start with it, so several K2s (or tests) can share a node. */
  prefix?: string;
  shards?: number;
  replicas?: number;
  /** How soon written events become searchable. */
  refreshInterval?: string;
  bulk?: Partial<BulkOptions>;
  requestTimeoutMs?: number;
}

const FACET_FIELDS: Record<FacetField, string> = {
  cluster: 'cluster',
  namespace: 'namespace',
  kind: 'involvedObject.kind',
  workload: 'workload.name',
  reason: 'reason',
  type: 'type',
  source: 'source.component',
  node: 'k2.node',
};

/** How long a point in time lives between two pages. */
const PIT_KEEP_ALIVE = '5m';
const DAY_MS = 86_400_000;

interface Hit<T> {
  _source: T;
  sort?: unknown[];
}
interface SearchResult<T> {
  hits: { hits: Hit<T>[] };
  aggregations?: Record<string, unknown>;
  pit_id?: string;
}
interface EventCursor {
  pit?: string;
  after: unknown[];
}

/** The distributed store: daily event indices behind one template, searched with search_after and points in time. */
export class ElasticsearchEventStore implements EventStore {
  readonly kind = 'elasticsearch';
  readonly client: Client;
  private readonly names;
  private readonly bulkOptions: BulkOptions;

  constructor(private readonly options: ElasticsearchStoreOptions) {
    this.client = new Client({ node: options.url, requestTimeout: options.requestTimeoutMs ?? 30_000, maxRetries: 0 });
    this.names = indexNames(options.prefix ?? 'k2');
    this.bulkOptions = { maxBytes: 5 * 1024 * 1024, concurrency: 2, retries: 3, backoffMs: 200, ...options.bulk };
  }

  async init(): Promise<void> {
    const settings = {
      number_of_shards: this.options.shards ?? 1,
      number_of_replicas: this.options.replicas ?? 0,
    };
    await this.client.indices.putIndexTemplate({
      name: this.names.template,
      index_patterns: [this.names.eventsPattern],
      template: {
        settings: {
          ...settings,
          refresh_interval: this.options.refreshInterval ?? '1s',
          // Stored newest first, as searches ask by default: a page is found without visiting every match.
          sort: { field: ['lastSeen', 'id'], order: ['desc', 'desc'] },
        },
        mappings: EVENT_MAPPINGS as never,
      },
    });
    const fixed: [string, object][] = [
      [this.names.incidentRecords, INCIDENT_MAPPINGS],
      [this.names.incidents, INCIDENT_MAPPINGS],
      [this.names.acks, ACK_MAPPINGS],
      [this.names.usage, USAGE_MAPPINGS],
    ];
    await Promise.all(
      fixed.map(async ([index, mappings]) => {
        if (await this.client.indices.exists({ index })) return;
        try {
          await this.client.indices.create({ index, settings, mappings: mappings as never });
        } catch (err) {
          // Another replica created it meanwhile.
          if (!(err instanceof errors.ResponseError && err.body?.error?.type === 'resource_already_exists_exception'))
            throw err;
        }
      }),
    );
  }

  async ping(): Promise<boolean> {
    try {
      return await this.client.ping();
    } catch {
      return false;
    }
  }

  async writeEvents(events: readonly K2Event[]): Promise<{ rejected: Rejected[] }> {
    const docs = events.map((e) => ({
      index: this.names.eventsIndex(Date.parse(e.lastSeen)),
      id: e.id,
      json: JSON.stringify({ ...e, k2: { node: eventNode(e) } }),
    }));
    const { failed } = await bulkCreate(this.client, docs, this.bulkOptions);
    return { rejected: failed.map((f) => ({ event: events[f.doc] as K2Event, reason: f.reason })) };
  }

  async writeIncidents(records: readonly Incident[]): Promise<void> {
    if (records.length === 0) return;
    const operations = records.flatMap((i) => {
      const doc = { ...i, k2: { affected: i.affected.map((a) => `${a.kind}/${a.name}`) } };
      return [
        { index: { _index: this.names.incidentRecords, _id: `${i.id}:${i.seq}` } },
        doc,
        // External versions keep the record with the highest seq, whatever order records arrive in.
        { index: { _index: this.names.incidents, _id: i.id, version: i.seq, version_type: 'external' } },
        doc,
      ];
    });
    const res = await this.guard(() => this.client.bulk({ operations: operations as never }));
    const failures = res.items.filter((item) => {
      const status = item.index?.status ?? 500;
      return status >= 300 && status !== 409;
    });
    if (failures.length > 0) {
      throw new StoreUnavailableError(
        `Elasticsearch refused ${failures.length} incident writes: ${JSON.stringify(failures[0]?.index?.error)}`,
      );
    }
  }

  async writeAck(ack: IncidentAck): Promise<void> {
    await this.guard(() => this.client.index({ index: this.names.acks, document: ack, refresh: 'wait_for' }));
  }

  async recordUsage(record: UsageRecord): Promise<void> {
    await this.guard(() => this.client.index({ index: this.names.usage, document: record }));
  }

  async refresh(): Promise<void> {
    await this.client.indices.refresh({
      index: [
        this.names.eventsPattern,
        this.names.incidents,
        this.names.incidentRecords,
        this.names.acks,
        this.names.usage,
      ],
      ignore_unavailable: true,
      allow_no_indices: true,
    });
  }

  async search(request: SearchRequest): Promise<Page<K2Event>> {
    const order = request.sort ?? 'desc';
    if (order !== 'asc' && order !== 'desc') throw new InvalidQueryError('sort: expected asc or desc');
    const limit = clampLimit(request.limit);
    const cursor = decodeCursor<EventCursor>(request.cursor);
    if (cursor && !Array.isArray(cursor.after)) throw new InvalidQueryError('invalid cursor');
    const body = {
      size: limit + 1,
      track_total_hits: false,
      query: eventQuery(request),
      sort: [{ lastSeen: { order } }, { id: { order } }],
      ...(cursor ? { search_after: cursor.after } : {}),
    };
    let res: SearchResult<K2Event & { k2?: unknown }>;
    // The first page costs one request; the second opens the point in time the later ones share.
    let pit = cursor ? (cursor.pit ?? (await this.openPit())) : undefined;
    try {
      res = await this.eventSearch(body, pit);
    } catch (err) {
      // The point in time expired between pages: carry on without one rather than fail.
      if (!pit || !(err instanceof errors.ResponseError && err.statusCode === 404)) throw err;
      pit = undefined;
      res = await this.eventSearch(body, undefined);
    }
    const hits = res.hits.hits;
    const page = hits.slice(0, limit);
    const items = page.map((h) => stripK2(h._source));
    if (hits.length <= limit) {
      if (pit) await this.client.closePointInTime({ id: pit }).catch(() => undefined);
      return { items };
    }
    pit = res.pit_id ?? pit;
    return {
      items,
      nextCursor: encodeCursor({ ...(pit ? { pit } : {}), after: page.at(-1)?.sort ?? [] } satisfies EventCursor),
    };
  }

  async getEvent(id: string, scope?: readonly Grant[]): Promise<K2Event | undefined> {
    const res = await this.searchIn<K2Event>(this.names.eventsPattern, {
      size: 1,
      query: { bool: { filter: [{ ids: { values: [id] } }, ...scopeQuery(scope)] } },
    });
    const hit = res.hits.hits[0];
    return hit ? stripK2(hit._source) : undefined;
  }

  async timeBounds(filter: EventFilter) {
    const res = await this.searchIn(this.names.eventsPattern, {
      size: 0,
      query: eventQuery(filter),
      aggs: { lo: { min: { field: 'lastSeen' } }, hi: { max: { field: 'lastSeen' } } },
    });
    const lo = (res.aggregations?.lo as { value: number | null } | undefined)?.value;
    const hi = (res.aggregations?.hi as { value: number | null } | undefined)?.value;
    if (lo == null || hi == null) return undefined;
    return { from: new Date(lo).toISOString(), to: new Date(hi).toISOString() };
  }

  async histogram(request: HistogramRequest): Promise<Histogram> {
    const { from, interval, buckets } = bucketLayout(request.from, request.to, request.buckets);
    const res = await this.searchIn(this.names.eventsPattern, {
      size: 0,
      query: eventQuery(request),
      aggs: {
        t: {
          date_histogram: { field: 'lastSeen', fixed_interval: `${interval}ms`, offset: `${from % interval}ms` },
          aggs: { warnings: { filter: { term: { type: 'Warning' } } } },
        },
      },
    });
    const out = emptyBuckets(from, interval, buckets);
    const agg = res.aggregations?.t as {
      buckets: { key: number; doc_count: number; warnings: { doc_count: number } }[];
    };
    for (const b of agg?.buckets ?? []) {
      const bucket = out[Math.round((b.key - from) / interval)];
      if (bucket) Object.assign(bucket, { count: b.doc_count, warnings: b.warnings.doc_count });
    }
    return { interval_ms: interval, buckets: out };
  }

  async facets(filter: EventFilter, fields: readonly FacetField[], size = 10): Promise<Facets> {
    const aggs = Object.fromEntries(
      fields.map((f) => [f, { terms: { field: FACET_FIELDS[f], size, order: [{ _count: 'desc' }, { _key: 'asc' }] } }]),
    );
    const res = await this.searchIn(this.names.eventsPattern, { size: 0, query: eventQuery(filter), aggs });
    return Object.fromEntries(
      fields.map((f) => [
        f,
        ((res.aggregations?.[f] as { buckets: { key: string; doc_count: number }[] } | undefined)?.buckets ?? []).map(
          (b) => ({ value: b.key, count: b.doc_count }),
        ),
      ]),
    );
  }

  async incidents(query: IncidentQuery): Promise<Page<Incident>> {
    const limit = clampLimit(query.limit);
    const terms = (field: string, values: readonly string[] | undefined) =>
      values && values.length > 0 ? [{ terms: { [field]: [...values] } }] : [];
    const filter: object[] = [
      ...scopeQuery(query.scope),
      ...terms('status', query.status),
      ...terms('cluster', query.clusters),
      ...terms('namespace', query.namespaces),
      ...terms('severity', query.severities),
      ...terms('class', query.classes),
    ];
    const o = query.object;
    if (o) {
      filter.push({
        bool: {
          minimum_should_match: 1,
          should: [
            { bool: { filter: [{ term: { 'workload.kind': o.kind } }, { term: { 'workload.name': o.name } }] } },
            { term: { 'k2.affected': `${o.kind}/${o.name}` } },
          ],
        },
      });
    }
    const after = decodeCursor<unknown[]>(query.cursor);
    const res = await this.searchIn<Incident>(this.names.incidents, {
      size: limit + 1,
      query: { bool: { filter } },
      sort: [{ lastSeen: 'desc' }, { id: 'desc' }],
      ...(after ? { search_after: after } : {}),
    });
    const page = res.hits.hits.slice(0, limit);
    return {
      items: page.map((h) => stripK2(h._source)),
      ...(res.hits.hits.length > limit ? { nextCursor: encodeCursor(page.at(-1)?.sort ?? []) } : {}),
    };
  }

  async incidentHistory(id: string, scope?: readonly Grant[]): Promise<Incident[]> {
    const visible = await this.searchIn(this.names.incidents, {
      size: 1,
      query: { bool: { filter: [{ ids: { values: [id] } }, ...scopeQuery(scope)] } },
    });
    if (visible.hits.hits.length === 0) return [];
    const res = await this.searchIn<Incident>(this.names.incidentRecords, {
      size: 10_000,
      query: { term: { id } },
      sort: [{ seq: 'asc' }],
    });
    return res.hits.hits.map((h) => stripK2(h._source));
  }

  async acks(incidentId: string): Promise<IncidentAck[]> {
    const res = await this.searchIn<IncidentAck>(this.names.acks, {
      size: 1000,
      query: { term: { incidentId } },
      sort: [{ at: 'asc' }],
    });
    return res.hits.hits.map((h) => h._source);
  }

  async usage(query: UsageQuery): Promise<UsageReport> {
    const filter: object[] = [];
    if (query.user) filter.push({ term: { user: query.user } });
    if (query.action) filter.push({ term: { action: query.action } });
    if (query.from || query.to) {
      filter.push({
        range: {
          at: {
            ...(query.from ? { gte: toMs(query.from, 'from') } : {}),
            ...(query.to ? { lt: toMs(query.to, 'to') } : {}),
            format: 'epoch_millis',
          },
        },
      });
    }
    const byCount = [{ _count: 'desc' }, { _key: 'asc' }];
    const res = await this.searchIn<UsageRecord>(this.names.usage, {
      size: clampLimit(query.limit ?? 200),
      query: { bool: { filter } },
      sort: [{ at: 'desc' }],
      aggs: {
        byAction: { terms: { field: 'action', size: 100, order: byCount } },
        byUser: { terms: { field: 'user', size: 1000, order: byCount } },
      },
    });
    const buckets = (name: string) =>
      (res.aggregations?.[name] as { buckets: { key: string; doc_count: number }[] }).buckets;
    return {
      items: res.hits.hits.map((h) => h._source),
      byAction: buckets('byAction').map((b) => ({ action: b.key, count: b.doc_count })),
      byUser: buckets('byUser').map((b) => ({ user: b.key, count: b.doc_count })),
    };
  }

  /** Deletes the daily indices whose whole day is before `before`; returns the events they held. */
  async purge(before: Date): Promise<number> {
    const indices = await this.client.cat.indices({
      index: this.names.eventsPattern,
      format: 'json',
      h: 'index,docs.count',
    });
    const old = indices.filter((i) => {
      const day = i.index ? this.names.dayOf(i.index) : undefined;
      return day !== undefined && day + DAY_MS <= before.getTime();
    });
    if (old.length === 0) return 0;
    await this.client.indices.delete({ index: old.map((i) => i.index as string) });
    return old.reduce((n, i) => n + Number(i['docs.count'] ?? 0), 0);
  }

  async close(): Promise<void> {
    await this.client.close();
  }

  private openPit(): Promise<string> {
    return this.client
      .openPointInTime({ index: this.names.eventsPattern, keep_alive: PIT_KEEP_ALIVE, ignore_unavailable: true })
      .then((r) => r.id);
  }

  private eventSearch(body: object, pit: string | undefined) {
    return pit
      ? (this.client.search({ ...body, pit: { id: pit, keep_alive: PIT_KEEP_ALIVE } }) as Promise<
          SearchResult<K2Event & { k2?: unknown }>
        >)
      : this.searchIn<K2Event & { k2?: unknown }>(this.names.eventsPattern, body);
  }

  private searchIn<T>(index: string, body: object): Promise<SearchResult<T>> {
    return this.client.search({
      index,
      ignore_unavailable: true,
      allow_no_indices: true,
      ...body,
    }) as Promise<SearchResult<T>>;
  }

  /** Turns "cannot reach Elasticsearch" into StoreUnavailableError, which writers pause on. */
  private async guard<T>(write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (err) {
      if (
        err instanceof errors.ConnectionError ||
        err instanceof errors.TimeoutError ||
        err instanceof errors.NoLivingConnectionsError ||
        (err instanceof errors.ResponseError && (err.statusCode === 429 || (err.statusCode ?? 0) >= 500))
      )
        throw new StoreUnavailableError(err.message);
      throw err;
    }
  }
}

function stripK2<T extends object>(source: T & { k2?: unknown }): T {
  const { k2: _derived, ...rest } = source;
  return rest as T;
}
