import { InvalidQueryError, queryTerms, toMs } from '../common.js';
import type { EventFilter, Grant } from '../store.js';

/** A WHERE clause under construction: SQL fragments joined by AND, with their parameters. */
export class Where {
  readonly parts: string[] = [];
  readonly params: unknown[] = [];

  add(sql: string, ...params: unknown[]): this {
    this.parts.push(sql);
    this.params.push(...params);
    return this;
  }

  /** `column IN (...)` unless the list is absent or empty. */
  in(column: string, values: readonly string[] | undefined): this {
    if (values && values.length > 0) this.add(`${column} IN (${values.map(() => '?').join(',')})`, ...values);
    return this;
  }

  /** No grants at all: nothing matches. */
  scope(scope: readonly Grant[] | undefined): this {
    if (scope === undefined) return this;
    if (scope.length === 0) return this.add('0');
    const ors = scope.map((g) => (g.namespace === '*' ? '(cluster = ?)' : '(cluster = ? AND namespace = ?)'));
    return this.add(
      `(${ors.join(' OR ')})`,
      ...scope.flatMap((g) => (g.namespace === '*' ? [g.cluster] : [g.cluster, g.namespace])),
    );
  }

  get sql(): string {
    return this.parts.length > 0 ? `WHERE ${this.parts.join(' AND ')}` : '';
  }
}

/** FTS5 query of quoted words (so user input is never FTS syntax), all required. */
function ftsQuery(q: string | undefined): string | undefined {
  const terms = queryTerms(q);
  return terms.length > 0 ? terms.map((t) => `"${t}"`).join(' AND ') : undefined;
}

export function eventWhere(f: EventFilter): Where {
  const w = new Where()
    .scope(f.scope)
    .in('cluster', f.clusters)
    .in('namespace', f.namespaces)
    .in('kind', f.kinds)
    .in('name', f.names)
    .in('workload', f.workloads)
    .in('reason', f.reasons)
    .in('type', f.types)
    .in('source', f.sources)
    .in('node', f.nodes);
  if (f.workloadRef) w.add('workload_kind = ? AND workload = ?', f.workloadRef.kind, f.workloadRef.name);
  const o = f.objectOrWorkload;
  if (o) w.add('((workload_kind = ? AND workload = ?) OR (kind = ? AND name = ?))', o.kind, o.name, o.kind, o.name);
  if (f.from !== undefined) w.add('last_seen >= ?', toMs(f.from, 'from'));
  if (f.to !== undefined) w.add('last_seen < ?', toMs(f.to, 'to'));
  const fts = ftsQuery(f.q);
  if (fts) w.add('seq IN (SELECT rowid FROM events_fts WHERE events_fts MATCH ?)', fts);
  return w;
}

export function checkSort(sort: string | undefined): 'asc' | 'desc' {
  if (sort === undefined || sort === 'desc') return 'desc';
  if (sort === 'asc') return 'asc';
  throw new InvalidQueryError(`sort: expected asc or desc`);
}
