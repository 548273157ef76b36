import { eventId, fingerprint, oomEventId, type K2Event, type Workload } from '@k2/contracts';

/** Builders of K2Events for unit tests; times are seconds after T0. */

export const T0 = Date.parse('2026-01-01T00:00:00Z');
export const CLUSTER = 'test';
export const at = (seconds: number) => T0 + seconds * 1000;
const iso = (seconds: number) => new Date(at(seconds)).toISOString();

export interface EventSpec {
  reason: string;
  message?: string;
  type?: 'Normal' | 'Warning';
  /** The involved object; a Pod by default. */
  kind?: string;
  name?: string;
  namespace?: string;
  workload?: Workload;
  /** Seconds after T0 of this occurrence. */
  t: number;
  /** Kubernetes' count: the occurrence this record reports. */
  count?: number;
  container?: string;
  host?: string;
  component?: string;
}

const CART: Workload = { kind: 'Deployment', name: 'cart' };

/** One occurrence of a Kubernetes event; the same (object, reason, message) is one event series. */
export function k8s(spec: EventSpec): K2Event {
  const kind = spec.kind ?? 'Pod';
  const name = spec.name ?? 'cart-7d9f8c6b5-abcde';
  const message = spec.message ?? spec.reason;
  const count = spec.count ?? 1;
  const core = {
    cluster: CLUSTER,
    namespace: spec.namespace ?? 'shop',
    involvedObject: {
      kind,
      name,
      uid: `uid-${name}`,
      ...(spec.container ? { fieldPath: `spec.containers{${spec.container}}` } : {}),
    },
    workload: spec.workload ?? (kind === 'Pod' ? CART : { kind, name }),
    reason: spec.reason,
    message,
  };
  return {
    schemaVersion: 1,
    id: eventId(CLUSTER, `${kind}/${name}/${spec.reason}/${message}`, count),
    fingerprint: fingerprint(core),
    ...core,
    type: spec.type ?? 'Warning',
    source: { component: spec.component ?? 'kubelet', ...(spec.host ? { host: spec.host } : {}) },
    count,
    occurrence: count,
    firstSeen: iso(spec.t),
    lastSeen: iso(spec.t),
  };
}

/** An OOM kill as the OOM watcher reports it: one K2Event per kill. */
export function oom(spec: {
  t: number;
  pod?: string;
  container?: string;
  workload?: Workload;
  namespace?: string;
}): K2Event {
  const pod = spec.pod ?? 'cart-7d9f8c6b5-abcde';
  const container = spec.container ?? 'cart';
  const core = {
    cluster: CLUSTER,
    namespace: spec.namespace ?? 'shop',
    involvedObject: { kind: 'Pod', name: pod, uid: `uid-${pod}`, fieldPath: `spec.containers{${container}}` },
    workload: spec.workload ?? CART,
    reason: 'OOMKilled',
    message: `Container ${container} was OOM-killed (limit 2Gi)`,
  };
  return {
    schemaVersion: 1,
    id: oomEventId(CLUSTER, `uid-${pod}`, container, iso(spec.t)),
    fingerprint: fingerprint(core),
    ...core,
    type: 'Warning',
    source: { component: 'k2-oom-watcher', host: 'node-1' },
    count: 1,
    occurrence: 1,
    firstSeen: iso(spec.t),
    lastSeen: iso(spec.t),
    oom: { container, finishedAt: iso(spec.t), node: 'node-1' },
  };
}

/** A crash-loop back-off, occurrence `count` of the pod's series. */
export const backOff = (t: number, count: number, pod?: string) =>
  k8s({
    reason: 'BackOff',
    message: 'Back-off restarting failed container cart in pod',
    t,
    count,
    name: pod,
    container: 'cart',
  });
