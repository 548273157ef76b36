import type { Labels } from '@k2/contracts';

export type MatchOp = '=' | '!=' | '=~' | '!~';

/** One label condition, Alertmanager style: `severity="critical"`, `namespace=~"shop|cart"`. */
export interface Matcher {
  name: string;
  op: MatchOp;
  value: string;
  /** Anchored (`^(?:value)$`), as in Alertmanager: `=~"shop"` does not match `shopping`. */
  regex?: RegExp;
}

const MATCHER = /^\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*(.*?)\s*$/;

function unquote(raw: string): string {
  if (raw.length >= 2 && raw.startsWith('"') && raw.endsWith('"')) return JSON.parse(raw) as string;
  return raw;
}

/** Parses `name op value`; throws an Error with a message fit for a config problem. */
export function parseMatcher(text: string): Matcher {
  const m = MATCHER.exec(text);
  if (!m) throw new Error(`not a matcher: ${JSON.stringify(text)} (expected name=value, !=, =~ or !~)`);
  const [, name, op, rawValue] = m as unknown as [string, string, MatchOp, string];
  let value: string;
  try {
    value = unquote(rawValue);
  } catch {
    throw new Error(`bad quoting in ${JSON.stringify(text)}`);
  }
  if (op === '=~' || op === '!~') {
    try {
      return { name, op, value, regex: new RegExp(`^(?:${value})$`) };
    } catch (err) {
      throw new Error(`invalid regular expression in ${JSON.stringify(text)}: ${(err as Error).message}`);
    }
  }
  return { name, op, value };
}

/** A missing label reads as "", as in Alertmanager: `team!="x"` matches alerts without a team. */
export function matches(matcher: Matcher, labels: Labels): boolean {
  const v = labels[matcher.name] ?? '';
  switch (matcher.op) {
    case '=':
      return v === matcher.value;
    case '!=':
      return v !== matcher.value;
    case '=~':
      return matcher.regex!.test(v);
    case '!~':
      return !matcher.regex!.test(v);
  }
}

export const matchesAll = (matchers: readonly Matcher[], labels: Labels): boolean =>
  matchers.every((m) => matches(m, labels));

export const formatMatcher = (m: Matcher): string => `${m.name}${m.op}${JSON.stringify(m.value)}`;
