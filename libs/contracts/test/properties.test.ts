import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  eventId,
  fingerprint,
  K2Event,
  maskMessage,
  normalizeCoreEvent,
  normalizeEventsV1Event,
  type NormalizeContext,
  type NormalizeResult,
} from '../src/index.js';
import { RawCoreEvent } from '../src/kube.js';
import { quickCoreEvent } from '../src/quick-parse.js';
import * as fx from './fixtures.js';

type Normalize = (raw: unknown, ctx: NormalizeContext) => NormalizeResult;
type ValueOf<A> = A extends fc.Arbitrary<infer V> ? V : never;

/** A result is either a K2Event the schema accepts, or a readable error. */
function expectWellFormed(result: NormalizeResult): void {
  if (result.ok) {
    const parsed = K2Event.safeParse(result.event);
    if (!parsed.success) throw new Error(`normalised event fails the schema: ${parsed.error.message}`);
  } else {
    expect(result.error).toEqual(expect.any(String));
    expect(result.error.length).toBeGreaterThan(0);
  }
}

// ---- arbitraries -------------------------------------------------------------------------------

const alphabet = (chars: string, minLength: number, maxLength = minLength) =>
  fc.string({ unit: fc.constantFrom(...chars), minLength, maxLength });
/** Kubernetes' safe alphabet, which pod-template hashes and generated suffixes are drawn from. */
const SAFE = 'bcdfghjklmnpqrstvwxz2456789';
const podTemplateHash = alphabet(SAFE, 6, 10);
const podSuffix = alphabet(SAFE, 5);
const hex64 = alphabet('0123456789abcdef', 64);

/** Any UTF-16 code unit, lone surrogates included: what a hostile or broken reporter can send. */
const anyText = fc.string({
  unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)),
  maxLength: 60,
});
const text = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), anyText);

/** Timestamps as Kubernetes writes them (Time, MicroTime, with an offset), across years 0001–9999. */
const kubeTime = fc
  .tuple(
    fc.date({ min: new Date('0001-01-02T00:00:00Z'), max: new Date('9999-12-30T00:00:00Z'), noInvalidDate: true }),
    fc.constantFrom('Time', 'MicroTime', 'Offset'),
  )
  .map(([date, style]) => {
    const iso = date.toISOString();
    if (style === 'Time') return iso.replace(/\.\d{3}Z$/, 'Z');
    if (style === 'MicroTime') return iso.replace(/Z$/, '123Z');
    return new Date(date.getTime() + 330 * 60_000).toISOString().replace(/Z$/, '+05:30');
  });

const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });
const nullish = <T>(arb: fc.Arbitrary<T>) => fc.oneof(arb, fc.constant(null), fc.constant(undefined));

/** core/v1 Events of the right shape with arbitrary contents; most of them normalise. */
const coreEvent = fc.record({
  apiVersion: maybe(fc.constant('v1')),
  kind: maybe(fc.constant('Event')),
  metadata: fc.record({
    uid: fc.string({ minLength: 1 }),
    namespace: nullish(text),
    creationTimestamp: nullish(kubeTime),
  }),
  involvedObject: fc.record({
    kind: fc.string({ minLength: 1 }),
    name: fc.string({ minLength: 1 }),
    uid: nullish(text),
    namespace: nullish(text),
    fieldPath: nullish(text),
    apiVersion: nullish(text),
  }),
  reason: nullish(text),
  message: nullish(fc.oneof(text, fc.constant('é🙂\uD800'.repeat(9000)))),
  type: nullish(fc.oneof(fc.constantFrom('Normal', 'Warning'), text)),
  source: nullish(fc.record({ component: nullish(text), host: nullish(text) })),
  count: nullish(fc.nat()),
  firstTimestamp: nullish(kubeTime),
  lastTimestamp: nullish(kubeTime),
  eventTime: nullish(kubeTime),
  series: nullish(fc.record({ count: nullish(fc.nat()), lastObservedTime: nullish(kubeTime) })),
  reportingComponent: nullish(text),
});

const context = fc.record({
  cluster: fc.string({ minLength: 1 }),
  now: maybe(
    fc.date({ min: new Date('0000-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59Z'), noInvalidDate: true }),
  ),
});

// ---- mutation of real events -------------------------------------------------------------------

/** Every path in a JSON object, containers included, so a mutation can hit any level. */
function paths(value: unknown, prefix: string[] = []): string[][] {
  if (value === null || typeof value !== 'object') return [prefix];
  return [prefix, ...Object.entries(value).flatMap(([k, v]) => paths(v, [...prefix, k]))];
}

