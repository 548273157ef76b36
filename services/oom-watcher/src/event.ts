import {
  boundMessage,
  K2Event,
  oomEventId,
  SCHEMA_VERSION,
  withWorkload,
  type ObjectRef,
  type Workload,
} from '@k2/contracts';
import type { MemoryLimit, PodSummary } from './pod-shape.js';

export const SOURCE_COMPONENT = 'k2-oom-watcher';
export const KILL_REASON = 'OOMKilled';

/** Everything known about one kill, from either source. */
export interface KillFacts {
  pod: PodSummary;
  container: string;
  init: boolean;
  /** Tells this kill from the container's others (see oomEventId). */
  identity: string | number;
  limit: MemoryLimit;
  restartCount?: number;
  /** ISO; the container's termination time, from its status. */
  finishedAt?: string;
  /** ISO; when the kill happened, as well as it is known. */
  at: string;
  /** Node mode: the process the kernel killed. */
  process?: { name: string; pid: number };
}

export function killId(cluster: string, f: KillFacts): string {
  return oomEventId(cluster, f.pod.uid, f.container, f.identity);
}

export function containerRef(f: Pick<KillFacts, 'pod' | 'container' | 'init'>): ObjectRef {
  return {
    kind: 'Pod',
    name: f.pod.name,
    uid: f.pod.uid,
    fieldPath: `spec.${f.init ? 'initContainers' : 'containers'}{${f.container}}`,
    apiVersion: 'v1',
  };
}

function limitText(limit: MemoryLimit): string {
  if (limit.kind === 'set') return `limit ${limit.text}`;
  return limit.kind === 'none' ? 'no memory limit' : 'limit unknown';
}

/**
 * "Container ledger was OOM-killed (limit 2Gi)", plus the process when the kernel named it.
 * The K2Event carries the short form in both modes, so one container's kills share a fingerprint
 * whichever mode saw them; the process is in `oom.process`.
 */
export function killMessage(f: KillFacts, withProcess: boolean): string {
  const base = `Container ${f.container} was OOM-killed (${limitText(f.limit)})`;
  return boundMessage(
    withProcess && f.process ? `${base}; process ${f.process.name} (pid ${f.process.pid}) killed` : base,
  );
}

/** The K2Event for a kill, or the reason it is not a valid one. */
export function killEvent(
  cluster: string,
  f: KillFacts,
  workload: Workload,
): { ok: true; event: K2Event } | { ok: false; error: string } {
  const draft: K2Event = {
    schemaVersion: SCHEMA_VERSION,
    id: killId(cluster, f),
    fingerprint: '',
    cluster,
    namespace: f.pod.namespace,
    involvedObject: containerRef(f),
    workload,
    reason: KILL_REASON,
    message: killMessage(f, false),
    type: 'Warning',
    source: { component: SOURCE_COMPONENT, ...(f.pod.node ? { host: f.pod.node } : {}) },
    count: 1,
    occurrence: 1,
    firstSeen: f.at,
    lastSeen: f.at,
    oom: {
      container: f.container,
      ...(f.limit.kind === 'set' ? { limitBytes: f.limit.bytes } : {}),
      ...(f.restartCount !== undefined ? { restartCount: f.restartCount } : {}),
      ...(f.finishedAt ? { finishedAt: f.finishedAt } : {}),
      ...(f.pod.node ? { node: f.pod.node } : {}),
      ...(f.process ? { process: f.process.name } : {}),
    },
  };
  const parsed = K2Event.safeParse(withWorkload(draft, workload));
  if (!parsed.success)
    return {
      ok: false,
      error: parsed.error.issues
        .slice(0, 3)
        .map((i) => `${i.path.join('.')}: ${i.message}`)
        .join('; '),
    };
  return { ok: true, event: parsed.data };
}
