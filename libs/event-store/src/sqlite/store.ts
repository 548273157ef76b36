import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
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
import type {
  EventFilter,
  EventStore,
  FacetField,
  Facets,
  Grant,
  Histogram,
  HistogramRequest,
  IncidentQuery,
  Page,
  SearchRequest,
  UsageQuery,
  UsageRecord,
  UsageReport,
} from '../store.js';
import { SCHEMA } from './schema.js';
import { checkSort, eventWhere, Where } from './where.js';

export interface SqliteStoreOptions {
  /** A file, or `:memory:`. */
  path: string;
}

const FACET_COLUMNS: Record<FacetField, string> = {
  cluster: 'cluster',
  namespace: 'namespace',
  kind: 'kind',
  workload: 'workload',
  reason: 'reason',
  type: 'type',
  source: 'source',
  node: 'node',
};

type Row = { doc: string };
const parse = <T>(rows: Row[]): T[] => rows.map((r) => JSON.parse(r.doc) as T);

/** The embedded store: one SQLite file in WAL mode, FTS5 over messages. */
export class SqliteEventStore implements EventStore {
  readonly kind = 'sqlite';
  private readonly db: Database.Database;

  constructor(options: SqliteStoreOptions) {
    if (options.path !== ':memory:') mkdirSync(dirname(options.path), { recursive: true });
    this.db = new Database(options.path);
    this.db.pragma('journal_mode = WAL');
    // Each write is on disk when it returns: the writers commit the bus offsets right after.
    this.db.pragma('synchronous = FULL');
    // Event ids are random, so their index is written all over: keep much of it in memory.
    this.db.pragma('cache_size = -131072');
    this.db.pragma('temp_store = MEMORY');
  }

  async init(): Promise<void> {
    this.db.exec(SCHEMA);
  }

  async ping(): Promise<boolean> {
    return this.db.open;
  }

