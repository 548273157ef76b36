import type { ProblemClass } from '@k2/contracts';
import type { Policy } from './policy.js';
import { merge, type Track } from './track.js';

/*
 * The cause wins: when one problem causes another on the same workload (OOM kills → crash-loop
 * back-off, liveness kills → restarts, a Job's OOM-killed pod → BackoffLimitExceeded), both are
 * one incident named after the cause. Effects that arrive while a cause is active fold into it;
 * effects already held fold in when the cause appears; an effect already published is superseded
 * when the cause opens.
 */

export type Tracks = Partial<Record<ProblemClass, Track>>;

/** The active cause that claims an occurrence of `effect` at `at`, if any; earlier rules win. */
export function causeOf(
  policy: Policy,
  tracks: Tracks,
  effect: ProblemClass,
  at: number,
): { cls: ProblemClass; track: Track } | undefined {
  const windowMs = policy.causes.windowSeconds * 1000;
  for (const rule of policy.causes.rules) {
    if (!rule.effects.includes(effect)) continue;
    const track = tracks[rule.cause];
    if (!track || track.status === 'resolved' || at - track.causeLast > windowMs) continue;
    if (!rule.onlyKills || track.kills) return { cls: rule.cause, track };
  }
  return undefined;
}

/** effectsOf per policy, cause and whether the track killed: asked for every occurrence. */
const claimed = new WeakMap<Policy, Map<string, readonly ProblemClass[]>>();

/** The classes a cause claims, given what its track has seen (a probe failure only once it killed). */
function effectsOf(policy: Policy, cause: ProblemClass, track: Track): readonly ProblemClass[] {
  let known = claimed.get(policy);
  if (!known) claimed.set(policy, (known = new Map()));
  const key = track.kills ? `${cause}\u0000kills` : cause;
  let effects = known.get(key);
  if (!effects) {
    effects = policy.causes.rules
      .filter((r) => r.cause === cause && (!r.onlyKills || track.kills))
      .flatMap((r) => r.effects);
    known.set(key, effects);
  }
  return effects;
}

/**
 * Folds effects that are still held (never published) into their cause. A held recurrence of a
 * published effect just goes back to resolved: its history stays its own.
 */
export function absorbHeldEffects(policy: Policy, tracks: Tracks, cause: ProblemClass, track: Track): void {
  for (const effect of effectsOf(policy, cause, track)) {
    const held = tracks[effect];
    if (held?.status !== 'pending') continue;
    if (held.seq > 0) {
      held.status = 'resolved';
      continue;
    }
    merge(track, held, effect, policy.limits.maxAffected);
    delete tracks[effect];
  }
}

/** Takes the open effects of a cause that just opened out of `tracks`, merged into it; the caller publishes their end. */
export function supersedeOpenEffects(
  policy: Policy,
  tracks: Tracks,
  cause: ProblemClass,
  track: Track,
): [ProblemClass, Track][] {
  const superseded: [ProblemClass, Track][] = [];
  for (const effect of effectsOf(policy, cause, track)) {
    const open = tracks[effect];
    if (open?.status !== 'open') continue;
    merge(track, open, effect, policy.limits.maxAffected);
    delete tracks[effect];
    superseded.push([effect, open]);
  }
  return superseded;
}
