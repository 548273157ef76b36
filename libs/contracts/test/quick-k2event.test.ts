import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { eventId, fingerprint, K2Event, ObjectRef, OomInfo, quickK2Event, Workload } from '@k2/contracts';

const core = {
  cluster: 'prod',
  namespace: 'shop',
  involvedObject: { kind: 'Pod', name: 'cart-7d9f8c6b5-abcde', uid: 'uid-cart-7d9f8c6b5-abcde' },
  workload: { kind: 'Deployment', name: 'cart' },
  reason: 'BackOff',
  message: 'Back-off restarting failed container app',
};
const base: K2Event = {
  schemaVersion: 1,
  id: eventId('prod', 'Pod/cart-7d9f8c6b5-abcde/BackOff', 3),
  fingerprint: fingerprint(core),
  ...core,
  type: 'Warning',
  source: { component: 'kubelet' },
  count: 3,
  occurrence: 3,
  firstSeen: '2026-03-02T10:01:00Z',
  lastSeen: '2026-03-02T10:01:00Z',
};
const json = (value: unknown): unknown => JSON.parse(JSON.stringify(value));

/** Values a field may get: right ones, wrong ones, and ones only zod can judge. */
const text = fc.oneof(fc.string(), fc.constantFrom('', 'x', '\uD800', 'a\uDC00b', 'é—ü', 'x'.repeat(11_000)));
const anything = fc.oneof(
  text,
  fc.constantFrom(null, true, 0, -1, 1, 1.5, 2 ** 53, [], {}),
  fc.integer({ min: -5, max: 1e6 }),
);
const hex = fc.oneof(
  fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 32, maxLength: 32 }),
  fc.constantFrom('ABCDEF0123456789abcdef0123456789', 'abc', base.id + '0'),
);
const time = fc.oneof(
  fc
    .date({ min: new Date('0001-01-01T00:00:00Z'), max: new Date('9999-12-31T00:00:00Z'), noInvalidDate: true })
    .map((d) => d.toISOString()),
  fc.constantFrom(
    '2026-02-29T00:00:00Z',
    '2024-02-29T00:00:00.5Z',
    '2026-01-01T24:00:00Z',
    '2026-01-01T00:00:00+01:00',
    '2026-01-01 00:00:00Z',
    '2026-01-01T00:00Z',
  ),
);
const missing = Symbol('missing');

const changes = {
  schemaVersion: fc.oneof(fc.constant(1), anything),
  id: fc.oneof(hex, anything),
  fingerprint: fc.oneof(hex, anything),
  cluster: fc.oneof(text, anything),
  namespace: text,
  kind: fc.oneof(fc.constant('Pod'), anything),
  name: text,
  uid: fc.oneof(text, anything),
  fieldPath: fc.oneof(fc.constant(missing), text, anything),
  apiVersion: fc.oneof(fc.constant(missing), text),
  workload: fc.oneof(fc.record({ kind: text, name: text }), anything),
  reason: fc.oneof(text, anything),
  message: text,
  type: fc.oneof(fc.constantFrom('Normal', 'Warning', 'Error'), anything),
  host: fc.oneof(fc.constant(missing), text, anything),
  component: fc.oneof(text, anything),
  count: fc.oneof(fc.integer({ min: -2, max: 1000 }), anything),
  occurrence: fc.oneof(fc.integer({ min: -2, max: 1000 }), anything),
  firstSeen: time,
  lastSeen: fc.oneof(time, anything),
  oom: fc.oneof(fc.constant(missing), fc.constant({ container: 'app', node: 'n1' }), anything),
  extra: fc.oneof(fc.constant(missing), anything),
};

/** The base event with a few fields changed, removed or added. */
const event = fc
  .tuple(fc.record(changes), fc.shuffledSubarray(Object.keys(changes), { maxLength: 3 }))
  .map(([values, fields]) => {
    const e: Record<string, unknown> = structuredClone(base);
    const ref = e.involvedObject as Record<string, unknown>;
    const source = e.source as Record<string, unknown>;
    const into: Record<string, Record<string, unknown>> = {
      kind: ref,
      name: ref,
      uid: ref,
      fieldPath: ref,
      apiVersion: ref,
      host: source,
      component: source,
    };
    for (const field of fields) {
      const value = values[field as keyof typeof values];
      const target = into[field] ?? e;
      if (value === missing) delete target[field];
      else target[field] = value;
    }
    return json(e);
  });

describe('quickK2Event', () => {
  it('knows every field of K2Event (a new field must be taught to it)', () => {
    expect(Object.keys(K2Event.shape)).toEqual([
      'schemaVersion',
      'id',
      'fingerprint',
      'cluster',
      'namespace',
      'involvedObject',
      'workload',
      'reason',
      'message',
      'type',
      'source',
      'count',
      'occurrence',
      'firstSeen',
      'lastSeen',
      'oom',
    ]);
    expect(Object.keys(ObjectRef.shape)).toEqual(['kind', 'name', 'uid', 'fieldPath', 'apiVersion']);
    expect(Object.keys(Workload.shape)).toEqual(['kind', 'name']);
    expect(Object.keys(K2Event.shape.source.shape)).toEqual(['component', 'host']);
    expect(OomInfo).toBeDefined();
  });

  it('takes an event of the usual shape as it is', () => {
    const e = json(base);
    expect(quickK2Event(e)).toBe(e);
  });

  it('accepts only what K2Event accepts, and then gives what K2Event gives', () => {
    let quick = 0;
    fc.assert(
      fc.property(event, (e) => {
        const q = quickK2Event(e);
        const z = K2Event.safeParse(e);
        if (q === undefined) return;
        quick++;
        expect(z.success).toBe(true);
        expect(q).toEqual(z.data);
      }),
      { numRuns: 3000 },
    );
    // The property says something only if the quick check takes some events.
    expect(quick).toBeGreaterThan(30);
  });
});
