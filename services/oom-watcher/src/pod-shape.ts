import { parseMemoryQuantity } from './quantity.js';

/*
 * Safe readers for Pod objects. Pods come from the API server or a cache and are trusted for
 * nothing: any field may be missing, null or of the wrong type, and none of this throws.
 */

type Obj = Record<string, unknown>;

function obj(value: unknown): Obj | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Obj) : undefined;
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

export interface PodSummary {
  namespace: string;
  name: string;
  uid: string;
  /** spec.nodeName; unset while the pod is unscheduled. */
  node?: string;
  /** The controlling owner (ReplicaSet, Job, StatefulSet ...), from the pod itself. */
  owner?: { kind: string; name: string };
}

/** Namespace, name and uid, or undefined when the pod lacks one of them. */
export function podSummary(pod: unknown): PodSummary | undefined {
  const meta = obj(obj(pod)?.metadata);
  const namespace = str(meta?.namespace);
  const name = str(meta?.name);
  const uid = str(meta?.uid);
  if (!namespace || !name || !uid) return undefined;
  const node = str(obj(obj(pod)?.spec)?.nodeName);
  const refs = list(meta?.ownerReferences).map(obj);
  const ref = refs.find((r) => r?.controller === true) ?? refs[0];
  const owner = str(ref?.kind) && str(ref?.name) ? { kind: ref!.kind as string, name: ref!.name as string } : undefined;
  return { namespace, name, uid, ...(node ? { node } : {}), ...(owner ? { owner } : {}) };
}

export interface Terminated {
  reason?: string;
  finishedAt: unknown;
  containerId?: string;
}

export interface ContainerStatus {
  name: string;
  init: boolean;
  restartCount?: number;
  containerId?: string;
  terminated?: Terminated;
  lastTerminated?: Terminated;
}

function terminated(state: unknown): Terminated | undefined {
  const t = obj(obj(state)?.terminated);
  if (!t) return undefined;
  const reason = str(t.reason);
  const containerId = str(t.containerID);
  return { finishedAt: t.finishedAt, ...(reason ? { reason } : {}), ...(containerId ? { containerId } : {}) };
}

/** Container and init container statuses; `invalid` counts entries without a name. */
export function containerStatuses(pod: unknown): { statuses: ContainerStatus[]; invalid: number } {
  const status = obj(obj(pod)?.status);
  const statuses: ContainerStatus[] = [];
  let invalid = 0;
  for (const [field, init] of [
    ['containerStatuses', false],
    ['initContainerStatuses', true],
  ] as const) {
    for (const entry of list(status?.[field])) {
      const s = obj(entry);
      const name = str(s?.name);
      if (!s || !name) {
        invalid++;
        continue;
      }
      const rc = s.restartCount;
      const containerId = str(s.containerID);
      const now = terminated(s.state);
      const last = terminated(s.lastState);
      statuses.push({
        name,
        init,
        ...(Number.isSafeInteger(rc) && (rc as number) >= 0 ? { restartCount: rc as number } : {}),
        ...(containerId ? { containerId } : {}),
        ...(now ? { terminated: now } : {}),
        ...(last ? { lastTerminated: last } : {}),
      });
    }
  }
  return { statuses, invalid };
}

export type MemoryLimit =
  { kind: 'none' } | { kind: 'invalid'; text: string } | { kind: 'set'; bytes: number; text: string };

/** The container's resources.limits.memory, parsed. */
export function memoryLimit(pod: unknown, container: string, init: boolean): MemoryLimit {
  const spec = obj(obj(pod)?.spec);
  const c = list(spec?.[init ? 'initContainers' : 'containers'])
    .map(obj)
    .find((x) => x?.name === container);
  const raw = obj(obj(c?.resources)?.limits)?.memory;
  if (raw === undefined || raw === null) return { kind: 'none' };
  const bytes = parseMemoryQuantity(raw);
  const text = String(raw).slice(0, 64);
  return bytes === undefined ? { kind: 'invalid', text } : { kind: 'set', bytes, text };
}

/** The hex id of `containerd://<id>`, `docker://<id>`, `cri-o://<id>`. */
export function bareContainerId(id: string): string {
  return id.replace(/^[a-z-]+:\/\//, '').toLowerCase();
}