  async writeEvents(events: readonly K2Event[]) {
    const insert = this.db.prepare(
      `INSERT OR IGNORE INTO events (id, cluster, namespace, kind, name, workload_kind, workload, reason, type, source, node, last_seen, message, doc)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const fts = this.db.prepare('INSERT INTO events_fts (rowid, message) VALUES (?, ?)');
    this.db.transaction(() => {
      for (const e of events) {
        const r = insert.run(
          e.id,
          e.cluster,
          e.namespace,
          e.involvedObject.kind,
          e.involvedObject.name,
          e.workload.kind,
          e.workload.name,
          e.reason,
          e.type,
          e.source.component,
          eventNode(e) ?? null,
          Date.parse(e.lastSeen),
          e.message,
          JSON.stringify(e),
        );
        if (r.changes === 1) fts.run(r.lastInsertRowid, e.message);
      }
    })();
    return { rejected: [] };
  }

  async writeIncidents(records: readonly Incident[]): Promise<void> {
    const history = this.db.prepare('INSERT OR IGNORE INTO incident_records (id, seq, doc) VALUES (?, ?, ?)');
    const latest = this.db.prepare(
      `INSERT INTO incidents (id, seq, cluster, namespace, workload_kind, workload, status, severity, class, last_seen, affected, doc)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, status = excluded.status, severity = excluded.severity,
         last_seen = excluded.last_seen, affected = excluded.affected, doc = excluded.doc
       WHERE excluded.seq > incidents.seq`,
    );
    this.db.transaction(() => {
      for (const i of records) {
        const doc = JSON.stringify(i);
        history.run(i.id, i.seq, doc);
        latest.run(
          i.id,
          i.seq,
          i.cluster,
          i.namespace,
          i.workload.kind,
          i.workload.name,
          i.status,
          i.severity,
          i.class,
          Date.parse(i.lastSeen),
          affectedKeys(i),
          doc,
        );
      }
    })();
  }

  async writeAck(ack: IncidentAck): Promise<void> {
    this.db
      .prepare('INSERT INTO acks (incident_id, at, doc) VALUES (?, ?, ?)')
      .run(ack.incidentId, ack.at, JSON.stringify(ack));
  }

  async recordUsage(r: UsageRecord): Promise<void> {
    this.db
      .prepare('INSERT INTO usage (at, user, action, doc) VALUES (?, ?, ?, ?)')
      .run(toMs(r.at, 'at'), r.user, r.action, JSON.stringify(r));
  }

  async refresh(): Promise<void> {}

  async search(request: SearchRequest): Promise<Page<K2Event>> {
    const sort = checkSort(request.sort);
    const limit = clampLimit(request.limit);
    const w = eventWhere(request);
    const after = decodeCursor<[number, string]>(request.cursor);
    if (after) {
      if (!Array.isArray(after) || typeof after[0] !== 'number' || typeof after[1] !== 'string')
        throw new InvalidQueryError('invalid cursor');
      w.add(`(last_seen, id) ${sort === 'desc' ? '<' : '>'} (?, ?)`, after[0], after[1]);
    }
    const rows = this.db
      .prepare(`SELECT doc, last_seen, id FROM events ${w.sql} ORDER BY last_seen ${sort}, id ${sort} LIMIT ?`)
      .all(...w.params, limit + 1) as (Row & { last_seen: number; id: string })[];
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return {
      items: parse<K2Event>(page),
      ...(rows.length > limit && last ? { nextCursor: encodeCursor([last.last_seen, last.id]) } : {}),
    };
  }

  async getEvent(id: string, scope?: readonly Grant[]): Promise<K2Event | undefined> {
    const w = new Where().add('id = ?', id).scope(scope);
    const row = this.db.prepare(`SELECT doc FROM events ${w.sql}`).get(...w.params) as Row | undefined;
    return row ? (JSON.parse(row.doc) as K2Event) : undefined;
  }

  async timeBounds(filter: EventFilter) {
    const w = eventWhere(filter);
    const row = this.db
      .prepare(`SELECT min(last_seen) AS lo, max(last_seen) AS hi FROM events ${w.sql}`)
      .get(...w.params) as { lo: number | null; hi: number | null };
    if (row.lo === null || row.hi === null) return undefined;
    return { from: new Date(row.lo).toISOString(), to: new Date(row.hi).toISOString() };
  }

  async histogram(request: HistogramRequest): Promise<Histogram> {
    const { from, interval, buckets } = bucketLayout(request.from, request.to, request.buckets);
    const w = eventWhere({ ...request });
    const rows = this.db
      .prepare(
        `SELECT CAST((last_seen - ?) / ? AS INTEGER) AS b, count(*) AS n, sum(type = 'Warning') AS warnings FROM events ${w.sql} GROUP BY b`,
      )
      .all(from, interval, ...w.params) as { b: number; n: number; warnings: number }[];
    const out = emptyBuckets(from, interval, buckets);
    for (const r of rows) {
      const bucket = out[r.b];
      if (bucket) Object.assign(bucket, { count: r.n, warnings: r.warnings });
    }
    return { interval_ms: interval, buckets: out };
  }

  async facets(filter: EventFilter, fields: readonly FacetField[], size = 10): Promise<Facets> {
    const w = eventWhere(filter);
    const out: Facets = {};
    for (const field of fields) {
      const column = FACET_COLUMNS[field];
      out[field] = this.db
        .prepare(
          `SELECT ${column} AS value, count(*) AS count FROM events ${w.sql} ${w.sql ? 'AND' : 'WHERE'} ${column} IS NOT NULL
           GROUP BY ${column} ORDER BY count DESC, value ASC LIMIT ?`,
        )
        .all(...w.params, size) as { value: string; count: number }[];
    }
    return out;
  }

  async incidents(query: IncidentQuery): Promise<Page<Incident>> {
    const limit = clampLimit(query.limit);
    const w = new Where()
      .scope(query.scope)
      .in('status', query.status)
      .in('cluster', query.clusters)
      .in('namespace', query.namespaces)
      .in('severity', query.severities)
      .in('class', query.classes);
    const o = query.object;
    if (o) {
      w.add(
        '((workload_kind = ? AND workload = ?) OR instr(affected, ?) > 0)',
        o.kind,
        o.name,
        `|${o.kind}/${o.name}|`,
      );
    }
    const after = decodeCursor<[number, string]>(query.cursor);
    if (after) w.add('(last_seen, id) < (?, ?)', after[0], after[1]);
    const rows = this.db
      .prepare(`SELECT doc, last_seen, id FROM incidents ${w.sql} ORDER BY last_seen DESC, id DESC LIMIT ?`)
      .all(...w.params, limit + 1) as (Row & { last_seen: number; id: string })[];
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return {
      items: parse<Incident>(page),
      ...(rows.length > limit && last ? { nextCursor: encodeCursor([last.last_seen, last.id]) } : {}),
    };
  }

  async incidentHistory(id: string, scope?: readonly Grant[]): Promise<Incident[]> {
    const w = new Where().add('id = ?', id).scope(scope);
    if (!this.db.prepare(`SELECT 1 FROM incidents ${w.sql}`).get(...w.params)) return [];
    return parse<Incident>(
      this.db.prepare('SELECT doc FROM incident_records WHERE id = ? ORDER BY seq').all(id) as Row[],
    );
  }

  async acks(incidentId: string): Promise<IncidentAck[]> {
    return parse<IncidentAck>(
      this.db.prepare('SELECT doc FROM acks WHERE incident_id = ? ORDER BY at, rowid').all(incidentId) as Row[],
    );
  }

  async usage(query: UsageQuery): Promise<UsageReport> {
    const w = new Where();
    if (query.user) w.add('user = ?', query.user);
    if (query.action) w.add('action = ?', query.action);
    if (query.from) w.add('at >= ?', toMs(query.from, 'from'));
    if (query.to) w.add('at < ?', toMs(query.to, 'to'));
    const items = parse<UsageRecord>(
      this.db
        .prepare(`SELECT doc FROM usage ${w.sql} ORDER BY at DESC, rowid DESC LIMIT ?`)
        .all(...w.params, clampLimit(query.limit ?? 200)) as Row[],
    );
    const group = (column: 'action' | 'user') =>
      this.db
        .prepare(
          `SELECT ${column}, count(*) AS count FROM usage ${w.sql} GROUP BY ${column} ORDER BY count DESC, ${column}`,
        )
        .all(...w.params);
    return {
      items,
      byAction: group('action') as UsageReport['byAction'],
      byUser: group('user') as UsageReport['byUser'],
    };
  }

  async purge(before: Date): Promise<number> {
    return this.db.prepare('DELETE FROM events WHERE last_seen < ?').run(before.getTime()).changes;
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}

/** `|Kind/name|Kind/name|`: lets one `instr` find an incident naming an object among the affected. */
function affectedKeys(i: Incident): string {
  return `|${i.affected.map((a) => `${a.kind}/${a.name}`).join('|')}|`;
}
