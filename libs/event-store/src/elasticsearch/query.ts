import { queryTerms, toMs } from '../common.js';
import type { EventFilter, Grant } from '../store.js';

type Query = Record<string, unknown>;

const terms = (field: string, values: readonly string[] | undefined): Query[] =>
  values && values.length > 0 ? [{ terms: { [field]: [...values] } }] : [];

const term = (field: string, value: string): Query => ({ term: { [field]: value } });

/** The grants as a query; no grants matches nothing. */
export function scopeQuery(scope: readonly Grant[] | undefined): Query[] {
  if (scope === undefined) return [];
  if (scope.length === 0) return [{ bool: { must_not: { match_all: {} } } }];
  return [
    {
      bool: {
        minimum_should_match: 1,
        should: scope.map((g) =>
          g.namespace === '*'
            ? term('cluster', g.cluster)
            : { bool: { filter: [term('cluster', g.cluster), term('namespace', g.namespace)] } },
        ),
      },
    },
  ];
}

const ref = (kindField: string, nameField: string, o: { kind: string; name: string }): Query => ({
  bool: { filter: [term(kindField, o.kind), term(nameField, o.name)] },
});

export function eventQuery(f: EventFilter): Query {
  const filter: Query[] = [
    ...scopeQuery(f.scope),
    ...terms('cluster', f.clusters),
    ...terms('namespace', f.namespaces),
    ...terms('involvedObject.kind', f.kinds),
    ...terms('involvedObject.name', f.names),
    ...terms('workload.name', f.workloads),
    ...terms('reason', f.reasons),
    ...terms('type', f.types),
    ...terms('source.component', f.sources),
    ...terms('k2.node', f.nodes),
  ];
  if (f.workloadRef) filter.push(ref('workload.kind', 'workload.name', f.workloadRef));
  const o = f.objectOrWorkload;
  if (o) {
    filter.push({
      bool: {
        minimum_should_match: 1,
        should: [ref('workload.kind', 'workload.name', o), ref('involvedObject.kind', 'involvedObject.name', o)],
      },
    });
  }
  if (f.from !== undefined || f.to !== undefined) {
    filter.push({
      range: {
        lastSeen: {
          ...(f.from !== undefined ? { gte: toMs(f.from, 'from') } : {}),
          ...(f.to !== undefined ? { lt: toMs(f.to, 'to') } : {}),
          format: 'epoch_millis',
        },
      },
    });
  }
  const words = queryTerms(f.q);
  const must = words.length > 0 ? [{ match: { message: { query: words.join(' '), operator: 'and' } } }] : [];
  return { bool: { filter, must } };
}
