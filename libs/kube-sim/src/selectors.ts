import { badRequest } from './status.js';

/** One requirement of a label selector, in the grammar of k8s.io/apimachinery/pkg/labels. */
type LabelRequirement =
  { op: 'in' | 'notin'; key: string; values: string[] } | { op: 'exists' | '!exists'; key: string };

export type LabelSelector = (labels: Record<string, string> | undefined) => boolean;

/** Splits on commas that are not inside a parenthesised value set. */
function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of text) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(current);
      current = '';
    } else current += ch;
  }
  parts.push(current);
  return parts.map((p) => p.trim()).filter((p) => p.length > 0);
}

function parseLabelRequirement(term: string): LabelRequirement {
  let m = /^([\w./-]+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(term);
  if (m) {
    const values = m[3]!
      .split(',')
      .map((v) => v.trim())
      .filter(Boolean);
    return { op: m[2] as 'in' | 'notin', key: m[1]!, values };
  }
  m = /^([\w./-]+)\s*(==|=|!=)\s*([\w./-]*)$/.exec(term);
  if (m) return { op: m[2] === '!=' ? 'notin' : 'in', key: m[1]!, values: [m[3]!] };
  m = /^(!?)([\w./-]+)$/.exec(term);
  if (m) return { op: m[1] ? '!exists' : 'exists', key: m[2]! };
  throw badRequest(`unable to parse requirement: ${term}`);
}

export function parseLabelSelector(text: string | null | undefined): LabelSelector | undefined {
  if (!text) return undefined;
  const reqs = splitTopLevel(text).map(parseLabelRequirement);
  return (labels) => {
    const l = labels ?? {};
    return reqs.every((r) => {
      const has = Object.prototype.hasOwnProperty.call(l, r.key);
      switch (r.op) {
        case 'exists':
          return has;
        case '!exists':
          return !has;
        case 'in':
          return has && r.values.includes(l[r.key]!);
        case 'notin':
          return !has || !r.values.includes(l[r.key]!);
      }
    });
  };
}

export interface FieldRequirement {
  field: string;
  value: string;
  negate: boolean;
}

export function parseFieldSelector(text: string | null | undefined): FieldRequirement[] {
  if (!text) return [];
  return splitTopLevel(text).map((term) => {
    const m = /^([\w.{}-]+)\s*(==|=|!=)\s*(.*)$/.exec(term);
    if (!m) throw badRequest(`invalid selector: '${text}'; can't understand '${term}'`);
    return { field: m[1]!, value: m[3]!, negate: m[2] === '!=' };
  });
}
