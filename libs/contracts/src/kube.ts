import { z } from 'zod';
import { RecentCache } from './recent.js';

/*
 * The Kubernetes objects K2 reads, as lenient shapes: the API server omits or nulls unset fields,
 * so everything K2 can default is nullish here; what it cannot do without is required.
 * Timestamps stay strings and are checked by parseKubeTime.
 */

const optional = z.string().nullish();
const count = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER).nullish();

export const RawObjectReference = z.object({
  kind: z.string().min(1),
  name: z.string().min(1),
  uid: optional,
  namespace: optional,
  fieldPath: optional,
  apiVersion: optional,
});
export type RawObjectReference = z.infer<typeof RawObjectReference>;

const metadata = z.object({
  uid: z.string().min(1),
  namespace: optional,
  creationTimestamp: optional,
});

const series = z.object({ count, lastObservedTime: optional }).nullish();

/** core/v1 Event. */
export const RawCoreEvent = z.object({
  apiVersion: z.literal('v1').nullish(),
  kind: z.literal('Event').nullish(),
  metadata,
  involvedObject: RawObjectReference,
  reason: optional,
  message: optional,
  type: optional,
  source: z.object({ component: optional, host: optional }).nullish(),
  count,
  firstTimestamp: optional,
  lastTimestamp: optional,
  eventTime: optional,
  series,
  reportingComponent: optional,
});

/** events.k8s.io/v1 Event (v1beta1 has the same fields). */
export const RawEventsV1Event = z.object({
  apiVersion: z.enum(['events.k8s.io/v1', 'events.k8s.io/v1beta1']).nullish(),
  kind: z.literal('Event').nullish(),
  metadata,
  regarding: RawObjectReference,
  reason: optional,
  note: optional,
  type: optional,
  reportingController: optional,
  eventTime: optional,
  series,
  deprecatedSource: z.object({ component: optional, host: optional }).nullish(),
  deprecatedFirstTimestamp: optional,
  deprecatedLastTimestamp: optional,
  deprecatedCount: count,
});

// RFC 3339 as Kubernetes writes Time ("…T00:02:00Z") and MicroTime ("…T00:02:00.123456Z").
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d{1,9})?(?:Z|[+-](?:[01]\d|2[0-3]):[0-5]\d)$/;

/** Go's zero time, which some clients write instead of leaving a timestamp out. */
const GO_ZERO_TIME = /^0001-01-01T00:00:00(?:\.0+)?Z$/;

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** Date.parse alone would roll 2026-02-30 over to March and accept 24:00; refuse both. */
function validFields(m: RegExpExecArray): boolean {
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  return (
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    day <= daysInMonth(year, month) &&
    hour <= 23 &&
    minute <= 59 &&
    second <= 59
  );
}

/**
 * ISO 8601 in UTC, or undefined for an invalid date or one outside the years 0000–9999, which
 * toISOString would write with a sign (an offset can push 0000-01-01 there) and no consumer expects.
 */
export function isoUtc(date: Date): string | undefined {
  if (Number.isNaN(date.getTime())) return undefined;
  const iso = date.toISOString();
  return /^\d{4}-/.test(iso) ? iso : undefined;
}

type KubeTime = { ok: true; iso: string | undefined } | { ok: false; error: string };

/**
 * Valid timestamps and their ISO form: events in a burst share their (second-precision) times,
 * and one event's timestamps are often all the same, so the last one is checked before the cache.
 */
const parsedTimes = new RecentCache<string, string>(1024);
let lastTime = { value: '', iso: '' };

/** Parses an optional Kubernetes timestamp to ISO UTC; present but invalid is an error, not a guess. */
export function parseKubeTime(value: string | null | undefined, path: string): KubeTime {
  if (value == null || value === '') return { ok: true, iso: undefined };
  if (value === lastTime.value) return { ok: true, iso: lastTime.iso };
  if (GO_ZERO_TIME.test(value)) return { ok: true, iso: undefined };
  let iso = parsedTimes.get(value);
  if (iso !== undefined) {
    lastTime = { value, iso };
    return { ok: true, iso };
  }
  const m = RFC3339.exec(value);
  iso = m && validFields(m) ? isoUtc(new Date(value)) : undefined;
  if (iso === undefined) {
    return { ok: false, error: `${path}: not an RFC 3339 timestamp: ${JSON.stringify(value.slice(0, 64))}` };
  }
  parsedTimes.set(value, iso);
  lastTime = { value, iso };
  return { ok: true, iso };
}
