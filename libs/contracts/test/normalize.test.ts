import { describe, expect, it } from 'vitest';
import {
  boundMessage,
  eventId,
  K2Event,
  MAX_MESSAGE_BYTES,
  normalizeCoreEvent,
  normalizeEventsV1Event,
  type NormalizeResult,
} from '../src/index.js';
import * as fx from './fixtures.js';

const now = new Date('2026-01-01T12:00:00Z');

function ok(result: NormalizeResult): K2Event {
  if (!result.ok) throw new Error(`expected success, got: ${result.error}`);
  expect(K2Event.safeParse(result.event).success).toBe(true);
  return result.event;
}

function error(result: NormalizeResult): string {
  if (result.ok) throw new Error(`expected an error, got ${JSON.stringify(result.event)}`);
  return result.error;
}

describe('normalizeCoreEvent', () => {
  it('turns a real kubelet event into a K2Event', () => {
    const event = ok(normalizeCoreEvent(fx.ledgerBackOff, fx.ctx));
    expect(event).toEqual({
      schemaVersion: 1,
      id: eventId('prod-1', '0b91d502-1daf-6b14-41b8-a4d8faf781aa', 2),
      fingerprint: event.fingerprint,
      cluster: 'prod-1',
      namespace: 'billing',
      involvedObject: {
        kind: 'Pod',
        name: 'ledger-cddp9h684m-lzjzc',
        uid: 'c349779e-e99d-4a3f-aa48-961c7a1a4af7',
        fieldPath: 'spec.containers{ledger}',
        apiVersion: 'v1',
      },
      workload: { kind: 'Pod', name: 'ledger-cddp9h684m-lzjzc' },
      reason: 'BackOff',
      message: fx.ledgerBackOff.message,
      type: 'Warning',
      source: { component: 'kubelet', host: 'node-1' },
      count: 2,
      occurrence: 2,
      firstSeen: '2026-01-01T00:02:00.000Z',
      lastSeen: '2026-01-01T00:06:00.000Z',
    });
  });

  it('keeps events about Deployments and ReplicaSets on their own object', () => {
    const scaled = ok(normalizeCoreEvent(fx.portalScaled, fx.ctx));
    expect(scaled.workload).toEqual({ kind: 'Deployment', name: 'portal' });
    expect(scaled.source).toEqual({ component: 'deployment-controller' });
    const created = ok(normalizeCoreEvent(fx.portalCreatedPod, fx.ctx));
    expect(created.workload).toEqual({ kind: 'ReplicaSet', name: 'portal-kxwgpzt2xd' });
    expect(created.type).toBe('Normal');
  });

  it('accepts unknown kinds (custom resources)', () => {
    const event = ok(
      normalizeCoreEvent(
        fx.variant(fx.cartBackOffHhvkb, {
          involvedObject: { apiVersion: 'kubevirt.io/v1', kind: 'VirtualMachineInstance', name: 'vm-7', uid: 'a1' },
          reason: 'SyncFailed',
        }),
        fx.ctx,
      ),
    );
    expect(event.involvedObject).toEqual({
      apiVersion: 'kubevirt.io/v1',
      kind: 'VirtualMachineInstance',
      name: 'vm-7',
      uid: 'a1',
    });
    expect(event.workload).toEqual({ kind: 'VirtualMachineInstance', name: 'vm-7' });
  });

  it('fills in defaults for everything it can do without', () => {
    const minimal = { metadata: { uid: 'u-1' }, involvedObject: { kind: 'Node', name: 'node-1' } };
    expect(ok(normalizeCoreEvent(minimal, { cluster: 'c', now }))).toEqual({
      schemaVersion: 1,
      id: eventId('c', 'u-1', 1),
      fingerprint: expect.stringMatching(/^[0-9a-f]{32}$/),
      cluster: 'c',
      namespace: 'default',
      involvedObject: { kind: 'Node', name: 'node-1', uid: '' },
      workload: { kind: 'Node', name: 'node-1' },
      reason: '',
      message: '',
      type: 'Normal',
      source: { component: '' },
      count: 1,
      occurrence: 1,
      firstSeen: '2026-01-01T12:00:00.000Z',
      lastSeen: '2026-01-01T12:00:00.000Z',
    });
  });

  it('takes the namespace from the involved object, and the component from reportingComponent', () => {
    const raw = {
      metadata: { uid: 'u-2' },
      involvedObject: { kind: 'Pod', name: 'p', namespace: 'shop' },
      reportingComponent: 'kubelet',
      source: {},
    };
    const event = ok(normalizeCoreEvent(raw, { cluster: 'c', now }));
    expect(event.namespace).toBe('shop');
    expect(event.source).toEqual({ component: 'kubelet' });
  });

  it.each([
    [
      'eventTime alone (a MicroTime)',
      { eventTime: '2026-01-01T00:02:00.123456Z' },
      '2026-01-01T00:02:00.123Z',
      '2026-01-01T00:02:00.123Z',
    ],
    [
      'creationTimestamp alone',
      { metadata: { uid: 'u', creationTimestamp: '2026-01-01T00:00:07Z' } },
      '2026-01-01T00:00:07.000Z',
      '2026-01-01T00:00:07.000Z',
    ],
    [
      'series.lastObservedTime over lastTimestamp',
      {
        eventTime: '2026-01-01T00:01:00.000000Z',
        series: { count: 4, lastObservedTime: '2026-01-01T00:09:00.500000Z' },
        lastTimestamp: null,
      },
      '2026-01-01T00:01:00.000Z',
      '2026-01-01T00:09:00.500Z',
    ],
    [
      'an offset, converted to UTC',
      { firstTimestamp: '2026-01-01T08:00:00+08:00', lastTimestamp: '2026-01-01T08:30:00+08:00' },
      '2026-01-01T00:00:00.000Z',
      '2026-01-01T00:30:00.000Z',
    ],
    [
      "Go's zero time, as missing",
      { firstTimestamp: '0001-01-01T00:00:00Z', lastTimestamp: '2026-01-01T00:05:00Z' },
      '2026-01-01T00:05:00.000Z',
      '2026-01-01T00:05:00.000Z',
    ],
    [
      'a first sighting after the last, clamped',
      { firstTimestamp: '2026-01-01T00:09:00Z', lastTimestamp: '2026-01-01T00:05:00Z' },
      '2026-01-01T00:05:00.000Z',
      '2026-01-01T00:05:00.000Z',
    ],
  ])('reads timestamps: %s', (_, fields, firstSeen, lastSeen) => {
    const raw = { metadata: { uid: 'u' }, involvedObject: { kind: 'Pod', name: 'p' }, ...fields };
    const event = ok(normalizeCoreEvent(raw, { cluster: 'c', now }));
    expect([event.firstSeen, event.lastSeen]).toEqual([firstSeen, lastSeen]);
  });

  it.each([
    ['lastTimestamp', 'yesterday'],
    ['lastTimestamp', '2026-02-30T00:00:00Z'],
    ['firstTimestamp', '2026-01-01T24:00:00Z'],
    ['eventTime', '2026-01-01 00:00:00'],
    ['firstTimestamp', '1767225600'],
  ])('rejects a broken %s (%s), naming the field', (field, value) => {
    const message = error(normalizeCoreEvent(fx.variant(fx.cartBackOffHhvkb, { [field]: value }), fx.ctx));
    expect(message).toContain(field);
    expect(message).toContain('RFC 3339');
  });

  it('rejects a broken timestamp even when a better one is present', () => {
    const raw = fx.variant(fx.cartBackOffHhvkb, {
      series: { count: 3, lastObservedTime: '2026-01-01T00:03:00.000000Z' },
      firstTimestamp: 'soon',
    });
    expect(error(normalizeCoreEvent(raw, fx.ctx))).toContain('firstTimestamp');
  });

  it.each([
    ['no involvedObject', { involvedObject: undefined }, 'involvedObject'],
    ['an involvedObject without a name', { involvedObject: { kind: 'Pod', uid: 'x' } }, 'involvedObject.name'],
    ['no metadata.uid', { metadata: { name: 'e', namespace: 'shop' } }, 'metadata.uid'],
    ['a timestamp that is a number', { lastTimestamp: 1767225600 }, 'lastTimestamp'],
    ['a negative count', { count: -1 }, 'count'],
    ['a count that is a string', { count: '3' }, 'count'],
    ['another kind of object', { kind: 'Pod' }, 'kind'],
    ['the events.k8s.io API version', { apiVersion: 'events.k8s.io/v1' }, 'apiVersion'],
  ])('rejects an event with %s', (_, changes, field) => {
    const message = error(normalizeCoreEvent(fx.variant(fx.cartBackOffHhvkb, changes), fx.ctx));
    expect(message).toMatch(/^core\/v1 Event: /);
    expect(message).toContain(`${field}: `);
  });

  it.each([null, undefined, 42, 'Event', [], [fx.cartBackOffHhvkb], {}])('rejects %j without throwing', (raw) => {
    expect(error(normalizeCoreEvent(raw, fx.ctx))).toMatch(/^core\/v1 Event: /);
  });

  it('rejects an object whose getters throw, without throwing', () => {
    const hostile = { ...fx.cartBackOffHhvkb };
    Object.defineProperty(hostile, 'reason', {
      enumerable: true,
      get: () => {
        throw new Error('boom');
      },
    });
    expect(error(normalizeCoreEvent(hostile, fx.ctx))).toContain('boom');
  });

  it('rejects a missing cluster or an invalid clock', () => {
    expect(error(normalizeCoreEvent(fx.cartBackOffHhvkb, { cluster: '' }))).toContain('cluster');
    const timeless = { metadata: { uid: 'u' }, involvedObject: { kind: 'Pod', name: 'p' } };
    expect(error(normalizeCoreEvent(timeless, { cluster: 'c', now: new Date(NaN) }))).toContain('now');
  });

  it.each([
    [undefined, 'Normal'],
    ['Normal', 'Normal'],
    ['warning', 'Warning'],
    ['Error', 'Warning'],
  ])('maps type %s to %s', (type, expected) => {
    expect(ok(normalizeCoreEvent(fx.variant(fx.cartBackOffHhvkb, { type }), fx.ctx)).type).toBe(expected);
  });

  it('counts by series when there is one, and treats count 0 as unset', () => {
    const withSeries = ok(
      normalizeCoreEvent(
        fx.variant(fx.cartBackOffHhvkb, {
          count: 0,
          series: { count: 7, lastObservedTime: '2026-01-01T00:09:00.000000Z' },
        }),
        fx.ctx,
      ),
    );
    expect([withSeries.count, withSeries.occurrence]).toEqual([7, 7]);
    const staleCount = ok(
      normalizeCoreEvent(fx.variant(fx.cartBackOffHhvkb, { count: 1, series: { count: 3 } }), fx.ctx),
    );
    expect([staleCount.count, staleCount.occurrence]).toEqual([3, 3]);
  });

  it('truncates a 1 MB message to MAX_MESSAGE_BYTES and says so', () => {
    const huge = 'stack trace line é日本🙂\n'.repeat(40_000);
    expect(Buffer.byteLength(huge)).toBeGreaterThan(1_000_000);
    const event = ok(normalizeCoreEvent(fx.variant(fx.cartBackOffHhvkb, { message: huge }), fx.ctx));
    expect(Buffer.byteLength(event.message)).toBeLessThanOrEqual(MAX_MESSAGE_BYTES);
    expect(Buffer.byteLength(event.message)).toBeGreaterThan(MAX_MESSAGE_BYTES - 8);
    expect(event.message).toMatch(new RegExp(`…\\[truncated, ${Buffer.byteLength(huge)} bytes in all\\]$`));
    const kept = event.message.slice(0, event.message.lastIndexOf(' …[truncated'));
    expect(huge.startsWith(kept)).toBe(true);
    expect(kept).not.toContain('\uFFFD');
  });

  it('replaces invalid UTF-8 (lone surrogates) with U+FFFD', () => {
    const event = ok(
      normalizeCoreEvent(fx.variant(fx.cartBackOffHhvkb, { message: 'bad \uD800 pair \uDC00x and good 🙂' }), fx.ctx),
    );
    expect(event.message).toBe('bad \uFFFD pair \uFFFDx and good 🙂');
  });
});

