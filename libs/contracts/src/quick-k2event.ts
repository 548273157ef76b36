import { MAX_MESSAGE_BYTES } from './message.js';
import { K2Event } from './schema.js';

/*
 * zod takes several microseconds to check a K2Event, about as long as the converger takes to fold
 * it in (readers pass this to the bus with `withQuickCheck`). This checks parsed JSON events of the usual shape (no OOM details, no unknown fields) as
 * K2Event does, and hands the value on as it is, which is then what zod would make of it; whatever
 * it is not sure of it leaves to zod (undefined), which also strips unknown fields and says what
 * is wrong. A property test holds the two to the same answers, and another checks it knows every
 * field K2Event has.
 */

type Fields = Record<string, unknown>;

const HEX_ID = /^[0-9a-f]{32}$/;
/** No surrogate at all: then no lone one either, and at most 3 UTF-8 bytes a character. */
const NO_SURROGATES = /^[^\uD800-\uDFFF]*$/;
/** Characters short enough for the bytes K2Event allows a message, at 3 a surrogate-free character. */
const SHORT_MESSAGE = MAX_MESSAGE_BYTES / 3;

const isObject = (v: unknown): v is Fields => typeof v === 'object' && v !== null && !Array.isArray(v);
const nonEmpty = (v: unknown): v is string => typeof v === 'string' && v !== '';
const optionalString = (v: unknown, present: boolean): boolean => !present || typeof v === 'string';
const positiveInt = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) > 0;

/** Event times repeat (whole seconds, a few recent instants): each is judged by the schema's own check, once. */
const timeVerdicts = new Map<string, boolean>();
function isTime(v: unknown): v is string {
  if (typeof v !== 'string') return false;
  let ok = timeVerdicts.get(v);
  if (ok === undefined) {
    ok = K2Event.shape.lastSeen.safeParse(v).success;
    if (timeVerdicts.size >= 10_000) timeVerdicts.clear();
    timeVerdicts.set(v, ok);
  }
  return ok;
}

/** What `K2Event.safeParse(json).data` would be (json itself, which it equals), or undefined when only zod can tell. */
export function quickK2Event(json: unknown): K2Event | undefined {
  if (!isObject(json)) return undefined;
  const { schemaVersion, id, fingerprint, cluster, namespace, involvedObject, workload, reason, message } = json;
  const { type, source, count, occurrence, firstSeen, lastSeen, oom } = json;
  if (oom !== undefined || !isObject(involvedObject) || !isObject(workload) || !isObject(source)) return undefined;
  const { kind, name, uid, fieldPath, apiVersion } = involvedObject;
  const hasFieldPath = 'fieldPath' in involvedObject;
  const hasApiVersion = 'apiVersion' in involvedObject;
  const hasHost = 'host' in source;
  const valid =
    schemaVersion === 1 &&
    typeof id === 'string' &&
    HEX_ID.test(id) &&
    typeof fingerprint === 'string' &&
    HEX_ID.test(fingerprint) &&
    nonEmpty(cluster) &&
    nonEmpty(namespace) &&
    nonEmpty(kind) &&
    nonEmpty(name) &&
    typeof uid === 'string' &&
    optionalString(fieldPath, hasFieldPath) &&
    optionalString(apiVersion, hasApiVersion) &&
    nonEmpty(workload.kind) &&
    nonEmpty(workload.name) &&
    typeof reason === 'string' &&
    typeof message === 'string' &&
    message.length <= SHORT_MESSAGE &&
    NO_SURROGATES.test(message) &&
    (type === 'Normal' || type === 'Warning') &&
    typeof source.component === 'string' &&
    optionalString(source.host, hasHost) &&
    positiveInt(count) &&
    positiveInt(occurrence) &&
    isTime(firstSeen) &&
    isTime(lastSeen) &&
    // A field the schema does not know it would strip: then it makes the copy.
    ownFields(json, 15) &&
    ownFields(involvedObject, 3 + (hasFieldPath ? 1 : 0) + (hasApiVersion ? 1 : 0)) &&
    ownFields(workload, 2) &&
    ownFields(source, hasHost ? 2 : 1);
  return valid ? (json as K2Event) : undefined;
}

/** Whether `fields` has `count` properties of its own: none but the ones checked. */
function ownFields(fields: Fields, count: number): boolean {
  let n = 0;
  for (const key in fields) if (Object.hasOwn(fields, key)) n++;
  return n === count;
}
