import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ConfigError, type ConfigProblem } from '@k2/config';
import { isMap, isScalar, LineCounter, parseDocument, type Document } from 'yaml';
import type { z } from 'zod';
import { routingSchema, type RoutingConfig } from './config.js';

/*
 * Routing files fail like config files (ConfigError, so `k2 check-config` prints them alike):
 * each problem names file:line:col and the path inside the file, located as libs/config does it:
 * an unknown key at the key, anything else at the deepest node that exists.
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
        : undefined;
    return (keyed ?? [{ path: issue.path, message: issue.message }]).map((p) => ({
      where: locate(doc, lines, file, p.path, keyed !== undefined),
      path: p.path.map(String).join('.'),
      message: p.message,
    }));
  });
}

/** Parses routing YAML; `file` names it in errors. Throws ConfigError listing every problem. */
export function parseRoutingYaml(text: string, file: string): RoutingConfig {
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
  if (!isMap(doc.contents)) {
    throw new ConfigError([{ where: `${file}:1:1`, path: '', message: 'the routing file must be a YAML mapping' }]);
  }
  const result = routingSchema.safeParse(doc.toJS());
  if (!result.success) throw new ConfigError(problems(result.error, doc, lines, file));
  return result.data;
}

/** Reads and checks a routing file. Throws ConfigError. */
export function loadRoutingFile(file: string): RoutingConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError([{ where: file, path: '', message: `cannot read: ${(err as Error).message}` }]);
  }
  return parseRoutingYaml(text, file);
}

/** The routing K2 ships (alert-rules/dispatcher.yaml): every alert to the file receiver. */
export const DEFAULT_ROUTING_FILE = fileURLToPath(new URL('../../../../alert-rules/dispatcher.yaml', import.meta.url));
