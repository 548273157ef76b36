import { incidentId, type Incident, type K2Event, type ProblemClass } from '@k2/contracts';
import { absorbHeldEffects, causeOf, supersedeOpenEffects, type Tracks } from './cause.js';
import { classify } from './classify.js';
import { Deadlines, rankOf, type Scheduled } from './deadlines.js';
import { EventBuffer } from './buffer.js';
import { groupKey, groupRef, observe, type Observation } from './observation.js';
import { defaultPolicy, type ClassPolicy, type Policy } from './policy.js';
import { fromIncident, nextSeq, toIncident, type RecordExtras } from './record.js';
import { distinctAffected, fold, higher, newTrack, NONE, startEpisode, type Track } from './track.js';

/*
 * The converger's state machine. Pure and deterministic: time is event time, and only the caller
 * moves it, with tick(watermark) — "no event older than this is still to come". Events newer than
 * the watermark wait in a buffer; tick folds them in and fires the time rules in one event-time
 * order. Events only fold into aggregates; every transition is decided by a deadline, and a
 * deadline fires after all events of its instant. So any delivery order of the same events,
 * duplicates included, yields the same transitions, however finely the caller ticks. An event
 * older than the watermark (a late one) is folded in at once and judged at the watermark.
 *
 * Per workload (cluster, namespace, workload or object), one track per problem class:
 *   pending  → (cleared)  all affected objects recovered, or (no recovery signals) no occurrence
 *                         for a whole hold: nothing was published, and nothing is
 *   pending  → open       the hold is met: hold 0, openAfterCount occurrences, occurrences spanning
 *                         the hold, or (classes with recovery signals) the hold passed unrecovered
 *   open     → resolved   all affected objects recovered, or quiet for quietSeconds
 *   resolved → pending    a recurrence; when it meets the hold again: reopened (same id) within
 *                         the reopen window, opened after it; 3 reopens in the window: flapping
 *   resolved → (forgotten) after the reopen window
 * While open, growth goes out as `updated` at most once per updateIntervalSeconds (the record
 * carries all of it), and `escalated` at once when the severity rises.
 */

/** A workload's tracks; queued (by key, the groups map's own string) for its next due rule. */
interface Group extends Scheduled {
  /** The first 48 bits of the ids of the last problem events, newest last: a redelivery changes nothing. */
  seen: number[];
  tracks: Tracks;
}

function newGroup(key: string): Group {
  return { key, rank: rankOf(key), due: undefined, slot: -1, seen: [], tracks: {} };
}

export interface ConvergerCounters {
  /** K2Events applied. */
  events: number;
  /** Ignored: a benign reason, or a Normal event that is no problem. */
  benign: number;
  normal: number;
  /** Seen before (same id), or already counted by a restored record. */
  duplicate: number;
  /** Late, and about a problem that would be over by now. */
  stale: number;
  /** Folded into conditions that cleared within their hold. */
  held: number;
  /** Arrived behind the watermark. */
  late: number;
}

export class Converger {
  private readonly groups = new Map<string, Group>();
  private readonly buffer = new EventBuffer();
  private readonly deadlines = new Deadlines<Group>();
  private clock = -Infinity;
  private out: Incident[] = [];
  readonly counters: ConvergerCounters = { events: 0, benign: 0, normal: 0, duplicate: 0, stale: 0, held: 0, late: 0 };

  constructor(private readonly policy: Policy = defaultPolicy()) {}

  /** The last watermark passed to tick (or restored), in ms. */
  get watermark(): number {
    return this.clock;
  }

  /** Events waiting for the watermark. */
  get buffered(): number {
    return this.buffer.size;
  }

  /** Takes one event in; transitions come out of tick, or at once for a late event. */
  apply(event: K2Event): Incident[] {
    this.counters.events++;
    const verdict = classify(event, this.policy);
    if (verdict.kind === 'ignored') {
      this.counters[verdict.why]++;
      return [];
    }
    const o = observe(event, verdict);
    // A copy of a buffered event comes out of the buffer right after it, and is seen as a duplicate then.
    if (o.at > this.clock) {
      this.buffer.push(o);
      return [];
    }
    this.counters.late++;
    this.process(o, this.clock);
    return this.tick(this.clock);
  }

