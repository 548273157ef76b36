import { badRequest, StatusError } from './status.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function isObject(v: unknown): v is Record<string, Json> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** RFC 7386 JSON merge patch. With `strategic`, `$`-directives are dropped: Event has no merge-keyed lists. */
export function mergePatch(target: unknown, patch: unknown, strategic = false): unknown {
  if (!isObject(patch)) return patch;
  const out: Record<string, unknown> = isObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (strategic && k.startsWith('$')) continue;
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v, strategic);
  }
  return out;
}

interface JsonPatchOp {
  op: string;
  path: string;
  value?: unknown;
  from?: string;
}

function pointer(path: string): string[] {
  if (path === '') return [];
  if (!path.startsWith('/')) throw badRequest(`invalid JSON pointer: ${path}`);
  return path
    .slice(1)
    .split('/')
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function parentOf(doc: unknown, tokens: string[]): [Record<string, unknown> | unknown[], string] {
  let cur: unknown = doc;
  for (const t of tokens.slice(0, -1)) {
    cur = Array.isArray(cur) ? cur[Number(t)] : isObject(cur) ? cur[t] : undefined;
    if (cur === undefined) throw new StatusError(422, 'Invalid', `path not found: /${tokens.join('/')}`);
  }
  if (!Array.isArray(cur) && !isObject(cur))
    throw new StatusError(422, 'Invalid', `not a container: /${tokens.join('/')}`);
  return [cur, tokens[tokens.length - 1]!];
}

function getAt(doc: unknown, path: string): unknown {
  let cur: unknown = doc;
  for (const t of pointer(path)) cur = Array.isArray(cur) ? cur[Number(t)] : isObject(cur) ? cur[t] : undefined;
  return cur;
}

/** RFC 6902 JSON patch, applied to a deep copy. */
export function jsonPatch(target: unknown, ops: unknown): unknown {
  if (!Array.isArray(ops)) throw badRequest('a JSON patch must be an array of operations');
  const doc = structuredClone(target);
  for (const raw of ops as JsonPatchOp[]) {
    const tokens = pointer(raw.path);
    if (tokens.length === 0) throw badRequest('JSON patch on the document root is not supported');
    const value = raw.op === 'copy' || raw.op === 'move' ? structuredClone(getAt(doc, raw.from ?? '')) : raw.value;
    if (raw.op === 'move') applyRemove(doc, pointer(raw.from ?? ''));
    switch (raw.op) {
      case 'add':
      case 'copy':
      case 'move':
      case 'replace': {
        const [parent, last] = parentOf(doc, tokens);
        if (Array.isArray(parent)) {
          const idx = last === '-' ? parent.length : Number(last);
          if (raw.op === 'replace') parent[idx] = value;
          else parent.splice(idx, 0, value);
        } else {
          if (raw.op === 'replace' && !(last in parent))
            throw new StatusError(422, 'Invalid', `path not found: ${raw.path}`);
          parent[last] = value;
        }
        break;
      }
      case 'remove':
        applyRemove(doc, tokens);
        break;
      case 'test':
        if (JSON.stringify(getAt(doc, raw.path)) !== JSON.stringify(raw.value)) {
          throw new StatusError(422, 'Invalid', `test operation failed at ${raw.path}`);
        }
        break;
      default:
        throw badRequest(`unknown JSON patch operation: ${String(raw.op)}`);
    }
  }
  return doc;
}

function applyRemove(doc: unknown, tokens: string[]): void {
  const [parent, last] = parentOf(doc, tokens);
  if (Array.isArray(parent)) parent.splice(Number(last), 1);
  else {
    if (!(last in parent)) throw new StatusError(422, 'Invalid', `path not found: /${tokens.join('/')}`);
    delete parent[last];
  }
}
