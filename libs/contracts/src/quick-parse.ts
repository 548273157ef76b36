import type { z } from 'zod';
import type { RawCoreEvent } from './kube.js';

/*
 * zod takes a few microseconds to check a core/v1 Event, most of it generic machinery, and the
 * eventer checks every event it reads. This checks events of the usual shape as RawCoreEvent
 * does, reading every field once (as zod does, so a getter cannot answer twice), and builds the
 * same output; whatever it is not sure of it leaves to zod (undefined), which also says what is
 * wrong. A property test holds the two to the same answers.
 */

type Fields = Record<string, unknown>;

const isObject = (v: unknown): v is Fields => typeof v === 'object' && v !== null && !Array.isArray(v);
const isNullish = (v: unknown): v is null | undefined => v === null || v === undefined;
const optionalString = (v: unknown): boolean => isNullish(v) || typeof v === 'string';
const optionalCount = (v: unknown): boolean => isNullish(v) || (Number.isSafeInteger(v) && (v as number) >= 0);
const nonEmptyString = (v: unknown): boolean => typeof v === 'string' && v !== '';

/** What `RawCoreEvent.safeParse(raw).data` would be, or undefined when only zod can tell. */
export function quickCoreEvent(raw: unknown): z.infer<typeof RawCoreEvent> | undefined {
  if (!isObject(raw)) return undefined;
  const { apiVersion, kind, metadata, involvedObject, reason, message, type, source, count } = raw;
  const { firstTimestamp, lastTimestamp, eventTime, series, reportingComponent } = raw;
  if (!isObject(metadata) || !isObject(involvedObject)) return undefined;
  if (!(isNullish(source) || isObject(source)) || !(isNullish(series) || isObject(series))) return undefined;
  const { uid, namespace, creationTimestamp } = metadata;
  const ref = {
    kind: involvedObject.kind,
    name: involvedObject.name,
    uid: involvedObject.uid,
    namespace: involvedObject.namespace,
    fieldPath: involvedObject.fieldPath,
    apiVersion: involvedObject.apiVersion,
  };
  const src = isObject(source) ? { component: source.component, host: source.host } : (source as null | undefined);
  const ser = isObject(series)
    ? { count: series.count, lastObservedTime: series.lastObservedTime }
    : (series as null | undefined);
  const valid =
    (isNullish(apiVersion) || apiVersion === 'v1') &&
    (isNullish(kind) || kind === 'Event') &&
    nonEmptyString(uid) &&
    nonEmptyString(ref.kind) &&
    nonEmptyString(ref.name) &&
    optionalCount(count) &&
    optionalCount(ser?.count) &&
    [namespace, creationTimestamp, ref.uid, ref.namespace, ref.fieldPath, ref.apiVersion].every(optionalString) &&
    [reason, message, type, src?.component, src?.host, firstTimestamp, lastTimestamp].every(optionalString) &&
    [eventTime, ser?.lastObservedTime, reportingComponent].every(optionalString);
  if (!valid) return undefined;
  return {
    apiVersion,
    kind,
    metadata: { uid, namespace, creationTimestamp },
    involvedObject: ref,
    reason,
    message,
    type,
    source: src,
    count,
    firstTimestamp,
    lastTimestamp,
    eventTime,
    series: ser,
    reportingComponent,
  } as z.infer<typeof RawCoreEvent>;
}