  /** Moves the watermark to `now` (ms), processing everything due by then in event-time order. */
  tick(now: number): Incident[] {
    if (!Number.isFinite(now)) throw new RangeError(`tick: the watermark must be a finite time in ms, not ${now}`);
    for (;;) {
      const at = this.buffer.first;
      const group = this.deadlines.peek();
      const due = group?.due ?? Infinity;
      // At the same instant, events go first: a deadline sees everything that happened by then.
      // Their rules fire no earlier than their instant, so an instant's events go in one run.
      if (at <= now && at <= due) {
        this.clock = Math.max(this.clock, at);
        for (const event of this.buffer.take()) this.process(event, at);
      } else if (group && due <= now) {
        this.deadlines.pop();
        this.clock = Math.max(this.clock, due);
        this.fire(group, due);
      } else break;
    }
    this.clock = Math.max(this.clock, now);
    return this.flush();
  }

  /** Approximate bytes of state kept between events (JSON length), buffer excluded. */
  stateSize(): number {
    let bytes = 0;
    for (const [key, group] of this.groups)
      bytes += key.length + JSON.stringify([group.seen, group.tracks, group.due]).length;
    return bytes;
  }

  /** The current record of every incident still remembered: what k2.incidents holds once updates are flushed. */
  snapshot(): Incident[] {
    const records: Incident[] = [];
    for (const [key, group] of this.groups) {
      for (const [cls, track] of this.tracksOf(group)) {
        if (track.seq > 0 && track.transition)
          records.push(this.record(key, cls, track, track.transition, track.recordAt));
      }
    }
    return records;
  }

  /**
   * Rebuilds state from the last record per incident id (k2.incidents after a restart), on a
   * fresh converger. Open incidents stay open and resolved ones can reopen; events the records
   * already counted (up to their lastSeen) are not counted again when the tail is replayed.
   * With `advanceClock` false the watermark stays where it is, so a replayed tail older than the
   * records is judged in event time, as it was the first time.
   */
  restore(records: readonly Incident[], advanceClock = true): void {
    const latest = new Map<string, Incident>();
    for (const r of records) if ((latest.get(r.id)?.seq ?? 0) < r.seq) latest.set(r.id, r);
    for (const r of latest.values()) {
      const key = groupKey(r);
      const group = this.groups.get(key) ?? newGroup(key);
      this.groups.set(key, group);
      group.tracks[r.class] = fromIncident(r);
      if (advanceClock) this.clock = Math.max(this.clock, Date.parse(r.transitionAt));
    }
    for (const group of this.groups.values()) this.reschedule(group, this.clock);
  }

  // ---- events --------------------------------------------------------------------------------

  private process(o: Observation, now: number): void {
    if (o.verdict.kind === 'recovery') this.recover(o, o.verdict.reason, now);
    else this.problem(o, o.verdict.class, now);
  }

  private problem(o: Observation, cls: ProblemClass, now: number): void {
    // A number, not a string: an array of them holds plain doubles.
    const short = o.short;
    const existing = this.groups.get(o.key);
    if (existing?.seen.includes(short)) {
      this.counters.duplicate++;
      return;
    }
    const claim = existing && causeOf(this.policy, existing.tracks, cls, o.at);
    const owner = claim?.cls ?? cls;
    let track = existing?.tracks[owner];
    if (!track && now - o.at >= this.classFor(cls).quietSeconds * 1000) {
      this.counters.stale++;
      return;
    }
    if (track?.known !== undefined && o.at <= track.known) {
      this.counters.duplicate++;
      return;
    }
    let group = existing;
    if (!group) this.groups.set(o.key, (group = newGroup(o.key)));
    // Copied at their exact length: a pushed-to array keeps spare room, per group.
    const kept = group.seen.length >= this.policy.limits.seenIds ? group.seen.slice(1) : group.seen;
    group.seen = kept.concat(short);
    track ??= group.tracks[owner] = newTrack(o.at, this.classFor(owner).severity);

    const effect = claim ? cls : undefined;
    if (track.status === 'resolved') {
      // Late news of the episode already resolved: it counts, but reopens nothing.
      if (o.at <= track.resolvedAt!) {
        fold(track, o, effect, this.policy.limits.maxAffected);
        return;
      }
      startEpisode(track, o.at);
    }
    fold(track, o, effect, this.policy.limits.maxAffected);
    if (!claim) absorbHeldEffects(this.policy, group.tracks, cls, track);
    this.reschedule(group, now);
  }