/** Sets (or, with undefined, deletes) the value at a path, creating objects on the way. */
function mutate(event: unknown, path: string[], value: unknown): unknown {
  if (path.length === 0) return value;
  const [head, ...rest] = path as [string, ...string[]];
  const base =
    event !== null && typeof event === 'object' && !Array.isArray(event) ? (event as Record<string, unknown>) : {};
  const copy: Record<string, unknown> = { ...base, [head]: mutate(base[head], rest, value) };
  if (value === undefined && rest.length === 0) delete copy[head];
  return copy;
}

const replacement = fc.oneof(fc.constant(undefined), fc.jsonValue(), text, kubeTime, fc.integer(), fc.constant(''));

function mutated(base: object): fc.Arbitrary<unknown> {
  const all = paths(base);
  return fc
    .array(fc.tuple(fc.constantFrom(...all), replacement), { minLength: 1, maxLength: 4 })
    .map((changes) =>
      changes.reduce<unknown>((event, [path, value]) => mutate(event, path, value), structuredClone(base)),
    );
}

const coreBases = [
  fx.cartBackOffHhvkb,
  fx.gatewayPullFailedQwm87,
  fx.portalUnhealthy2,
  fx.portalScaled,
  fx.ledgerBackOff,
];

// ---- properties -------------------------------------------------------------------------------

describe('property: normalisation never throws', () => {
  const anything = fc.anything({
    withBigInt: true,
    withBoxedValues: true,
    withDate: true,
    withMap: true,
    withNullPrototype: true,
    withObjectString: true,
    withSet: true,
    withSparseArray: true,
    withTypedArray: true,
  });
  const both: [string, Normalize][] = [
    ['normalizeCoreEvent', normalizeCoreEvent],
    ['normalizeEventsV1Event', normalizeEventsV1Event],
  ];

  it.each(both)('%s on fc.anything() and fc.jsonValue()', (_, normalize) => {
    fc.assert(
      fc.property(fc.oneof(anything, fc.jsonValue()), context, (raw, ctx) => expectWellFormed(normalize(raw, ctx))),
      { numRuns: 1000 },
    );
  });

  it('normalizeCoreEvent on mutated real events', () => {
    fc.assert(
      fc.property(fc.oneof(...coreBases.map(mutated)), (raw) => expectWellFormed(normalizeCoreEvent(raw, fx.ctx))),
      { numRuns: 1000 },
    );
  });

  it('normalizeEventsV1Event on mutated events', () => {
    fc.assert(
      fc.property(mutated(fx.cartBackOffSeriesV1), (raw) => expectWellFormed(normalizeEventsV1Event(raw, fx.ctx))),
      { numRuns: 500 },
    );
  });
});

describe('property: every successful normalisation parses with the K2Event schema', () => {
  it('on generated core/v1 events, most of which succeed', () => {
    let successes = 0;
    fc.assert(
      fc.property(coreEvent, context, (raw, ctx) => {
        const result = normalizeCoreEvent(raw, ctx);
        expectWellFormed(result);
        if (result.ok) successes++;
      }),
      { numRuns: 1000 },
    );
    // Otherwise the property would hold vacuously.
    expect(successes).toBeGreaterThan(500);
  });
});

describe('property: the quick check of core/v1 Events agrees with zod', () => {
  it('accepts only what RawCoreEvent accepts, and gives what it gives', () => {
    let quick = 0;
    const values = fc.oneof(coreEvent, ...coreBases.map(mutated), fc.anything(), fc.jsonValue());
    fc.assert(
      fc.property(values, (raw) => {
        const checked = quickCoreEvent(raw);
        if (checked === undefined) return;
        quick++;
        const parsed = RawCoreEvent.safeParse(raw);
        expect(parsed.success).toBe(true);
        expect(checked).toEqual(parsed.data);
      }),
      { numRuns: 3000 },
    );
    // Otherwise the property would hold vacuously.
    expect(quick).toBeGreaterThan(500);
  });
});

