import { SEVERITIES, type IncidentTransition, type ProblemClass, type Severity } from '@k2/contracts';
import { addObject, estimateDistinct, mergeBitmaps, newBitmap } from './distinct.js';
import type { Observation } from './observation.js';

/*
 * One problem class on one workload: the aggregates an incident is built from. Times are event
 * times in ms. Aggregates are min/max/sums that do not care in which order occurrences arrive.
 * Every track (and affected entry) is created with all its fields, unset ones undefined, and
 * fields are cleared, never deleted: objects of one shape keep their fields in place, which
 * halves the memory per active problem (see `npm run bench -- converger`).
 */

export interface Affected {
  kind: string;
  name: string;
  container?: string;
  node?: string;
  /** Occurrences of the track's own class here: Kubernetes' count (max seen), or one per OOM kill; effects add none. */
  count: number;
  /** A recovery signal came after its last occurrence. */
  ok?: true;
}

export interface Track {
  /** pending: held, not published; open; resolved: kept for the reopen window. */
  status: 'pending' | 'open' | 'resolved';
  first: number;
  last: number;
  /** Distinct events folded in, effects included. */
  count: number;
  affected: Affected[];
  /** Every object ever affected, once `affected` overflowed (see distinct.ts). */
  bitmap?: number[];
  /** otherAffected as a restored record gave it; the bitmap starts afresh after a restore. */
  otherFloor?: number;
  /** The class's own last occurrence (not an effect's): effects within the cause window fold in. */
  causeLast: number;
  /** Has killed a container, so it can cause restarts (see cause rules' onlyKills). */
  kills?: true;
  /** Replaced, never changed in place: tracks without effects share one empty list. */
  effects: readonly ProblemClass[];
  severity: Severity;
  /** The episode that hold and threshold judge: occurrences since the track began or last resolved. */
  epFirst: number;
  epLast: number;
  epOcc: number;
  epEvents: number;
  /** Published: number, time and kind of the last record; changes since. */
  seq: number;
  recordAt: number;
  transition?: IncidentTransition;
  dirty?: true;
  /** Replaced, never changed in place, as effects. */
  reopenTimes: readonly number[];
  flapping?: true;
  resolvedAt?: number;
  /** Restored from a record that already counted everything up to this time. */
  known?: number;
  /** The incident id, once a record was made (hashing it takes longer than the rest of a record). */
  id?: string;
}

/** The empty list of effects or reopen times: most tracks have none, and each would hold one. */
export const NONE: readonly never[] = Object.freeze([]);

export function newTrack(at: number, severity: Severity): Track {
  return makeTrack({
    status: 'pending',
    first: at,
    last: at,
    count: 0,
    affected: [],
    causeLast: at,
    effects: NONE,
    severity,
    epFirst: at,
    epLast: at,
    epOcc: 0,
    epEvents: 0,
    seq: 0,
    recordAt: at,
    reopenTimes: NONE,
  });
}

/** A track with every field in one order, optional ones undefined when not given. */
export function makeTrack(t: Track): Track {
  return {
    status: t.status,
    first: t.first,
    last: t.last,
    count: t.count,
    affected: t.affected,
    bitmap: t.bitmap,
    otherFloor: t.otherFloor,
    causeLast: t.causeLast,
    kills: t.kills,
    effects: t.effects,
    severity: t.severity,
    epFirst: t.epFirst,
    epLast: t.epLast,
    epOcc: t.epOcc,
    epEvents: t.epEvents,
    seq: t.seq,
    recordAt: t.recordAt,
    transition: t.transition,
    dirty: t.dirty,
    reopenTimes: t.reopenTimes,
    flapping: t.flapping,
    resolvedAt: t.resolvedAt,
    known: t.known,
    id: t.id,
  };
}

/** An affected entry with every field, in one order. */
export function makeAffected(kind: string, name: string, count: number, container?: string, node?: string): Affected {
  return { kind, name, container: intern(container), node: intern(node), count, ok: undefined };
}

/** Node and container names recur across every workload: one copy each. */
const names = new Map<string, string>();
function intern(s: string | undefined): string | undefined {
  if (s === undefined) return undefined;
  const known = names.get(s);
  if (known !== undefined) return known;
  if (names.size >= 50_000) names.clear();
  names.set(s, s);
  return s;
}

/** A recurrence after a resolve: hold and threshold start over, the incident's totals do not. */
export function startEpisode(track: Track, at: number): void {
  track.status = 'pending';
  track.epFirst = at;
  track.epLast = at;
  track.epOcc = 0;
  track.epEvents = 0;
}

