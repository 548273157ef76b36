export { clampLimit, InvalidQueryError, matchesFilter, inScope, DEFAULT_LIMIT, MAX_LIMIT } from './common.js';
export { ElasticsearchEventStore, type ElasticsearchStoreOptions } from './elasticsearch/store.js';
export { SqliteEventStore, type SqliteStoreOptions } from './sqlite/store.js';
export {
  FACET_FIELDS,
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
} from './store.js';
