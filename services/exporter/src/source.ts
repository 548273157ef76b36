import type { ContainerMemory } from './memory.js';

/** One target a memory source read (a node's kubelet, or this node's cgroup tree). */
export interface TargetResult {
  source: 'cadvisor' | 'cgroup';
  node: string;
  up: boolean;
  durationSeconds: number;
  error?: string;
}

export interface MemorySnapshot {
  containers: ContainerMemory[];
  targets: TargetResult[];
}

/** Where container memory comes from; read afresh at every scrape. */
export interface MemorySource {
  collect(): Promise<MemorySnapshot>;
  /** Releases what the source holds open between scrapes (kept-alive connections). */
  stop?(): void;
}
