// Type-only: the contracts' zod schemas stay out of the bundle.
import type { IncidentAck } from '../../../../../libs/contracts/src/ack.js';
import type { Incident } from '../../../../../libs/contracts/src/incident.js';
import type { K2Event } from '../../../../../libs/contracts/src/schema.js';

export type { Incident, IncidentAck, K2Event };

export interface Me {
  user: string;
  admin: boolean;
  grants: { cluster: string; namespace: string }[];
}

export interface Page<T> {
  items: T[];
  nextCursor?: string;
}

export interface Histogram {
  interval_ms: number;
  buckets: { start: string; count: number; warnings: number }[];
}

export interface FacetValue {
  value: string;
  count: number;
}

export interface Facets {
  facets: Record<string, FacetValue[]>;
}

export interface IncidentDetail {
  incident: Incident;
  history: Incident[];
  events: K2Event[];
  acks: IncidentAck[];
}

export interface TimelineItem {
  at: string;
  type: 'event' | 'oom' | 'incident';
  event?: K2Event;
  incident?: Incident;
}
