import type { z } from 'zod';
import { eventId } from './ids.js';
import { isoUtc, parseKubeTime, RawCoreEvent, RawEventsV1Event, type RawObjectReference } from './kube.js';
import { boundMessage } from './message.js';
import { quickCoreEvent } from './quick-parse.js';
import { SCHEMA_VERSION, type K2Event } from './schema.js';
import { withWorkload, type UnresolvedK2Event } from './workload.js';

export interface NormalizeContext {
  cluster: string;
  /** Stands in for an event that carries no timestamp at all; defaults to the current time. */
  now?: Date;
}

/** A failure carries a readable reason, which the eventer puts on the dead-letter record. */
export type NormalizeResult = { ok: true; event: K2Event } | { ok: false; error: string };
export type UnresolvedResult = { ok: true; event: UnresolvedK2Event } | { ok: false; error: string };

type Maybe<T> = T | null | undefined;

/** What both Event APIs say, under one set of names. */
interface Fields {
  uid: string;
  namespace: Maybe<string>;
  involved: RawObjectReference;
  reason: Maybe<string>;
  message: Maybe<string>;
  type: Maybe<string>;
  component: Maybe<string>;
  host: Maybe<string>;
  count: Maybe<number>;
  seriesCount: Maybe<number>;
  times: Times<Maybe<string>>;
  /** Where each of `times` is in the event, for errors. */
  timePaths: Times<string>;
}

/** The timestamps an event may carry, under one set of names. */
interface Times<T> {
  first: T;
  event: T;
  last: T;
  series: T;
  created: T;
}

const CORE_TIME_PATHS: Times<string> = {
  first: 'firstTimestamp',
  event: 'eventTime',
  last: 'lastTimestamp',
  series: 'series.lastObservedTime',
  created: 'metadata.creationTimestamp',
};

const EVENTS_V1_TIME_PATHS: Times<string> = {
  first: 'deprecatedFirstTimestamp',
  event: 'eventTime',
  last: 'deprecatedLastTimestamp',
  series: 'series.lastObservedTime',
  created: 'metadata.creationTimestamp',
};

/** core/v1 Event → K2Event, with its involved object as its workload. Never throws. */
export function normalizeCoreEvent(raw: unknown, ctx: NormalizeContext): NormalizeResult {
  return ownWorkload(normalizeCoreEventUnresolved(raw, ctx));
}

/**
 * core/v1 Event → K2Event but for its workload, for a caller that resolves the owner itself (the
 * eventer): `withWorkload` completes it, so the fingerprint is computed once, not twice. Never throws.
 */
export function normalizeCoreEventUnresolved(raw: unknown, ctx: NormalizeContext): UnresolvedResult {
  return guarded(() => {
    let e = quickCoreEvent(raw);
    if (!e) {
      const parsed = RawCoreEvent.safeParse(raw);
      if (!parsed.success) return failure('core/v1 Event', parsed.error);
      e = parsed.data;
    }
    return build(ctx, {
      uid: e.metadata.uid,
      namespace: e.metadata.namespace,
      involved: e.involvedObject,
      reason: e.reason,
      message: e.message,
      type: e.type,
      component: e.source?.component || e.reportingComponent,
      host: e.source?.host,
      count: e.count,
      seriesCount: e.series?.count,
      times: {
        first: e.firstTimestamp,
        event: e.eventTime,
        last: e.lastTimestamp,
        series: e.series?.lastObservedTime,
        created: e.metadata.creationTimestamp,
      },
      timePaths: CORE_TIME_PATHS,
    });
  });
}

/** events.k8s.io/v1 Event (whose repeats are a `series`) → K2Event. Never throws. */
export function normalizeEventsV1Event(raw: unknown, ctx: NormalizeContext): NormalizeResult {
  const result = guarded(() => {
    const parsed = RawEventsV1Event.safeParse(raw);
    if (!parsed.success) return failure('events.k8s.io/v1 Event', parsed.error);
    const e = parsed.data;
    return build(ctx, {
      uid: e.metadata.uid,
      namespace: e.metadata.namespace,
      involved: e.regarding,
      reason: e.reason,
      message: e.note,
      type: e.type,
      component: e.reportingController || e.deprecatedSource?.component,
      host: e.deprecatedSource?.host,
      count: e.deprecatedCount,
      seriesCount: e.series?.count,
      times: {
        first: e.deprecatedFirstTimestamp,
        event: e.eventTime,
        last: e.deprecatedLastTimestamp,
        series: e.series?.lastObservedTime,
        created: e.metadata.creationTimestamp,
      },
      timePaths: EVENTS_V1_TIME_PATHS,
    });
  });
  return ownWorkload(result);
}

