import { readFileSync } from 'node:fs';
import { isMap, isScalar, LineCounter, parseDocument, type Document } from 'yaml';
import type { z } from 'zod';
import { ConfigError, type ConfigProblem } from './load.js';

/*
 * YAML files other than the config (the converger's policy, the dispatcher's routing) fail as the
 * config does: a ConfigError whose every problem names file:line:col and the path inside the file,
 * so `k2 check-config` prints them alike. An unknown or invalid key is located at the key, anything
 * else at the deepest node that exists.
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
    return (keyed ?? [{ path: issue.path, message: issue.message }]).map((p) => ({
      where: locate(doc, lines, file, p.path, keyed !== undefined),
      path: p.path.map(String).join('.'),
      message: p.message,
    }));
  });
}

export interface YamlFileOptions {
  /** What the file is, for "the <what> must be a YAML mapping". */
  what: string;
  /** An empty file stands for `{}` (every setting defaulted) instead of being an error. */
  emptyIsDefaults?: boolean;
}

/** Parses YAML text with `schema`; `file` names it in errors. Throws ConfigError listing every problem. */
export function parseYamlFile<S extends z.ZodType>(
  text: string,
  file: string,
  schema: S,
  options: YamlFileOptions,
): z.output<S> {
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
  const empty = doc.contents === null;
  if (!isMap(doc.contents) && !(empty && options.emptyIsDefaults)) {
    throw new ConfigError([
      { where: locate(doc, lines, file, [], false), path: '', message: `the ${options.what} must be a YAML mapping` },
    ]);
  }
  const result = schema.safeParse(empty ? {} : doc.toJS());
  if (!result.success) throw new ConfigError(problems(result.error, doc, lines, file));
  return result.data;
}

/** Reads `file` and parses it as parseYamlFile does; an unreadable file is a ConfigError too. */
export function loadYamlFile<S extends z.ZodType>(file: string, schema: S, options: YamlFileOptions): z.output<S> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError([{ where: file, path: '', message: `cannot read: ${(err as Error).message}` }]);
  }
  return parseYamlFile(text, file, schema, options);
}