describe('property: fingerprint ignores the volatile parts of a message', () => {
  const volatile = fc.record({
    hash: podTemplateHash,
    suffix: podSuffix,
    uid: fc.uuid(),
    ipv4: fc.ipV4(),
    ipv6: fc.ipV6(),
    port: fc.integer({ min: 1, max: 65535 }),
    n: fc.nat(),
    pid: fc.integer({ min: 1, max: 4_194_304 }),
    containerId: hex64,
    duration: fc.oneof(
      fc.nat(59).map((sec) => `${sec}s`),
      fc.tuple(fc.integer({ min: 1, max: 59 }), fc.nat(59)).map(([min, sec]) => `${min}m${sec}s`),
      fc.tuple(fc.nat(59), fc.nat(9)).map(([sec, tenth]) => `${sec}.${tenth}s`),
      fc.nat(999).map((ms) => `${ms}ms`),
    ),
  });
  type Volatile = ValueOf<typeof volatile>;

  // Real message shapes from the scenarios and from kubelet.
  const templates: [string, (v: Volatile) => string][] = [
    ['BackOff', (v) => `Back-off restarting failed container cart in pod cart-${v.hash}-${v.suffix}_shop(${v.uid})`],
    [
      'BackOff (newer kubelet)',
      (v) =>
        `back-off ${v.duration} restarting failed container=ledger pod=ledger-${v.hash}-${v.suffix}_billing(${v.uid})`,
    ],
    [
      'Unhealthy',
      (v) =>
        `Readiness probe failed: Get "http://${v.ipv4}:${v.port}/ready": dial tcp ${v.ipv4}:${v.port}: connect: connection refused`,
    ],
    [
      'Unhealthy (IPv6)',
      (v) =>
        `Liveness probe failed: Get "http://[${v.ipv6}]:${v.port}/healthz": dial tcp [${v.ipv6}]:${v.port}: i/o timeout`,
    ],
    ['SandboxChanged', (v) => `Pod sandbox changed (${v.ipv6} -> ${v.ipv4}), it will be killed and re-created.`],
    [
      'Killing (containerd)',
      (v) =>
        `Killing container with id containerd://${v.containerId}: Container failed liveness probe.. Container will be killed and recreated.`,
    ],
    ['Killing (docker)', (v) => `Killing container with id docker://${v.containerId}: Need to kill Pod`],
    [
      'Failed (bare container id)',
      (v) => `Error: failed to start container ${v.containerId}: OCI runtime create failed`,
    ],
    ['ScalingReplicaSet', (v) => `Scaled up replica set portal-${v.hash} to ${v.n}`],
    ['Scheduled', (v) => `Successfully assigned web/portal-${v.hash}-${v.suffix} to node-${v.n}`],
    [
      'OOMKilling',
      (v) =>
        `Memory cgroup out of memory: Killed process ${v.pid} (java) total-vm:${v.n}kB, anon-rss:${v.n}kB, oom_score_adj:${v.n}`,
    ],
  ];

  it.each(templates)('%s', (reason, template) => {
    fc.assert(
      fc.property(volatile, volatile, (a, b) => {
        expect(maskMessage(template(a))).toBe(maskMessage(template(b)));
        // As the eventer sees it: each message on its own pod, the workload not yet resolved.
        const event = (v: Volatile) => {
          const raw = fx.variant(fx.cartBackOffHhvkb, {
            reason,
            message: template(v),
            involvedObject: { kind: 'Pod', name: `cart-${v.hash}-${v.suffix}`, uid: v.uid },
          });
          const result = normalizeCoreEvent(raw, fx.ctx);
          if (!result.ok) throw new Error(result.error);
          return result.event;
        };
        expect(event(a).fingerprint).toBe(event(b).fingerprint);
        expect(fingerprint({ ...event(a), workload: { kind: 'Deployment', name: 'cart' } })).toBe(
          fingerprint({ ...event(b), workload: { kind: 'Deployment', name: 'cart' } }),
        );
      }),
      { numRuns: 200 },
    );
  });
});

describe('property: the event id is a pure function of (cluster, uid, occurrence)', () => {
  const key = fc.record({
    cluster: fc.string({ minLength: 1 }),
    uid: fc.string({ minLength: 1 }),
    occurrence: fc.integer({ min: 1, max: 1e9 }),
  });
  const withKey = (raw: ValueOf<typeof coreEvent>, k: { uid: string; occurrence: number }) => ({
    ...raw,
    metadata: { ...raw.metadata, uid: k.uid },
    count: k.occurrence,
    series: null,
  });

  it('equal keys give equal ids, whatever else the events say', () => {
    fc.assert(
      fc.property(key, coreEvent, coreEvent, (k, a, b) => {
        const ra = normalizeCoreEvent(withKey(a, k), { cluster: k.cluster });
        const rb = normalizeCoreEvent(withKey(b, k), { cluster: k.cluster });
        fc.pre(ra.ok && rb.ok);
        if (!ra.ok || !rb.ok) return;
        expect(ra.event.id).toBe(rb.event.id);
        expect(ra.event.id).toBe(eventId(k.cluster, k.uid, k.occurrence));
      }),
      { numRuns: 500 },
    );
  });

  it('different keys give different ids', () => {
    fc.assert(
      fc.property(key, key, (a, b) => {
        fc.pre(a.cluster !== b.cluster || a.uid !== b.uid || a.occurrence !== b.occurrence);
        expect(eventId(a.cluster, a.uid, a.occurrence)).not.toBe(eventId(b.cluster, b.uid, b.occurrence));
      }),
      { numRuns: 1000 },
    );
  });
});