/** Until an owner is resolved, the event's workload is its involved object. */
function ownWorkload(result: UnresolvedResult): NormalizeResult {
  if (!result.ok) return result;
  const { kind, name } = result.event.involvedObject;
  return { ok: true, event: withWorkload(result.event, { kind, name }) };
}

function build(ctx: NormalizeContext, f: Fields): UnresolvedResult {
  if (typeof ctx?.cluster !== 'string' || ctx.cluster === '')
    return { ok: false, error: 'context: cluster must be a non-empty string' };
  const seen = resolveTimes(f, ctx.now);
  if (!seen.ok) return seen;

  // A series counts repeats of the event; without one, count does. Zero means "not set".
  const occurrence = f.seriesCount || f.count || 1;
  const { kind, name, uid, fieldPath, apiVersion } = f.involved;
  // Optional fields are added only when set, after the others: this is the order of the JSON.
  const involvedObject: UnresolvedK2Event['involvedObject'] = { kind, name, uid: uid ?? '' };
  if (fieldPath) involvedObject.fieldPath = fieldPath;
  if (apiVersion) involvedObject.apiVersion = apiVersion;
  const source: UnresolvedK2Event['source'] = { component: f.component ?? '' };
  if (f.host) source.host = f.host;
  const event: UnresolvedK2Event = {
    schemaVersion: SCHEMA_VERSION,
    id: eventId(ctx.cluster, f.uid, occurrence),
    cluster: ctx.cluster,
    // The API server files events about cluster-scoped objects (nodes) under "default".
    namespace: f.namespace || f.involved.namespace || 'default',
    involvedObject,
    reason: f.reason ?? '',
    message: boundMessage(f.message ?? ''),
    type: eventType(f.type),
    source,
    count: Math.max(f.count ?? 0, occurrence),
    occurrence,
    firstSeen: seen.times.firstSeen,
    lastSeen: seen.times.lastSeen,
  };
  return { ok: true, event };
}

type SeenTimes = { ok: true; times: { firstSeen: string; lastSeen: string } } | { ok: false; error: string };

/**
 * firstSeen prefers firstTimestamp, eventTime, lastTimestamp, series.lastObservedTime, then
 * creationTimestamp; lastSeen the series, lastTimestamp, eventTime, firstTimestamp, then
 * creationTimestamp. Every timestamp present must be valid, even one a better candidate makes
 * unnecessary; the first invalid one, in the firstSeen order, is the error.
 */
function resolveTimes(f: Fields, now: Date | undefined): SeenTimes {
  const { times, timePaths: paths } = f;
  const first = parseKubeTime(times.first, paths.first);
  if (!first.ok) return first;
  const event = parseKubeTime(times.event, paths.event);
  if (!event.ok) return event;
  const last = parseKubeTime(times.last, paths.last);
  if (!last.ok) return last;
  const series = parseKubeTime(times.series, paths.series);
  if (!series.ok) return series;
  const created = parseKubeTime(times.created, paths.created);
  if (!created.ok) return created;
  let lastSeen = series.iso ?? last.iso ?? event.iso ?? first.iso ?? created.iso;
  if (lastSeen === undefined) {
    lastSeen = isoUtc(now ?? new Date());
    if (lastSeen === undefined) return { ok: false, error: 'context: now is not a valid date in the years 0000–9999' };
  }
  const firstSeen = first.iso ?? event.iso ?? last.iso ?? series.iso ?? created.iso ?? lastSeen;
  // Reporters' clocks disagree; a first sighting after the last one is clamped, not rejected.
  return { ok: true, times: { firstSeen: firstSeen < lastSeen ? firstSeen : lastSeen, lastSeen } };
}

/** Kubernetes knows Normal and Warning; a type some controller invented is surfaced, not hidden. */
function eventType(type: Maybe<string>): K2Event['type'] {
  return !type || type.toLowerCase() === 'normal' ? 'Normal' : 'Warning';
}

function failure(what: string, error: z.ZodError): UnresolvedResult {
  const issues = error.issues.slice(0, 5).map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`);
  return { ok: false, error: `${what}: ${issues.join('; ')}` };
}

/** raw may be any object, including a proxy or getter that throws; that, too, is a bad event. */
function guarded(normalize: () => UnresolvedResult): UnresolvedResult {
  try {
    return normalize();
  } catch (err) {
    return { ok: false, error: `unreadable event: ${err instanceof Error ? err.message : 'non-Error thrown'}` };
  }
}
