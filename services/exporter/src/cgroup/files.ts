import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { workingSet, type MemoryReading } from '../memory.js';

export type CgroupVersion = 1 | 2;

/** memory.stat: one `key value` pair a line. */
export function parseMemoryStat(text: string): Map<string, number> {
  const stat = new Map<string, number>();
  for (const line of text.split('\n')) {
    const space = line.indexOf(' ');
    if (space <= 0) continue;
    const value = Number(line.slice(space + 1));
    if (Number.isFinite(value)) stat.set(line.slice(0, space), value);
  }
  return stat;
}

// cgroup v1 writes "no limit" as the largest page-aligned signed 64-bit number.
const V1_UNLIMITED = 2 ** 62;

function readNumber(dir: string, file: string): number {
  const text = readFileSync(join(dir, file), 'utf8').trim();
  const n = Number(text);
  if (!Number.isFinite(n)) throw new Error(`${join(dir, file)}: not a number: ${text.slice(0, 40)}`);
  return n;
}

function readLimit(dir: string, version: CgroupVersion): number | undefined {
  if (version === 2) {
    const text = readFileSync(join(dir, 'memory.max'), 'utf8').trim();
    return text === 'max' ? undefined : Number(text);
  }
  const n = readNumber(dir, 'memory.limit_in_bytes');
  return n >= V1_UNLIMITED ? undefined : n;
}

/**
 * Reads one container cgroup's memory files. v1 uses the hierarchical `total_*` counters
 * (children included), v2's memory.stat is hierarchical already.
 */
export function readCgroupMemory(dir: string, version: CgroupVersion): MemoryReading {
  const stat = parseMemoryStat(readFileSync(join(dir, 'memory.stat'), 'utf8'));
  const get = (key: string) => stat.get(key) ?? 0;
  if (version === 1) {
    const usage = readNumber(dir, 'memory.usage_in_bytes');
    return {
      usage,
      cache: get('total_cache'),
      rss: get('total_rss'),
      shmem: get('total_shmem'),
      workingSet: workingSet(usage, get('total_inactive_file')),
      limit: readLimit(dir, 1),
    };
  }
  const usage = readNumber(dir, 'memory.current');
  return {
    usage,
    cache: get('file'),
    rss: get('anon'),
    shmem: get('shmem'),
    workingSet: workingSet(usage, get('inactive_file')),
    limit: readLimit(dir, 2),
  };
}
