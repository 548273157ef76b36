import {
  containerStatuses,
  memoryLimit,
  podSummary,
  type MemoryLimit,
  type PodSummary,
  type Terminated,
} from './pod-shape.js';
import { parseKubeTimestamp } from './time.js';

export const OOM_REASON = 'OOMKilled';

/** Why part of a pod could not be read; counted, never fatal. */
export type PodProblem = 'pod_metadata' | 'container_status' | 'timestamp' | 'quantity' | 'unidentifiable';

export interface ContainerKill {
  container: string;
  init: boolean;
  /** What tells this kill from the container's others: finishedAt when known, else the restart count it produced. */
  identity: string | number;
  finishedAt?: string;
  restartCount?: number;
  limit: MemoryLimit;
}

export interface PodScan {
  pod?: PodSummary;
  kills: ContainerKill[];
  problems: PodProblem[];
}

/**
 * The OOM kills a pod's status shows: the last termination of a restarted container
 * (lastState.terminated) and the current one of a container that is not restarted
 * (state.terminated: Jobs, restartPolicy Never, or the moment before a restart).
 */
export function killsInPod(pod: unknown): PodScan {
  const summary = podSummary(pod);
  if (!summary) return { kills: [], problems: ['pod_metadata'] };
  const { statuses, invalid } = containerStatuses(pod);
  const problems: PodProblem[] = Array.from({ length: invalid }, () => 'container_status' as const);
  const kills: ContainerKill[] = [];
  for (const s of statuses) {
    const found: [Terminated, number | undefined][] = [];
    // A terminated container's restartCount has not counted this kill yet; lastState's has.
    if (s.terminated?.reason === OOM_REASON)
      found.push([s.terminated, s.restartCount === undefined ? undefined : s.restartCount + 1]);
    if (s.lastTerminated?.reason === OOM_REASON) found.push([s.lastTerminated, s.restartCount]);
    for (const [t, producedRestart] of found) {
      const finishedAt = parseKubeTimestamp(t.finishedAt);
      if (finishedAt === undefined && t.finishedAt !== undefined && t.finishedAt !== null) problems.push('timestamp');
      const identity = finishedAt ?? producedRestart;
      if (identity === undefined) {
        problems.push('unidentifiable');
        continue;
      }
      const limit = memoryLimit(pod, s.name, s.init);
      if (limit.kind === 'invalid') problems.push('quantity');
      kills.push({
        container: s.name,
        init: s.init,
        identity,
        ...(finishedAt ? { finishedAt } : {}),
        ...(s.restartCount !== undefined ? { restartCount: s.restartCount } : {}),
        limit,
      });
    }
  }
  return { pod: summary, kills, problems };
}
