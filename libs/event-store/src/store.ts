import type { IncidentAck, Incident, K2Event } from '@k2/contracts';

/** What one user may read: a cluster and one namespace of it, or every namespace (`*`). */
export interface Grant {
  cluster: string;
  namespace: string;
}

/**
 * Which events a query covers. Every list is OR within itself and AND with the others.
 * `scope` is the caller's grants (OR); undefined means everything (admins, internal use).
 */
export interface EventFilter {
  scope?: readonly Grant[];
  clusters?: readonly string[];
  namespaces?: readonly string[];
  /** Kind of the involved object (Pod, Node, ...). */
  kinds?: readonly string[];
  /** Name of the involved object. */
  names?: readonly string[];
  /** Name of the owning workload. */
  workloads?: readonly string[];
  /** The owning workload by kind and name (timelines, incident details). */
  workloadRef?: { kind: string; name: string };
  /** An object named either as the involved object or as the owning workload. */
  objectOrWorkload?: { kind: string; name: string };
  reasons?: readonly string[];
  types?: readonly string[];
  /** source.component */
  sources?: readonly string[];
  /** The node: source.host, or the OOM kill's node. */
  nodes?: readonly string[];
  /** Full text on the message: every word must occur. */
  q?: string;
  /** Inclusive bounds on lastSeen (ISO). */
  from?: string;
  /** Exclusive bound on lastSeen (ISO). */
  to?: string;
}

export interface SearchRequest extends EventFilter {
  sort?: 'asc' | 'desc';
  limit?: number;
  /** From a previous page's nextCursor; the filter and sort must be the same. */
  cursor?: string;
}

export interface Page<T> {
  items: T[];
  nextCursor?: string;
}

export interface HistogramRequest extends EventFilter {
  from: string;
  to: string;
  buckets: number;
}

export interface Histogram {
  interval_ms: number;
  buckets: { start: string; count: number; warnings: number }[];
}

export const FACET_FIELDS = ['cluster', 'namespace', 'kind', 'workload', 'reason', 'type', 'source', 'node'] as const;
export type FacetField = (typeof FACET_FIELDS)[number];
export type Facets = Partial<Record<FacetField, { value: string; count: number }[]>>;

export interface IncidentQuery {
  scope?: readonly Grant[];
  status?: readonly string[];
  clusters?: readonly string[];
  namespaces?: readonly string[];
  severities?: readonly string[];
  classes?: readonly string[];
  /** Incidents of this workload, or naming this object among the affected. */
  object?: { kind: string; name: string };
  limit?: number;
  cursor?: string;
}

export interface UsageRecord {
  at: string;
  user: string;
  action: string;
  detail: Record<string, unknown>;
}

export interface UsageQuery {
  user?: string;
  action?: string;
  from?: string;
  to?: string;
  limit?: number;
}

export interface UsageReport {
  items: UsageRecord[];
  byAction: { action: string; count: number }[];
  byUser: { user: string; count: number }[];
}

/** An event the store refused for good (a mapping conflict, a document too large): it goes to the DLQ. */
export interface Rejected {
  event: K2Event;
  reason: string;
}

/**
 * Where the event center keeps what it serves. Writes are idempotent: an event id or an
 * (incident id, seq) pair stored twice is stored once. A write that resolves is durable; a
 * write that throws stored nothing for sure and may be retried whole.
 */
export interface EventStore {
  readonly kind: 'sqlite' | 'elasticsearch';
  /** Creates tables, templates and indices that are missing. */
  init(): Promise<void>;
  /** True when the store answers; false when it is down (writers pause). */
  ping(): Promise<boolean>;
  writeEvents(events: readonly K2Event[]): Promise<{ rejected: Rejected[] }>;
  /** Keeps every record (history); the one with the highest seq is the incident's state. */
  writeIncidents(records: readonly Incident[]): Promise<void>;
  writeAck(ack: IncidentAck): Promise<void>;
  recordUsage(record: UsageRecord): Promise<void>;
  /** Makes everything written so far visible to searches (Elasticsearch refreshes; SQLite already is). */
  refresh(): Promise<void>;

  search(request: SearchRequest): Promise<Page<K2Event>>;
  getEvent(id: string, scope?: readonly Grant[]): Promise<K2Event | undefined>;
  /** Earliest and latest lastSeen of the matching events; undefined when none match. */
  timeBounds(filter: EventFilter): Promise<{ from: string; to: string } | undefined>;
  histogram(request: HistogramRequest): Promise<Histogram>;
  facets(filter: EventFilter, fields: readonly FacetField[], size?: number): Promise<Facets>;

  /** Latest record per incident, most recently seen first. */
  incidents(query: IncidentQuery): Promise<Page<Incident>>;
  /** Every record of one incident, oldest first; empty when absent or out of scope. */
  incidentHistory(id: string, scope?: readonly Grant[]): Promise<Incident[]>;
  acks(incidentId: string): Promise<IncidentAck[]>;
  usage(query: UsageQuery): Promise<UsageReport>;

  /** Deletes events last seen before `before`; returns how many (Elasticsearch: whole daily indices). */
  purge(before: Date): Promise<number>;
  close(): Promise<void>;
}

/** Thrown by writes when the store cannot be reached: nothing was stored, try again later. */
export class StoreUnavailableError extends Error {
  override readonly name = 'StoreUnavailableError';
}
