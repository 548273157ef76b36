import type { Incident, K2Event } from '@k2/contracts';
import type { Converger } from '../src/index.js';

/**
 * Delivery in time order with a tick after each event, to just before its time (more events of
 * the same instant may follow); then time runs on `settleSeconds` past the last event.
 */
export function feed(converger: Converger, events: readonly K2Event[], settleSeconds = 7_200): Incident[] {
  const sorted = [...events].sort((a, b) => Date.parse(a.lastSeen) - Date.parse(b.lastSeen));
  const out: Incident[] = [];
  for (const e of sorted) {
    out.push(...converger.apply(e));
    out.push(...converger.tick(Date.parse(e.lastSeen) - 1));
  }
  const end = sorted.length ? Date.parse(sorted[sorted.length - 1]!.lastSeen) : 0;
  out.push(...converger.tick(end + settleSeconds * 1000));
  return out;
}

/** The last record per incident id. */
export function latest(records: readonly Incident[]): Map<string, Incident> {
  const byId = new Map<string, Incident>();
  for (const r of records) if ((byId.get(r.id)?.seq ?? 0) < r.seq) byId.set(r.id, r);
  return byId;
}

/** Transitions that notify someone: opened, reopened, resolved. */
export function notifications(records: readonly Incident[]): Incident[] {
  return records.filter((r) => r.transition === 'opened' || r.transition === 'reopened' || r.transition === 'resolved');
}

export const transitions = (records: readonly Incident[]) => records.map((r) => `${r.class}:${r.transition}`);

/** Kubernetes timestamps have whole seconds: an event stamped up to 1 s before its line is on time. */
export const LATENESS_MS = 1_000;

/**
 * Plays a scenario's K2Events line by line, ticking the watermark to each line's time minus the
 * lateness; then time runs on `settleSeconds` past the end.
 */
export function replay(
  converger: Converger,
  s: { epoch: number; duration: number; steps: readonly { at: number; events: readonly K2Event[] }[] },
  settleSeconds = 7_200,
): Incident[] {
  const out: Incident[] = [];
  for (const step of s.steps) {
    for (const e of step.events) out.push(...converger.apply(e));
    out.push(...converger.tick(s.epoch + step.at - LATENESS_MS));
  }
  out.push(...converger.tick(s.epoch + s.duration + settleSeconds * 1000));
  return out;
}
