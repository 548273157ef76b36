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

/** The text of an open file from its start (a cgroup file's content is made afresh by a read at offset 0). */
function readFd(fd: number, path: string): string {
  const n = readSync(fd, buffer, 0, buffer.length, 0);
  return n < buffer.length ? buffer.toString('latin1', 0, n) : readFileSync(path, 'latin1');
}

/** A small file's text: open, one read, close (readFileSync also stats it and allocates per call). */
function readSmall(path: string): string {
  const fd = openSync(path, 'r');
  try {
    return readFd(fd, path);
  } finally {
    closeSync(fd);
  }
}

// cgroup v1 writes "no limit" as the largest page-aligned signed 64-bit number.
const V1_UNLIMITED = 2 ** 62;

function toNumber(text: string, path: string): number {
  const n = Number(text.trim());
  if (!Number.isFinite(n)) throw new Error(`${path}: not a number: ${text.trim().slice(0, 40)}`);
  return n;
}

function readLimit(dir: string, version: CgroupVersion): number | undefined {
  if (version === 2) {
    const text = readSmall(`${dir}/memory.max`).trim();
    return text === 'max' ? undefined : Number(text);
  }
  const path = `${dir}/memory.limit_in_bytes`;
  const n = toNumber(readSmall(path), path);
  return n >= V1_UNLIMITED ? undefined : n;
}

const usageFile = (version: CgroupVersion) => (version === 1 ? 'memory.usage_in_bytes' : 'memory.current');

/** A reading from memory.stat's text and the usage. v1 uses the hierarchical `total_*` counters (children included), v2's memory.stat is hierarchical already. */
function reading(stat: string, usage: number, version: CgroupVersion, limit: number | undefined): MemoryReading {
  const keys = version === 1 ? V1 : V2;
  return {
    usage,
    cache: keys.cache.in(stat),
    rss: keys.rss.in(stat),
    shmem: keys.shmem.in(stat),
    workingSet: workingSet(usage, keys.inactiveFile.in(stat)),
    limit,
  };
}

/** Reads one container cgroup's memory files once. */
export function readCgroupMemory(dir: string, version: CgroupVersion): MemoryReading {
  const stat = readSmall(`${dir}/memory.stat`);
  const path = `${dir}/${usageFile(version)}`;
  return reading(stat, toNumber(readSmall(path), path), version, readLimit(dir, version));
}

/** How many more files the readers may keep open: a share of the process's limit, so sockets still open. */
export class DescriptorBudget {
  constructor(public left: number) {}

  /** Half the soft limit on open files (from /proc/self/limits; 1024 when it cannot be read). */
  static forProcess(): DescriptorBudget {
    let limit = 1024;
    try {
      const m = /^Max open files\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'latin1'));
      if (m) limit = Number(m[1]);
    } catch {
      // Not Linux: the conservative default.
    }
    return new DescriptorBudget(Math.floor(limit / 2));
  }
}

/**
 * One container cgroup's memory files, read at every scrape. memory.stat is opened afresh each
 * time, so a removed cgroup is noticed (ENOENT) on any filesystem; the usage file is read through
 * a descriptor kept open while the budget allows (a read at offset 0 has the kernel write it
 * afresh; on a removed cgroup it fails with ENODEV), saving an open and a close per container;
 * the limit is read again only when asked, as it changes only with its pod (an in-place resize).
 */
export class CgroupReader {
  private usageFd: number | undefined;
  private limit: number | undefined;

  constructor(
    readonly dir: string,
    private readonly version: CgroupVersion,
    private readonly budget: DescriptorBudget,
  ) {}

  /** Throws ENOENT or ENODEV when the cgroup is gone. */
  read(readLimitAgain: boolean): MemoryReading {
    const stat = readSmall(`${this.dir}/memory.stat`);
    const path = `${this.dir}/${usageFile(this.version)}`;
    if (this.usageFd === undefined && this.budget.left > 0) {
      this.usageFd = openSync(path, 'r');
      this.budget.left--;
    }
    const usage = toNumber(this.usageFd === undefined ? readSmall(path) : readFd(this.usageFd, path), path);
    if (readLimitAgain) this.limit = readLimit(this.dir, this.version);
    return reading(stat, usage, this.version, this.limit);
  }

  close(): void {
    if (this.usageFd === undefined) return;
    closeSync(this.usageFd);
    this.usageFd = undefined;
    this.budget.left++;
  }
}