  /** A recovery signal marks its object well; when all affected objects are, the condition is over. */
  private recover(o: Observation, reason: string, now: number): void {
    const group = this.groups.get(o.key);
    if (!group) return;
    for (const [cls, track] of this.tracksOf(group)) {
      // Older than the latest occurrence (a late signal), it says nothing about now.
      if (track.status === 'resolved' || o.at < track.epLast) continue;
      if (!this.classFor(cls).recovery.includes(reason)) continue;
      for (const a of track.affected) if (a.name === o.name && a.kind === o.kind) a.ok = true;
    }
    this.reschedule(group, now);
  }

  // ---- time ----------------------------------------------------------------------------------

  /** Applies every rule of the group's tracks that is due at `at`; see dueOf, which must agree. */
  private fire(group: Group, at: number): void {
    const key = group.key;
    // A track deleted meanwhile (superseded by a cause opened in this loop) is not visited.
    for (const cls in group.tracks) {
      const track = group.tracks[cls]!;
      const p = this.classFor(cls);
      if (track.status === 'pending') {
        if (recovered(p, track)) this.clear(group, cls, track);
        else if (holdMet(p, track) || (p.recovery.length > 0 && at - track.epFirst >= p.holdSeconds * 1000)) {
          this.open(key, group, cls, track, at);
        } else if (p.recovery.length === 0 && at - track.epLast >= p.holdSeconds * 1000) this.clear(group, cls, track);
      } else if (track.status === 'open') {
        if (recovered(p, track) || at - track.last >= p.quietSeconds * 1000) this.resolve(key, cls, track, at);
        else if (this.escalate(p, track)) this.emit(key, cls, track, 'escalated', at);
        else if (track.dirty && at - track.recordAt >= this.policy.updateIntervalSeconds * 1000) {
          this.emit(key, cls, track, 'updated', at);
        }
      } else if (at - track.resolvedAt! >= this.policy.reopenWindowSeconds * 1000) delete group.tracks[cls];
    }
    if (isEmpty(group.tracks)) this.groups.delete(key);
    else this.reschedule(group, at);
  }

  /** When the track's next rule is due; `now` when one is due at once (it fires after this instant's events). */
  private dueOf(cls: ProblemClass, track: Track, now: number): number {
    const p = this.classFor(cls);
    const hold = p.holdSeconds * 1000;
    if (track.status === 'pending') {
      if (recovered(p, track) || holdMet(p, track)) return now;
      return p.recovery.length > 0 ? track.epFirst + hold : track.epLast + hold;
    }
    if (track.status === 'open') {
      if (recovered(p, track) || escalation(p, track)) return now;
      const flush = track.dirty ? Math.max(track.recordAt + this.policy.updateIntervalSeconds * 1000, now) : Infinity;
      return Math.min(track.last + p.quietSeconds * 1000, flush);
    }
    return track.resolvedAt! + this.policy.reopenWindowSeconds * 1000;
  }

  /** Queues the group for its next due rule, never before `now`: transitions do not go back in time. */
  private reschedule(group: Group, now: number): void {
    let due = Infinity;
    for (const cls in group.tracks) due = Math.min(due, this.dueOf(cls, group.tracks[cls]!, now));
    if (due === Infinity) this.deadlines.remove(group);
    else this.deadlines.schedule(group, Math.max(due, now));
  }

  // ---- transitions ---------------------------------------------------------------------------

