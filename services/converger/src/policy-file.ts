import { readFileSync } from 'node:fs';
import { ConfigError, type ConfigProblem } from '@k2/config';
import { isMap, isScalar, LineCounter, parseDocument, type Document } from 'yaml';
import type { z } from 'zod';
import { PolicySchema, type Policy } from './policy.js';

/*
 * Policy files fail like config files (ConfigError, so `k2 check-config` prints both alike): each
 * problem names file:line:col and the path inside the policy. Located as libs/config does it: an
 * unknown or invalid key at the key, anything else at the deepest node that exists.
 */

type Range = { range?: [number, number, number] };

function locate(doc: Document, lines: LineCounter, file: string, path: PropertyKey[], atKey: boolean): string {
  const at = (offset: number) => {
    const { line, col } = lines.linePos(offset);
    return `${file}:${line}:${col}`;
  };
  if (atKey && path.length > 0) {
    const parent = path.length === 1 ? doc.contents : doc.getIn(path.slice(0, -1), true);
    const pair = isMap(parent)
      ? parent.items.find((p) => isScalar(p.key) && p.key.value === path[path.length - 1])
      : undefined;
    const start = (pair?.key as Range | undefined)?.range?.[0];
    if (start !== undefined) return at(start);
  }
  for (let n = path.length; n >= 0; n--) {
    const start = (doc.getIn(path.slice(0, n), true) as Range | undefined)?.range?.[0];
    if (start !== undefined) return at(start);
  }
  return file;
}

function problems(error: z.ZodError, doc: Document, lines: LineCounter, file: string): ConfigProblem[] {
  return error.issues.flatMap((issue) => {
    const keyed =
      issue.code === 'unrecognized_keys'
        ? issue.keys.map((k) => ({ path: [...issue.path, k], message: 'unknown key (misspelt?)' }))
        : issue.code === 'invalid_key'
          ? [{ path: issue.path, message: issue.issues.map((i) => i.message).join('; ') }]
          : undefined;
    const located = keyed ?? [{ path: issue.path, message: issue.message }];
    return located.map((p) => ({
      where: locate(doc, lines, file, p.path, keyed !== undefined),
      path: p.path.map(String).join('.'),
      message: p.message,
    }));
  });
}

/** Parses policy YAML; `file` names it in errors. Throws ConfigError. */
export function parsePolicyYaml(text: string, file: string): Policy {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      doc.errors.map((e) => {
        const { line, col } = lines.linePos(e.pos[0]);
        return { where: `${file}:${line}:${col}`, path: '', message: `YAML: ${e.message.split('\n')[0]}` };
      }),
    );
  }
  if (!isMap(doc.contents) && doc.contents !== null) {
    throw new ConfigError([
      { where: locate(doc, lines, file, [], false), path: '', message: 'the policy must be a YAML mapping' },
    ]);
  }
  const result = PolicySchema.safeParse(doc.toJS() ?? {});
  if (!result.success) throw new ConfigError(problems(result.error, doc, lines, file));
  return result.data;
}

/** Reads and checks a policy file. Throws ConfigError. */
export function loadPolicyFile(file: string): Policy {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError([{ where: file, path: '', message: `cannot read: ${(err as Error).message}` }]);
  }
  return parsePolicyYaml(text, file);
}
