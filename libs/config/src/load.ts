import { readFileSync } from 'node:fs';
import { isMap, isScalar, LineCounter, parseDocument, type Document } from 'yaml';
import { parse as parseYamlScalar } from 'yaml';
import type { z } from 'zod';
import { configSchema, type K2Config } from './schema.js';

export interface ConfigProblem {
  /** `file:line:column`, or `env NAME` for an environment override. */
  where: string;
  /** Dotted path inside the config, e.g. `simulator.port`. */
  path: string;
  message: string;
}

export class ConfigError extends Error {
  constructor(readonly problems: ConfigProblem[]) {
    super(problems.map((p) => `${p.where}: ${p.path || '(root)'}: ${p.message}`).join('\n'));
  }
}

/** Environment overrides look like K2__SIMULATOR__PORT=7443 (snake case maps to camelCase keys). */
const ENV_PREFIX = 'K2__';

function camel(segment: string): string {
  return segment.toLowerCase().replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

interface Located {
  doc: Document | undefined;
  lines: LineCounter;
  file: string;
  envPaths: Map<string, string>;
}

function locate(src: Located, path: PropertyKey[], atKey = false): string {
  const dotted = path.map(String).join('.');
  // The most specific override wins: K2__SIMULATOR__PROT is blamed for simulator.prot even when
  // another override (K2__SIMULATOR__PORT) created the simulator section.
  let env: [string, string] | undefined;
  for (const [p, name] of src.envPaths) {
    if ((dotted === p || dotted.startsWith(p + '.')) && (!env || p.length > env[0].length)) env = [p, name];
  }
  if (env) return `env ${env[1]}`;
  if (!src.doc) return src.file;
  if (atKey && path.length > 0) {
    // An unknown key: point at the key itself, not at its value (which may be lines further down).
    const parent = path.length === 1 ? src.doc.contents : src.doc.getIn(path.slice(0, -1), true);
    const pair = isMap(parent)
      ? parent.items.find((p) => isScalar(p.key) && p.key.value === path[path.length - 1])
      : undefined;
    const range = (pair?.key as { range?: [number, number, number] } | undefined)?.range;
    if (range) {
      const { line, col } = src.lines.linePos(range[0]);
      return `${src.file}:${line}:${col}`;
    }
  }
  // The deepest node that exists: a missing key is reported where its parent is.
  for (let n = path.length; n >= 0; n--) {
    const node = src.doc.getIn(path.slice(0, n), true) as { range?: [number, number, number] } | undefined;
    if (node?.range) {
      const { line, col } = src.lines.linePos(node.range[0]);
      return `${src.file}:${line}:${col}`;
    }
  }
  return src.file;
}

export interface LoadOptions {
  env?: NodeJS.ProcessEnv;
}

/** Reads, overrides and checks a config file; `file` undefined means defaults plus environment. */
export function loadConfig(file: string | undefined, options: LoadOptions = {}): K2Config {
  const env = options.env ?? process.env;
  const lines = new LineCounter();
  let doc: Document | undefined;
  let data: unknown = {};
  const label = file ?? '<defaults>';
  if (file) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new ConfigError([{ where: file, path: '', message: `cannot read: ${(err as Error).message}` }]);
    }
    doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
    if (doc.errors.length > 0) {
      throw new ConfigError(
        doc.errors.map((e) => {
          const { line, col } = lines.linePos(e.pos[0]);
          return { where: `${file}:${line}:${col}`, path: '', message: `YAML: ${e.message.split('\n')[0]}` };
        }),
      );
    }
    if (!isMap(doc.contents) && doc.contents !== null) {
      const at = (doc.contents as { range?: [number, number, number] }).range?.[0] ?? 0;
      const { line, col } = lines.linePos(at);
      throw new ConfigError([
        { where: `${file}:${line}:${col}`, path: '', message: 'the config must be a YAML mapping' },
      ]);
    }
    data = doc.toJS() ?? {};
  }

  const envPaths = new Map<string, string>();
  const rawEnv: { cursor: Record<string, unknown>; key: string; path: string; raw: string }[] = [];
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith(ENV_PREFIX) || value === undefined) continue;
    const path = name.slice(ENV_PREFIX.length).split('__').map(camel);
    let cursor = data as Record<string, unknown>;
    path.slice(0, -1).forEach((key, i) => {
      if (typeof cursor[key] !== 'object' || cursor[key] === null) {
        cursor[key] = {};
        // A section the override created (e.g. a misspelt one) is the override's doing, not the file's.
        const created = path.slice(0, i + 1).join('.');
        if (!envPaths.has(created)) envPaths.set(created, name);
      }
      cursor = cursor[key] as Record<string, unknown>;
    });
    let parsed: unknown;
    try {
      parsed = parseYamlScalar(value);
    } catch {
      parsed = value;
    }
    cursor[path[path.length - 1]!] = parsed;
    envPaths.set(path.join('.'), name);
    if (typeof parsed !== 'string')
      rawEnv.push({ cursor, key: path[path.length - 1]!, path: path.join('.'), raw: value });
  }

  let result = configSchema.safeParse(data);
  // An override that read as a number or boolean where text is wanted (a numeric token) is text after all.
  const wantText = (p: string) =>
    !result.success &&
    result.error.issues.some(
      (i) => i.code === 'invalid_type' && i.expected === 'string' && i.path.map(String).join('.') === p,
    );
  const retyped = rawEnv.filter((r) => wantText(r.path));
  if (retyped.length > 0) {
    for (const r of retyped) r.cursor[r.key] = r.raw;
    result = configSchema.safeParse(data);
  }
  if (!result.success) {
    const src: Located = { doc, lines, file: label, envPaths };
    // An unknown key is reported at the key itself, one problem per key.
    const issues = result.error.issues.flatMap((i: z.core.$ZodIssue) =>
      i.code === 'unrecognized_keys'
        ? i.keys.map((k) => ({ path: [...i.path, k], message: 'unknown key (misspelt?)', atKey: true }))
        : [{ path: i.path, message: i.message, atKey: false }],
    );
    throw new ConfigError(
      issues.map((i) => ({
        where: locate(src, i.path, i.atKey),
        path: i.path.map(String).join('.'),
        message: i.message,
      })),
    );
  }
  return result.data;
}
