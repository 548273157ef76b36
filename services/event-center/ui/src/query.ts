import type { Params } from './api/client';

/** The event filters that may repeat, as the API and the page URL name them. */
export const FILTER_KEYS = [
  'cluster',
  'namespace',
  'kind',
  'name',
  'workload',
  'reason',
  'type',
  'source',
  'node',
] as const;
export type FilterKey = (typeof FILTER_KEYS)[number];

/** The facet panels, in the order shown. */
export const FACET_FIELDS = ['type', 'namespace', 'reason', 'kind', 'workload', 'cluster'] as const;
export type FacetField = (typeof FACET_FIELDS)[number];

export interface EventQuery {
  q: string;
  filters: Record<FilterKey, string[]>;
  from?: string;
  to?: string;
  sort: 'asc' | 'desc';
}

/** The event browser's query, read from its URL (the permalink). */
export function readEventQuery(search: URLSearchParams): EventQuery {
  const filters = Object.fromEntries(FILTER_KEYS.map((k) => [k, search.getAll(k)])) as Record<FilterKey, string[]>;
  return {
    q: search.get('q') ?? '',
    filters,
    from: search.get('from') ?? undefined,
    to: search.get('to') ?? undefined,
    sort: search.get('sort') === 'asc' ? 'asc' : 'desc',
  };
}

/** The API parameters of a query; `without` leaves one filter out (a facet's own). */
export function filterParams(query: EventQuery, without?: FilterKey): Params {
  const params: Params = { q: query.q || undefined, from: query.from, to: query.to };
  for (const key of FILTER_KEYS) if (key !== without) params[key] = query.filters[key];
  return params;
}

export const hasFilters = (query: EventQuery) =>
  query.q !== '' ||
  query.from !== undefined ||
  query.to !== undefined ||
  FILTER_KEYS.some((k) => query.filters[k].length);