export function higher(a: Severity, b: Severity): Severity {
  return SEVERITIES.indexOf(a) >= SEVERITIES.indexOf(b) ? a : b;
}

export function distinctAffected(track: Track): number {
  const named = track.affected.length;
  const estimated = track.bitmap ? Math.max(estimateDistinct(track.bitmap) - named, 0) : 0;
  return named + Math.max(estimated, track.otherFloor ?? 0);
}

function addEffect(track: Track, effect: ProblemClass): void {
  if (!track.effects.includes(effect)) track.effects = [...track.effects, effect].sort();
}

/** What an occurrence says about its object; an effect's occurrences name the object but count 0. */
interface Sighting {
  kind: string;
  name: string;
  container?: string;
  node?: string;
  count: number;
  oom: boolean;
}

function findAffected(track: Track, kind: string, name: string): Affected | undefined {
  for (const a of track.affected) if (a.name === name && a.kind === kind) return a;
  return undefined;
}

/**
 * Counts an occurrence on an object and returns how many occurrences of the track's own class it
 * added. The list keeps the `max` objects with most occurrences; one that does not make it is only
 * counted. Effects name their objects without counting: "3 kills" stays 3 kills, whatever
 * back-offs they caused.
 */
function addOccurrence(track: Track, o: Sighting, effect: boolean, max: number): number {
  const entry = findAffected(track, o.kind, o.name);
  if (track.bitmap) addObject(track.bitmap, o.kind, o.name);
  const own = effect ? 0 : o.oom ? 1 : o.count;
  if (entry) {
    const count = effect ? entry.count : o.oom ? entry.count + 1 : Math.max(entry.count, o.count);
    const added = count - entry.count;
    entry.count = count;
    entry.ok = undefined;
    if (o.container) entry.container ??= intern(o.container);
    if (o.node) entry.node ??= intern(o.node);
    return added;
  }
  const fresh = makeAffected(o.kind, o.name, own, o.container, o.node);
  if (track.affected.length < max) {
    // At its exact length, as the seen ids: most tracks name a few objects.
    track.affected = track.affected.concat(fresh);
    return fresh.count;
  }
  addObject(bitmapOf(track), fresh.kind, fresh.name);
  let least = 0;
  track.affected.forEach((a, i) => {
    if (a.count <= track.affected[least]!.count) least = i;
  });
  if (fresh.count > track.affected[least]!.count) track.affected[least] = fresh;
  // Its earlier occurrences are unknown once it left the list; this one counts.
  return Math.min(own, 1);
}

/** The track's bitmap, created on overflow from the objects named so far. */
function bitmapOf(track: Track): number[] {
  if (!track.bitmap) {
    track.bitmap = newBitmap();
    for (const a of track.affected) addObject(track.bitmap, a.kind, a.name);
  }
  return track.bitmap;
}

/** Folds one occurrence in; `effect` names the class when it is an effect of this track's class. */
export function fold(track: Track, o: Observation, effect: ProblemClass | undefined, maxAffected: number): void {
  track.count++;
  track.first = Math.min(track.first, o.at);
  track.last = Math.max(track.last, o.at);
  track.epFirst = Math.min(track.epFirst, o.at);
  track.epLast = Math.max(track.epLast, o.at);
  track.epEvents++;
  if (effect === undefined) {
    track.causeLast = Math.max(track.causeLast, o.at);
    if (o.verdict.kind === 'problem' && o.verdict.kills) track.kills = true;
  } else addEffect(track, effect);
  track.epOcc += addOccurrence(track, o, effect !== undefined, maxAffected);
  track.dirty = true;
}

/** Folds an effect's whole track into its cause's: its events and objects, not its occurrence counts. */
export function merge(into: Track, from: Track, effect: ProblemClass, maxAffected: number): void {
  into.count += from.count;
  into.first = Math.min(into.first, from.first);
  into.last = Math.max(into.last, from.last);
  into.epFirst = Math.min(into.epFirst, from.epFirst);
  into.epLast = Math.max(into.epLast, from.epLast);
  into.epEvents += from.epEvents;
  into.severity = higher(into.severity, from.severity);
  for (const e of [effect, ...from.effects]) addEffect(into, e);
  if (from.bitmap) mergeBitmaps(bitmapOf(into), from.bitmap);
  for (const a of from.affected) addOccurrence(into, { ...a, oom: false }, true, maxAffected);
  into.dirty = true;
}
