import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { workingSet, type MemoryReading } from '../memory.js';

export type CgroupVersion = 1 | 2;

/** The value of a memory.stat key (one `key value` pair a line), or 0 when the kernel does not write it. */
class StatKey {
  private readonly first: string;
  private readonly later: string;

  constructor(key: string) {
    this.first = `${key} `;
    this.later = `\n${key} `;
  }

  in(stat: string): number {
    let from: number;
    if (stat.startsWith(this.first)) from = this.first.length;
    else {
      const at = stat.indexOf(this.later);
      if (at < 0) return 0;
      from = at + this.later.length;
    }
    const end = stat.indexOf('\n', from);
    const value = Number(stat.slice(from, end < 0 ? undefined : end));
    return Number.isFinite(value) ? value : 0;
  }
}

const V1 = {
  cache: new StatKey('total_cache'),
  rss: new StatKey('total_rss'),
  shmem: new StatKey('total_shmem'),
  inactiveFile: new StatKey('total_inactive_file'),
};
const V2 = {
  cache: new StatKey('file'),
  rss: new StatKey('anon'),
  shmem: new StatKey('shmem'),
  inactiveFile: new StatKey('inactive_file'),
};

// One buffer for every read: cgroup files are a few hundred bytes (memory.stat a few KB), and a
// node's scrape reads tens of thousands of them.
const buffer = Buffer.allocUnsafe(16 * 1024);

/** A small file's text: open, one read, close (readFileSync also stats it and allocates per call). */
function readSmall(path: string): string {
  const fd = openSync(path, 'r');
  let n: number;
  try {
    n = readSync(fd, buffer, 0, buffer.length, 0);
  } finally {
    closeSync(fd);
  }
  return n < buffer.length ? buffer.toString('latin1', 0, n) : readFileSync(path, 'latin1');
}

// cgroup v1 writes "no limit" as the largest page-aligned signed 64-bit number.
const V1_UNLIMITED = 2 ** 62;

function readNumber(dir: string, file: string): number {
  const text = readSmall(`${dir}/${file}`).trim();
  const n = Number(text);
  if (!Number.isFinite(n)) throw new Error(`${dir}/${file}: not a number: ${text.slice(0, 40)}`);
  return n;
}

function readLimit(dir: string, version: CgroupVersion): number | undefined {
  if (version === 2) {
    const text = readSmall(`${dir}/memory.max`).trim();
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
  const stat = readSmall(`${dir}/memory.stat`);
  const keys = version === 1 ? V1 : V2;
  const usage = readNumber(dir, version === 1 ? 'memory.usage_in_bytes' : 'memory.current');
  return {
    usage,
    cache: keys.cache.in(stat),
    rss: keys.rss.in(stat),
    shmem: keys.shmem.in(stat),
    workingSet: workingSet(usage, keys.inactiveFile.in(stat)),
    limit: readLimit(dir, version),
  };
}
