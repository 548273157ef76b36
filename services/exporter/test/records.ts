import { eventId, fingerprint, incidentId, type Incident, type K2Event } from '@k2/contracts';

const T = '2026-01-01T00:00:00.000Z';

/** A valid K2Event about a pod of `workload`; `n` makes the id distinct. */
export function k2Event(spec: {
  reason: string;
  n: number;
  namespace?: string;
  workload?: string;
  type?: 'Normal' | 'Warning';
  oomContainer?: string;
  pod?: string;
}): K2Event {
  const pod = spec.pod ?? 'cart-7d9f8c6b5-abcde';
  const core = {
    cluster: 'test',
    namespace: spec.namespace ?? 'shop',
    involvedObject: { kind: 'Pod', name: pod, uid: `uid-${pod}` },
    workload: { kind: 'Deployment', name: spec.workload ?? 'cart' },
    reason: spec.reason,
    message: `${spec.reason} #${spec.n}`,
  };
  return {
    schemaVersion: 1,
    id: eventId('test', `${pod}/${spec.reason}`, spec.n),
    fingerprint: fingerprint(core),
    ...core,
    type: spec.type ?? 'Warning',
    source: { component: 'kubelet' },
    count: spec.n,
    occurrence: spec.n,
    firstSeen: T,
    lastSeen: T,
    ...(spec.oomContainer ? { oom: { container: spec.oomContainer } } : {}),
  };
}

/** A valid Incident record of `workload`'s `problemClass`. */
export function incident(spec: {
  workload: string;
  problemClass: string;
  seq: number;
  status?: 'open' | 'resolved';
  severity?: 'info' | 'warning' | 'critical';
  namespace?: string;
}): Incident {
  const namespace = spec.namespace ?? 'shop';
  const workload = { kind: 'Deployment', name: spec.workload };
  const status = spec.status ?? 'open';
  return {
    schemaVersion: 1,
    id: incidentId('test', namespace, workload, spec.problemClass),
    cluster: 'test',
    namespace,
    workload,
    class: spec.problemClass,
    status,
    severity: spec.severity ?? 'warning',
    firstSeen: T,
    lastSeen: T,
    count: 1,
    affected: [],
    otherAffected: 0,
    flapping: false,
    reopens: 0,
    summary: `${spec.problemClass} in ${spec.workload}`,
    transition: status === 'open' ? (spec.seq === 1 ? 'opened' : 'updated') : 'resolved',
    transitionAt: T,
    seq: spec.seq,
    effects: [],
  };
}
