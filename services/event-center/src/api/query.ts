import type { EventFilter, FacetField } from '@k2/event-store';
import { FACET_FIELDS } from '@k2/event-store';

/** A query parameter that may repeat (?namespace=a&namespace=b). */
const many = { type: 'array', items: { type: 'string' } } as const;
const time = { type: 'string', format: 'date-time' } as const;

/** The event filters every event endpoint takes (search, histogram, facets, tail). */
export const EVENT_FILTER_PROPERTIES = {
  q: { type: 'string', description: 'full text on the message: every word must occur' },
  cluster: many,
  namespace: many,
  kind: { ...many, description: 'kind of the involved object' },
  name: { ...many, description: 'name of the involved object' },
  workload: { ...many, description: 'name of the owning workload' },
  reason: many,
  type: { type: 'array', items: { type: 'string', enum: ['Normal', 'Warning'] } },
  source: { ...many, description: 'source.component' },
  node: many,
  from: { ...time, description: 'lastSeen at or after' },
  to: { ...time, description: 'lastSeen before' },
} as const;

export interface EventFilterQuery {
  q?: string;
  cluster?: string[];
  namespace?: string[];
  kind?: string[];
  name?: string[];
  workload?: string[];
  reason?: string[];
  type?: string[];
  source?: string[];
  node?: string[];
  from?: string;
  to?: string;
}

/** The query string (already validated by the route schema) as the store's filter. */
export function eventFilter(q: EventFilterQuery): EventFilter {
  return {
    q: q.q,
    clusters: q.cluster,
    namespaces: q.namespace,
    kinds: q.kind,
    names: q.name,
    workloads: q.workload,
    reasons: q.reason,
    types: q.type,
    sources: q.source,
    nodes: q.node,
    from: q.from,
    to: q.to,
  };
}

export const FACETS_DEFAULT: FacetField[] = ['namespace', 'reason', 'type', 'kind', 'workload', 'cluster'];

/** `fields=namespace,reason` (or repeated): known facet fields only. */
export function facetFields(fields: string | undefined): FacetField[] | string {
  if (!fields) return FACETS_DEFAULT;
  const list = fields
    .split(',')
    .map((f) => f.trim())
    .filter(Boolean);
  const unknown = list.filter((f) => !(FACET_FIELDS as readonly string[]).includes(f));
  if (unknown.length > 0) return `unknown facet fields: ${unknown.join(', ')} (known: ${FACET_FIELDS.join(', ')})`;
  return list as FacetField[];
}
