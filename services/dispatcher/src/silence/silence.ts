import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Labels } from '@k2/contracts';
import { matchesAll, parseMatcher, type Matcher } from '../route/matcher.js';

const matcherText = z.string().superRefine((text, ctx) => {
  try {
    parseMatcher(text);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message });
  }
});

/** What the API accepts to create a silence. */
export const SilenceInput = z
  .strictObject({
    matchers: z.array(matcherText).min(1),
    startsAt: z.iso.datetime({ offset: true }).optional(),
    endsAt: z.iso.datetime({ offset: true }),
    createdBy: z.string().min(1).max(200),
    comment: z.string().min(1).max(2000),
  })
  .refine((s) => s.startsAt === undefined || Date.parse(s.endsAt) > Date.parse(s.startsAt), {
    message: 'endsAt must be after startsAt',
    path: ['endsAt'],
  });
export type SilenceInput = z.infer<typeof SilenceInput>;

export interface Silence {
  id: string;
  matchers: string[];
  startsAt: number;
  endsAt: number;
  createdBy: string;
  comment: string;
}

export type SilenceState = 'pending' | 'active' | 'expired';

export const silenceState = (s: Silence, now: number): SilenceState =>
  now < s.startsAt ? 'pending' : now < s.endsAt ? 'active' : 'expired';

/** The silences in force, with their parsed matchers. */
export class Silences {
  private readonly all = new Map<string, { silence: Silence; matchers: Matcher[] }>();

  load(silences: readonly Silence[]): void {
    for (const s of silences) this.put(s);
  }

  create(input: SilenceInput, now: number): Silence {
    const silence: Silence = {
      id: randomUUID(),
      matchers: input.matchers,
      startsAt: input.startsAt ? Math.max(now, Date.parse(input.startsAt)) : now,
      endsAt: Date.parse(input.endsAt),
      createdBy: input.createdBy,
      comment: input.comment,
    };
    this.put(silence);
    return silence;
  }

  /** Ends it now; undefined when there is no such silence or it already ended. */
  expire(id: string, now: number): Silence | undefined {
    const entry = this.all.get(id);
    if (!entry || entry.silence.endsAt <= now) return undefined;
    entry.silence.endsAt = Math.max(now, entry.silence.startsAt);
    return entry.silence;
  }

  get(id: string): Silence | undefined {
    return this.all.get(id)?.silence;
  }

  list(): Silence[] {
    return [...this.all.values()].map((e) => e.silence);
  }

  silencedBy(labels: Labels, now: number): Silence | undefined {
    for (const { silence, matchers } of this.all.values())
      if (silenceState(silence, now) === 'active' && matchesAll(matchers, labels)) return silence;
    return undefined;
  }

  matchers(id: string): Matcher[] {
    return this.all.get(id)?.matchers ?? [];
  }

  /** The next moment a silence starts or ends after `now` (when muted alerts may need a notification). */
  nextChange(now: number): number | undefined {
    let next: number | undefined;
    for (const { silence } of this.all.values())
      for (const t of [silence.startsAt, silence.endsAt]) if (t > now && (next === undefined || t < next)) next = t;
    return next;
  }

  private put(s: Silence): void {
    this.all.set(s.id, { silence: s, matchers: s.matchers.map(parseMatcher) });
  }
}
