import {
  INCIDENT_SCHEMA_VERSION,
  incidentId,
  type AffectedObject,
  type Incident,
  type IncidentTransition,
  type ProblemClass,
} from '@k2/contracts';
import { groupRef } from './observation.js';
import { summarize } from './summary.js';
import { distinctAffected, makeAffected, makeTrack, NONE, type Affected, type Track } from './track.js';

/*
 * Tracks to Incident records and back. A record is all that k2.incidents keeps of an incident, so
 * a track rebuilt from one continues where the record left off: same status, totals and seq.
 */

/** Records repeat a few instants (event times are whole seconds): each formatted once, while it recurs. */
const formatted = new Map<number, string>();
function iso(ms: number): string {
  let text = formatted.get(ms);
  if (text === undefined) {
    if (formatted.size >= 10_000) formatted.clear();
    text = new Date(ms).toISOString();
    formatted.set(ms, text);
  }
  return text;
}

/** The id as a string of its own: V8 keeps a slice of the hex digest as a view of all 64 characters. */
function ownCopy(id: string): string {
  return Buffer.from(id, 'latin1').toString('latin1');
}

/**
 * seq rises with every record, and also when the converger has forgotten the incident (state
 * expired, lost): a record's seq is at least its time in ms × 1000. Safe integers until 2255.
 */
export function nextSeq(track: Track, at: number): number {
  return Math.max(track.seq + 1, at * 1000);
}

export interface RecordExtras {
  cause?: ProblemClass;
  supersededBy?: string;
}

export function toIncident(
  key: string,
  problemClass: ProblemClass,
  track: Track,
  transition: IncidentTransition,
  at: number,
  reopenWindowMs: number,
  extras: RecordExtras = {},
): Incident {
  const ref = groupRef(key);
  const affected = track.affected.map(affectedObject);
  if (affected.length > 1) affected.sort(mostFirst);
  const otherAffected = distinctAffected(track) - affected.length;
  const firstSeen = iso(track.first);
  const flapping = track.flapping === true;
  const cause = extras.cause ?? (track.effects.length > 0 ? problemClass : undefined);
  const record: Incident = {
    schemaVersion: INCIDENT_SCHEMA_VERSION,
    id: (track.id ??= ownCopy(incidentId(ref.cluster, ref.namespace, ref.workload, problemClass))),
    cluster: ref.cluster,
    namespace: ref.namespace,
    workload: ref.workload,
    class: problemClass,
    status: track.status === 'open' ? 'open' : 'resolved',
    severity: track.severity,
    firstSeen,
    lastSeen: iso(track.last),
    count: track.count,
    affected,
    otherAffected,
    flapping,
    reopens: countWithin(track.reopenTimes, at - reopenWindowMs),
    summary: summarize(ref, {
      problemClass,
      count: track.count,
      affected,
      otherAffected,
      firstSeen,
      effects: track.effects,
      flapping,
    }),
    transition,
    transitionAt: iso(at),
    seq: track.seq,
    effects: track.effects.length > 0 ? [...track.effects] : [],
  };
  // Set afterwards rather than spread in: a literal with spreads is built as a copy of a copy.
  if (cause) record.cause = cause;
  if (extras.supersededBy) record.supersededBy = extras.supersededBy;
  // Frozen, as records are never changed: the in-process bus then encodes one only if it is read.
  return Object.freeze(record);
}

/** How many of `times` are at or after `from`. */
function countWithin(times: readonly number[], from: number): number {
  let n = 0;
  for (const t of times) if (t >= from) n++;
  return n;
}

function affectedObject({ kind, name, count, container, node }: Affected): AffectedObject {
  const out: AffectedObject = { kind, name, count };
  if (container) out.container = container;
  if (node) out.node = node;
  return out;
}

/** Most occurrences first, then by name. */
function mostFirst(a: AffectedObject, b: AffectedObject): number {
  return b.count - a.count || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
}

/** The track a record describes; what the record does not carry starts empty. */
export function fromIncident(record: Incident): Track {
  const at = Date.parse(record.transitionAt);
  const first = Date.parse(record.firstSeen);
  const last = Date.parse(record.lastSeen);
  const open = record.status === 'open';
  return makeTrack({
    status: open ? 'open' : 'resolved',
    first,
    last,
    count: record.count,
    affected: record.affected.map((a) => makeAffected(a.kind, a.name, a.count, a.container, a.node)),
    ...(record.otherAffected > 0 ? { otherFloor: record.otherAffected } : {}),
    causeLast: last,
    // Whether a probe failure killed is not recorded; one that absorbed effects evidently did.
    ...(record.class === 'oom_kill' || record.effects.length > 0 ? { kills: true as const } : {}),
    effects: record.effects.length > 0 ? [...record.effects] : NONE,
    severity: record.severity,
    epFirst: last,
    epLast: last,
    epOcc: 0,
    epEvents: 0,
    seq: record.seq,
    recordAt: at,
    transition: record.transition,
    reopenTimes: record.reopens > 0 ? new Array<number>(record.reopens).fill(at) : NONE,
    ...(record.flapping ? { flapping: true as const } : {}),
    ...(open ? {} : { resolvedAt: at }),
    known: last,
  });
}