describe('boundMessage', () => {
  it('decodes bytes, replacing invalid UTF-8', () => {
    expect(boundMessage(new Uint8Array([0x6f, 0x6b, 0xff, 0xc3, 0x28, 0xe2, 0x82]))).toBe('ok\uFFFD\uFFFD(\uFFFD');
  });

  it('leaves a message of exactly MAX_MESSAGE_BYTES alone', () => {
    const exact = 'x'.repeat(MAX_MESSAGE_BYTES);
    expect(boundMessage(exact)).toBe(exact);
    expect(boundMessage(exact + 'y')).toMatch(/…\[truncated, 32769 bytes in all\]$/);
  });
});

describe('normalizeEventsV1Event', () => {
  const seriesEvent = fx.cartBackOffSeriesV1;
  const regarding = seriesEvent.regarding;

  it('turns an event with a series into a K2Event', () => {
    const event = ok(normalizeEventsV1Event(seriesEvent, fx.ctx));
    expect(event).toMatchObject({
      id: eventId('prod-1', '6c1f0a52-3b7e-4d8a-9f21-0e5d4c3b2a19', 5),
      namespace: 'shop',
      involvedObject: {
        kind: 'Pod',
        name: regarding.name,
        uid: regarding.uid,
        apiVersion: 'v1',
        fieldPath: 'spec.containers{cart}',
      },
      reason: 'BackOff',
      message: seriesEvent.note,
      type: 'Warning',
      source: { component: 'kubelet', host: 'node-6' },
      count: 5,
      occurrence: 5,
      firstSeen: '2026-01-01T00:02:00.123Z',
      lastSeen: '2026-01-01T00:07:00.654Z',
    });
  });

  it('gives the same fingerprint as the core/v1 view of the same problem', () => {
    const v1 = ok(normalizeEventsV1Event(seriesEvent, fx.ctx));
    const core = ok(normalizeCoreEvent(fx.cartBackOffR6bvk, fx.ctx));
    expect(v1.fingerprint).toBe(core.fingerprint);
  });

  it('counts a first occurrence without a series as 1', () => {
    const first = ok(normalizeEventsV1Event({ ...seriesEvent, series: undefined }, fx.ctx));
    expect([first.occurrence, first.count, first.lastSeen]).toEqual([1, 1, '2026-01-01T00:02:00.123Z']);
  });

  it('reads the deprecated core fields an upgraded cluster still fills in', () => {
    const legacy = {
      ...seriesEvent,
      series: null,
      eventTime: null,
      reportingController: '',
      deprecatedCount: 3,
      deprecatedFirstTimestamp: '2026-01-01T00:02:00Z',
      deprecatedLastTimestamp: '2026-01-01T00:04:00Z',
    };
    const event = ok(normalizeEventsV1Event(legacy, fx.ctx));
    expect([event.occurrence, event.firstSeen, event.lastSeen, event.source.component]).toEqual([
      3,
      '2026-01-01T00:02:00.000Z',
      '2026-01-01T00:04:00.000Z',
      'kubelet',
    ]);
  });

  it('rejects an event without regarding, or a core/v1 event', () => {
    expect(error(normalizeEventsV1Event({ ...seriesEvent, regarding: undefined }, fx.ctx))).toMatch(
      /^events\.k8s\.io\/v1 Event: regarding: /,
    );
    expect(error(normalizeEventsV1Event(fx.cartBackOffHhvkb, fx.ctx))).toContain('apiVersion');
    expect(
      error(normalizeEventsV1Event({ ...seriesEvent, series: { count: 2, lastObservedTime: 'later' } }, fx.ctx)),
    ).toContain('series.lastObservedTime');
  });
});
