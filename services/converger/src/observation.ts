import type { K2Event, Workload } from '@k2/contracts';
import type { Verdict } from './classify.js';

/** A K2Event reduced to what the converger keeps while it waits for the watermark. */
export interface Observation {
  id: string;
  /** Event time (ms): when this occurrence happened. */
  at: number;
  /** The incident group: cluster, namespace and workload (see groupKey). */
  key: string;
  kind: string;
  name: string;
  container?: string;
  node?: string;
  /** How often Kubernetes has seen the event; an OOM K2Event is one kill each. */
  count: number;
  oom: boolean;
  verdict: Exclude<Verdict, { kind: 'ignored' }>;
}

export interface GroupRef {
  cluster: string;
  namespace: string;
  workload: Workload;
}

// Kubernetes names never contain NUL, so the parts stay apart.
const SEP = '\u0000';

export function groupKey(ref: GroupRef): string {
  return [ref.cluster, ref.namespace, ref.workload.kind, ref.workload.name].join(SEP);
}

export function groupRef(key: string): GroupRef {
  const [cluster = '', namespace = '', kind = '', name = ''] = key.split(SEP);
  return { cluster, namespace, workload: { kind, name } };
}

const CONTAINER_FIELD = /^spec\.(?:initContainers|containers|ephemeralContainers)\{(.+)\}$/;

export function observe(e: K2Event, verdict: Observation['verdict']): Observation {
  const container = e.oom?.container ?? CONTAINER_FIELD.exec(e.involvedObject.fieldPath ?? '')?.[1];
  const node = e.involvedObject.kind === 'Node' ? undefined : (e.oom?.node ?? e.source.host);
  return {
    id: e.id,
    at: Date.parse(e.lastSeen),
    key: groupKey(e),
    kind: e.involvedObject.kind,
    name: e.involvedObject.name,
    ...(container ? { container } : {}),
    ...(node ? { node } : {}),
    count: e.count,
    oom: e.oom !== undefined,
    verdict,
  };
}

/** Processing order: event time, problems before recoveries at the same instant, then id. */
export function before(a: Observation, b: Observation): boolean {
  if (a.at !== b.at) return a.at < b.at;
  const pa = a.verdict.kind === 'problem' ? 0 : 1;
  const pb = b.verdict.kind === 'problem' ? 0 : 1;
  return pa !== pb ? pa < pb : a.id < b.id;
}
