import { describe, expect, it } from 'vitest';
import { Incident, incidentId, MAX_AFFECTED, ProblemClass } from '../src/index.js';

const cart = { kind: 'Deployment', name: 'cart' };

function record(overrides: Partial<Incident> = {}): Incident {
  return {
    schemaVersion: 1,
    id: incidentId('prod-1', 'shop', cart, 'crash_loop'),
    cluster: 'prod-1',
    namespace: 'shop',
    workload: cart,
    class: 'crash_loop',
    status: 'open',
    severity: 'warning',
    firstSeen: '2026-01-01T00:02:00.000Z',
    lastSeen: '2026-01-01T00:04:00.000Z',
    count: 12,
    affected: [{ kind: 'Pod', name: 'cart-nbbb2wbq4j-hhvkb', container: 'cart', node: 'node-6', count: 4 }],
    otherAffected: 0,
    flapping: false,
    reopens: 0,
    summary: 'shop/cart: crash loop — 1 pod, 4 restarts since 00:02',
    transition: 'opened',
    transitionAt: '2026-01-01T00:02:02.000Z',
    seq: 1_767_225_722_000_000,
    effects: [],
    ...overrides,
  };
}

describe('incident id', () => {
  it('is stable for (cluster, namespace, workload, class) and 32 hex characters', () => {
    expect(incidentId('prod-1', 'shop', cart, 'crash_loop')).toBe(
      incidentId('prod-1', 'shop', { ...cart }, 'crash_loop'),
    );
    expect(incidentId('prod-1', 'shop', cart, 'crash_loop')).toMatch(/^[0-9a-f]{32}$/);
  });

  it('differs in each of its parts', () => {
    const base = incidentId('prod-1', 'shop', cart, 'crash_loop');
    expect(incidentId('prod-2', 'shop', cart, 'crash_loop')).not.toBe(base);
    expect(incidentId('prod-1', 'shop2', cart, 'crash_loop')).not.toBe(base);
    expect(incidentId('prod-1', 'shop', { kind: 'StatefulSet', name: 'cart' }, 'crash_loop')).not.toBe(base);
    expect(incidentId('prod-1', 'shop', { kind: 'Deployment', name: 'carts' }, 'crash_loop')).not.toBe(base);
    expect(incidentId('prod-1', 'shop', cart, 'oom_kill')).not.toBe(base);
  });
});

describe('Incident schema', () => {
  it('accepts a well-formed record', () => {
    expect(Incident.parse(record())).toEqual(record());
  });

  it('accepts known classes and other:<reason>, and nothing else', () => {
    expect(ProblemClass.safeParse('oom_kill').success).toBe(true);
    expect(ProblemClass.safeParse('other:FailedKillPod').success).toBe(true);
    expect(ProblemClass.safeParse('other:').success).toBe(false);
    expect(ProblemClass.safeParse('crashloop').success).toBe(false);
  });

  it('ties status resolved to transition resolved', () => {
    expect(Incident.safeParse(record({ status: 'resolved', transition: 'resolved' })).success).toBe(true);
    expect(Incident.safeParse(record({ status: 'resolved', transition: 'updated' })).success).toBe(false);
    expect(Incident.safeParse(record({ status: 'open', transition: 'resolved' })).success).toBe(false);
  });

  it('refuses a first sighting after the last, an empty count and a non-positive seq', () => {
    expect(Incident.safeParse(record({ firstSeen: '2026-01-01T00:05:00.000Z' })).success).toBe(false);
    expect(Incident.safeParse(record({ count: 0 })).success).toBe(false);
    expect(Incident.safeParse(record({ seq: 0 })).success).toBe(false);
  });

  it('bounds the affected list', () => {
    const many = Array.from({ length: MAX_AFFECTED + 1 }, (_, i) => ({ kind: 'Pod', name: `cart-${i}`, count: 1 }));
    expect(Incident.safeParse(record({ affected: many })).success).toBe(false);
    expect(Incident.safeParse(record({ affected: many.slice(1), otherAffected: 150 })).success).toBe(true);
  });

  it('lets only a resolved incident name the one that superseded it', () => {
    const by = incidentId('prod-1', 'shop', cart, 'oom_kill');
    expect(Incident.safeParse(record({ supersededBy: by })).success).toBe(false);
    const superseded = record({ status: 'resolved', transition: 'resolved', supersededBy: by, cause: 'oom_kill' });
    expect(Incident.safeParse(superseded).success).toBe(true);
  });
});
