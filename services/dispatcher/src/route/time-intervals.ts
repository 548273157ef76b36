import { WEEKDAYS, type RoutingConfig, type TimeIntervalSpec } from './config.js';
import { clockMinutes, localTime } from './local-time.js';

function inWeekdays(ranges: string[], weekday: number): boolean {
  return ranges.some((range) => {
    const [from, to = from] = range.toLowerCase().split(':') as [string, string?];
    const a = (WEEKDAYS as readonly string[]).indexOf(from);
    const b = (WEEKDAYS as readonly string[]).indexOf(to!);
    return a <= b ? weekday >= a && weekday <= b : weekday >= a || weekday <= b;
  });
}

/** Whether `ms` falls in the interval: every field given must match (Alertmanager semantics). */
export function inTimeInterval(spec: TimeIntervalSpec, ms: number): boolean {
  const t = localTime(ms, spec.location);
  if (spec.weekdays && !inWeekdays(spec.weekdays, t.weekday)) return false;
  if (
    spec.times &&
    !spec.times.some((r) => t.minutes >= clockMinutes(r.start_time) && t.minutes < clockMinutes(r.end_time))
  )
    return false;
  return true;
}

/** Named intervals from the routing file; a name is active when any of its intervals is. */
export class TimeIntervals {
  private readonly byName: Map<string, TimeIntervalSpec[]>;

  constructor(cfg: RoutingConfig['time_intervals']) {
    this.byName = new Map(cfg.map((t) => [t.name, t.time_intervals]));
  }

  active(name: string, ms: number): boolean {
    return (this.byName.get(name) ?? []).some((spec) => inTimeInterval(spec, ms));
  }

  /** A route sends when no mute interval is active and, if it names active intervals, one of them is. */
  allows(mute: readonly string[], activeOnly: readonly string[], ms: number): boolean {
    if (mute.some((n) => this.active(n, ms))) return false;
    return activeOnly.length === 0 || activeOnly.some((n) => this.active(n, ms));
  }
}
