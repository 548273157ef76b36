import {
  INCIDENT_SCHEMA_VERSION,
  incidentId,
  type Incident,
  type IncidentTransition,
  type ProblemClass,
} from '@k2/contracts';
import { groupRef } from './observation.js';
import { summarize } from './summary.js';
import { distinctAffected, makeAffected, makeTrack, type Track } from './track.js';

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
  const affected = [...track.affected]
    .sort((a, b) => b.count - a.count || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map(({ kind, name, count, container, node }) => ({
      kind,
      name,
      count,
      ...(container ? { container } : {}),
      ...(node ? { node } : {}),
    }));
  const otherAffected = distinctAffected(track) - affected.length;
  const firstSeen = iso(track.first);
  const flapping = track.flapping === true;
  const cause = extras.cause ?? (track.effects.length > 0 ? problemClass : undefined);
  return {
    schemaVersion: INCIDENT_SCHEMA_VERSION,
    id: incidentId(ref.cluster, ref.namespace, ref.workload, problemClass),
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
    reopens: track.reopenTimes.filter((t) => at - t <= reopenWindowMs).length,
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
    ...(cause ? { cause } : {}),
    effects: track.effects,
    ...(extras.supersededBy ? { supersededBy: extras.supersededBy } : {}),
  };
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
    effects: [...record.effects],
    severity: record.severity,
    epFirst: last,
    epLast: last,
    epOcc: 0,
    epEvents: 0,
    seq: record.seq,
    recordAt: at,
    transition: record.transition,
    reopenTimes: new Array<number>(record.reopens).fill(at),
    ...(record.flapping ? { flapping: true as const } : {}),
    ...(open ? {} : { resolvedAt: at }),
    known: last,
  });
}
