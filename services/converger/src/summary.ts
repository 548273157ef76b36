import type { AffectedObject } from '@k2/contracts';
import type { GroupRef } from './observation.js';

/** What to call a class in one line, and what its occurrences are. */
const WORDS: Record<string, [label: string, occurrences: string]> = {
  oom_kill: ['OOM kill', 'kills'],
  crash_loop: ['crash loop', 'restarts'],
  image_pull: ['image pull failure', 'failed pulls'],
  scheduling: ['unschedulable', 'scheduling failures'],
  volume_mount: ['volume mount failure', 'failed mounts'],
  probe_failure: ['probe failure', 'failed probes'],
  node_problem: ['node problem', 'events'],
  eviction: ['eviction', 'evictions'],
  job_failure: ['job failure', 'failures'],
  config_error: ['configuration error', 'failures'],
};

function words(problemClass: string): [string, string] {
  return WORDS[problemClass] ?? [problemClass.replace(/^other:/, ''), 'events'];
}

function objects(n: number, affected: readonly AffectedObject[]): string {
  const kind = affected[0]?.kind;
  const one = affected.every((a) => a.kind === kind);
  const noun = one && kind === 'Pod' ? 'pod' : one && kind === 'Node' ? 'node' : 'object';
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

export interface SummaryInput {
  problemClass: string;
  /** Occurrences in all, named objects or not (folded-in effects included). */
  count: number;
  affected: readonly AffectedObject[];
  otherAffected: number;
  firstSeen: string;
  effects: readonly string[];
  flapping: boolean;
}

/** "shop/cart: crash loop — 20 pods, 412 restarts since 10:02 (UTC)". */
export function summarize(ref: GroupRef, s: SummaryInput): string {
  const subject = ref.workload.kind === 'Node' ? `node/${ref.workload.name}` : `${ref.namespace}/${ref.workload.name}`;
  const [label, occurrences] = words(s.problemClass);
  const n = s.affected.length + s.otherAffected;
  // The named objects' counts are exact and leave out folded-in effects; past the named 50 only the total is known.
  const total = s.otherAffected > 0 ? s.count : s.affected.reduce((sum, a) => sum + a.count, 0);
  const effects = s.effects.length ? ` (causing ${s.effects.map((e) => words(e)[0]).join(', ')})` : '';
  const flapping = s.flapping ? ', flapping' : '';
  const noun = total === 1 ? occurrences.replace(/s$/, '') : occurrences;
  // Joined, not a template: one flat string, where concatenation keeps a tree of pieces for as long as the record lives.
  return [
    subject,
    ': ',
    label,
    ' — ',
    objects(n, s.affected),
    ', ',
    total,
    ' ',
    noun,
    ' since ',
    s.firstSeen.slice(11, 16),
    effects,
    flapping,
  ].join('');
}
