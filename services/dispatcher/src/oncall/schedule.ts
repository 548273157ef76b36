import type { ScheduleConfig } from '../route/config.js';
import { clockMinutes, localTime } from '../route/local-time.js';

export interface OnCall {
  schedule: string;
  participant: string;
  receiver: string;
  /** `rotation` or `override`. */
  by: 'rotation' | 'override';
}

const DAY_MS = 86_400_000;

/**
 * Who is on call at `ms`: an override covering that moment, else the rotation. Shifts change at
 * the hand-off time in the schedule's time zone, every day (daily) or every 7 days from `start`
 * (weekly), so a DST change moves no hand-off.
 */
export function onCallAt(schedule: ScheduleConfig, ms: number): OnCall {
  const override = schedule.overrides.find((o) => Date.parse(o.start) <= ms && ms < Date.parse(o.end));
  if (override) {
    const p = schedule.participants.find((x) => x.name === override.participant)!;
    return { schedule: schedule.name, participant: p.name, receiver: p.receiver, by: 'override' };
  }
  const local = localTime(ms, schedule.location);
  let days = (Date.parse(local.date) - Date.parse(schedule.start)) / DAY_MS;
  if (local.minutes < clockMinutes(schedule.handoff)) days -= 1;
  const shift = Math.floor(Math.max(0, days) / (schedule.rotation === 'daily' ? 1 : 7));
  const p = schedule.participants[shift % schedule.participants.length]!;
  return { schedule: schedule.name, participant: p.name, receiver: p.receiver, by: 'rotation' };
}
