import { createHash } from 'node:crypto';
import type { Incident, K2Event } from '@k2/contracts';

const hashParts = (parts: unknown[]) => createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 32);

export const T0 = Date.parse('2026-03-01T10:00:00.000Z');
export const iso = (ms: number) => new Date(ms).toISOString();

export interface EventSpec {
  cluster?: string;
  namespace?: string;
  kind?: string;
  name?: string;
  workload?: { kind: string; name: string };
  reason?: string;
  message?: string;
  type?: 'Normal' | 'Warning';
  component?: string;
  host?: string;
  at: number;
  oom?: K2Event['oom'];
  n?: number;
}

/** A valid K2Event; its id depends on everything that differs, so specs never collide by accident. */
export function event(s: EventSpec): K2Event {
  const cluster = s.cluster ?? 'east';
  const namespace = s.namespace ?? 'shop';
  const name = s.name ?? 'cart-7d9f-abcde';
  const id = hashParts(['test-event', cluster, namespace, name, s.reason ?? 'BackOff', s.at, s.n ?? 0]);
  return {
    schemaVersion: 1,
    id,
    fingerprint: hashParts(['fp', cluster, namespace, s.reason ?? 'BackOff']),
    cluster,
    namespace,
    involvedObject: { kind: s.kind ?? 'Pod', name, uid: `uid-${name}` },
    workload: s.workload ?? { kind: 'Deployment', name: 'cart' },
    reason: s.reason ?? 'BackOff',
    message: s.message ?? 'Back-off restarting failed container',
    type: s.type ?? 'Warning',
    source: { component: s.component ?? 'kubelet', ...(s.host ? { host: s.host } : {}) },
    count: 1,
    occurrence: 1,
    firstSeen: iso(s.at),
    lastSeen: iso(s.at),
    ...(s.oom ? { oom: s.oom } : {}),
  };
}

export function incident(over: Partial<Incident> & { seq: number; at: number }): Incident {
  const { at, ...rest } = over;
  const status = rest.status ?? 'open';
  return {
    schemaVersion: 1,
    id: rest.id ?? hashParts(['incident', rest.cluster ?? 'east', rest.namespace ?? 'shop', 'cart']),
    cluster: 'east',
    namespace: 'shop',
    workload: { kind: 'Deployment', name: 'cart' },
    class: 'crash_loop',
    severity: 'warning',
    firstSeen: iso(T0),
    lastSeen: iso(at),
    count: 3,
    affected: [{ kind: 'Pod', name: 'cart-7d9f-abcde', count: 3 }],
    otherAffected: 0,
    flapping: false,
    reopens: 0,
    summary: 'cart is crash-looping',
    transitionAt: iso(at),
    effects: [],
    ...rest,
    status,
    transition: rest.transition ?? (status === 'resolved' ? 'resolved' : 'opened'),
  };
}