  /** Raises the severity when the escalation threshold is met; says whether it rose. */
  private escalate(p: ClassPolicy, track: Track): boolean {
    if (!escalation(p, track)) return false;
    track.severity = higher(track.severity, p.escalate!.severity);
    return true;
  }

  private open(key: string, group: Group, cls: ProblemClass, track: Track, at: number): void {
    const windowMs = this.policy.reopenWindowSeconds * 1000;
    const reopen = track.resolvedAt !== undefined && at - track.resolvedAt <= windowMs;
    if (reopen) {
      track.reopenTimes = [...track.reopenTimes.filter((t) => at - t <= windowMs), at].slice(
        -this.policy.flappingReopens,
      );
      if (track.reopenTimes.length >= this.policy.flappingReopens) track.flapping = true;
    } else {
      track.reopenTimes = NONE;
      track.flapping = undefined;
    }
    track.status = 'open';
    track.resolvedAt = undefined;
    const superseded = supersedeOpenEffects(this.policy, group.tracks, cls, track);
    this.escalate(this.classFor(cls), track);
    this.emit(key, cls, track, reopen ? 'reopened' : 'opened', at);
    if (superseded.length === 0) return;
    const ref = groupRef(key);
    const by = incidentId(ref.cluster, ref.namespace, ref.workload, cls);
    for (const [effect, effectTrack] of superseded) {
      effectTrack.status = 'resolved';
      this.emit(key, effect, effectTrack, 'resolved', at, { cause: cls, supersededBy: by });
    }
  }

  private resolve(key: string, cls: ProblemClass, track: Track, at: number): void {
    track.status = 'resolved';
    track.resolvedAt = at;
    this.emit(key, cls, track, 'resolved', at);
  }

  /** A held condition that ended within its hold: it was never published, and stays unpublished. */
  private clear(group: Group, cls: ProblemClass, track: Track): void {
    this.counters.held += track.epEvents;
    if (track.seq === 0) delete group.tracks[cls];
    else track.status = 'resolved';
  }

  // ---- output --------------------------------------------------------------------------------

  private emit(
    key: string,
    cls: ProblemClass,
    track: Track,
    transition: Incident['transition'],
    at: number,
    extras?: RecordExtras,
  ): void {
    track.seq = nextSeq(track, at);
    track.recordAt = at;
    track.transition = transition;
    track.dirty = undefined;
    this.out.push(this.record(key, cls, track, transition, at, extras));
  }

  private record(
    key: string,
    cls: ProblemClass,
    track: Track,
    transition: Incident['transition'],
    at: number,
    extras?: RecordExtras,
  ): Incident {
    return toIncident(key, cls, track, transition, at, this.policy.reopenWindowSeconds * 1000, extras);
  }

  private flush(): Incident[] {
    const out = this.out;
    this.out = [];
    return out;
  }

  private classFor(cls: ProblemClass): ClassPolicy {
    return this.policy.classFor(cls);
  }

  private tracksOf(group: Group): [ProblemClass, Track][] {
    return Object.entries(group.tracks) as [ProblemClass, Track][];
  }
}

function isEmpty(tracks: Tracks): boolean {
  for (const _ in tracks) return false;
  return true;
}

/** Every affected object recovered (classes with recovery signals only). */
function recovered(p: ClassPolicy, track: Track): boolean {
  return p.recovery.length > 0 && track.affected.every((a) => a.ok);
}

/** The episode alone meets the hold: hold 0, the count threshold, or occurrences spanning the hold. */
function holdMet(p: ClassPolicy, track: Track): boolean {
  const hold = p.holdSeconds * 1000;
  if (hold === 0 || (p.openAfterCount !== undefined && track.epOcc >= p.openAfterCount)) return true;
  return track.epLast - track.epFirst >= hold;
}

/** The escalation threshold is met and would raise the severity. */
function escalation(p: ClassPolicy, track: Track): boolean {
  if (!p.escalate || higher(track.severity, p.escalate.severity) === track.severity) return false;
  return distinctAffected(track) >= p.escalate.affected;
}
