import type { UnresolvedK2Event } from '@k2/contracts';

/** Each set field is a regular expression that must match the whole value. */
export interface FilterRule {
  namespace?: string;
  kind?: string;
  reason?: string;
  type?: string;
  message?: string;
}

type Compiled = [field: keyof FilterRule, re: RegExp][];

/** Anchored, so `reason: Back` does not match `BackOff`; an invalid pattern throws with the reason. */
export function compileRule(rule: FilterRule): Compiled {
  return (Object.entries(rule) as [keyof FilterRule, string][])
    .filter(([, v]) => v !== undefined)
    .map(([field, pattern]) => [field, new RegExp(`^(?:${pattern})$`, 's')]);
}

function valueOf(event: UnresolvedK2Event, field: keyof FilterRule): string {
  if (field === 'kind') return event.involvedObject.kind;
  return event[field];
}

/** Keeps an event when it matches some include rule (or there are none) and no exclude rule. */
export function eventFilter(include: FilterRule[], exclude: FilterRule[]): (event: UnresolvedK2Event) => boolean {
  const inc = include.map(compileRule);
  const exc = exclude.map(compileRule);
  const matches = (event: UnresolvedK2Event, rule: Compiled) => rule.every(([f, re]) => re.test(valueOf(event, f)));
  return (event) => (inc.length === 0 || inc.some((r) => matches(event, r))) && !exc.some((r) => matches(event, r));
}
