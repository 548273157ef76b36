/** Where a container runs: the labels every memory series carries. */
export interface ContainerRef {
  namespace: string;
  pod: string;
  container: string;
  node: string;
}

/** One container's memory as read from its cgroup or from cAdvisor, in bytes. */
export interface MemoryReading {
  /** memory.usage_in_bytes (v1) or memory.current (v2): anon + page cache + kernel. */
  usage: number;
  /** Page cache, tmpfs and shared memory included: total_cache (v1) or file (v2). */
  cache: number;
  /** Anonymous memory: total_rss (v1) or anon (v2). */
  rss: number;
  /** tmpfs and shared memory: counted as cache, but not reclaimable without swap. */
  shmem: number;
  /** usage − inactive file pages, as cAdvisor computes it. */
  workingSet: number;
  /** The cgroup's limit; undefined when unlimited. */
  limit?: number;
}

/**
 * Kept with a container from scrape to scrape by its source: the series writer keeps the
 * container's label text on it, as UTF-8 bytes, and writes it again only when the workload it
 * names changed.
 */
export interface LabelMemo {
  bytes?: Buffer;
  common?: string;
  workloadKind?: string;
  workload?: string;
}

/** What the exporter reports for one container. */
export interface ContainerMemory extends ContainerRef, MemoryReading {
  workloadKind: string;
  workload: string;
  memo?: LabelMemo;
}

/**
 * K2's memory figure: usage minus page cache, with shmem added back. Page cache is reclaimable,
 * so working set overstates page-cache-heavy (e.g. Java) containers; shmem is not, so it stays.
 */
export function usageMinusCache(m: Pick<MemoryReading, 'usage' | 'cache' | 'shmem'>): number {
  return Math.max(0, m.usage - m.cache + m.shmem);
}

/** cAdvisor's working set: usage minus the inactive file pages the kernel would reclaim first. */
export function workingSet(usage: number, inactiveFile: number): number {
  return Math.max(0, usage - inactiveFile);
}
