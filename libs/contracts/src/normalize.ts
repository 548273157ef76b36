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
  /** Timestamp candidates as [path, value], most telling first. */
  firstSeen: [string, Maybe<string>][];
  lastSeen: [string, Maybe<string>][];
}

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
    const created: [string, Maybe<string>] = ['metadata.creationTimestamp', e.metadata.creationTimestamp];
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
      firstSeen: [
        ['firstTimestamp', e.firstTimestamp],
        ['eventTime', e.eventTime],
        ['lastTimestamp', e.lastTimestamp],
        ['series.lastObservedTime', e.series?.lastObservedTime],
        created,
      ],
      lastSeen: [
        ['series.lastObservedTime', e.series?.lastObservedTime],
        ['lastTimestamp', e.lastTimestamp],
        ['eventTime', e.eventTime],
        ['firstTimestamp', e.firstTimestamp],
        created,
      ],
    });
  });
}

/** events.k8s.io/v1 Event (whose repeats are a `series`) → K2Event. Never throws. */
export function normalizeEventsV1Event(raw: unknown, ctx: NormalizeContext): NormalizeResult {
  const result = guarded(() => {
    const parsed = RawEventsV1Event.safeParse(raw);
    if (!parsed.success) return failure('events.k8s.io/v1 Event', parsed.error);
    const e = parsed.data;
    const created: [string, Maybe<string>] = ['metadata.creationTimestamp', e.metadata.creationTimestamp];
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
      firstSeen: [
        ['deprecatedFirstTimestamp', e.deprecatedFirstTimestamp],
        ['eventTime', e.eventTime],
        ['deprecatedLastTimestamp', e.deprecatedLastTimestamp],
        ['series.lastObservedTime', e.series?.lastObservedTime],
        created,
      ],
      lastSeen: [
        ['series.lastObservedTime', e.series?.lastObservedTime],
        ['deprecatedLastTimestamp', e.deprecatedLastTimestamp],
        ['eventTime', e.eventTime],
        ['deprecatedFirstTimestamp', e.deprecatedFirstTimestamp],
        created,
      ],
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
  const event: UnresolvedK2Event = {
    schemaVersion: SCHEMA_VERSION,
    id: eventId(ctx.cluster, f.uid, occurrence),
    cluster: ctx.cluster,
    // The API server files events about cluster-scoped objects (nodes) under "default".
    namespace: f.namespace || f.involved.namespace || 'default',
    involvedObject: {
      kind,
      name,
      uid: uid ?? '',
      ...(fieldPath ? { fieldPath } : {}),
      ...(apiVersion ? { apiVersion } : {}),
    },
    reason: f.reason ?? '',
    message: boundMessage(f.message ?? ''),
    type: eventType(f.type),
    source: { component: f.component ?? '', ...(f.host ? { host: f.host } : {}) },
    count: Math.max(f.count ?? 0, occurrence),
    occurrence,
    ...seen.times,
  };
  return { ok: true, event };
}

type Times = { ok: true; times: { firstSeen: string; lastSeen: string } } | { ok: false; error: string };

/** Every timestamp present must be valid, even one that a better candidate makes unnecessary. */
function resolveTimes(f: Fields, now: Date | undefined): Times {
  const iso = new Map<string, string | undefined>();
  for (const candidates of [f.firstSeen, f.lastSeen]) {
    for (const [path, value] of candidates) {
      // Both lists name the same fields, in different orders.
      if (iso.has(path)) continue;
      const parsed = parseKubeTime(value, path);
      if (!parsed.ok) return parsed;
      iso.set(path, parsed.iso);
    }
  }
  const pick = (candidates: [string, Maybe<string>][]) => {
    for (const [path] of candidates) {
      const time = iso.get(path);
      if (time !== undefined) return time;
    }
    return undefined;
  };
  let lastSeen = pick(f.lastSeen);
  if (lastSeen === undefined) {
    lastSeen = isoUtc(now ?? new Date());
    if (lastSeen === undefined) return { ok: false, error: 'context: now is not a valid date in the years 0000–9999' };
  }
  const firstSeen = pick(f.firstSeen) ?? lastSeen;
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
