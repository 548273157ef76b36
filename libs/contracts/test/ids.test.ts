import { describe, expect, it } from 'vitest';
import { eventId, normalizeCoreEvent, oomEventId } from '../src/index.js';
import * as fx from './fixtures.js';

function id(raw: unknown, cluster = fx.ctx.cluster): string {
  const result = normalizeCoreEvent(raw, { cluster });
  if (!result.ok) throw new Error(result.error);
  return result.event.id;
}

describe('event id', () => {
  it('is the same when the same occurrence is replayed', () => {
    expect(id(fx.portalUnhealthy2)).toBe(id(structuredClone(fx.portalUnhealthy2)));
    // A relist may deliver the object with other bookkeeping changed; the occurrence is what counts.
    expect(
      id(fx.variant(fx.portalUnhealthy2, { metadata: { ...fx.portalUnhealthy2.metadata, resourceVersion: '991' } })),
    ).toBe(id(fx.portalUnhealthy2));
  });

  it('changes with the next occurrence (count + 1)', () => {
    expect(id(fx.portalUnhealthy1)).not.toBe(id(fx.portalUnhealthy2));
    expect(id(fx.variant(fx.portalUnhealthy2, { count: 3 }))).not.toBe(id(fx.portalUnhealthy2));
  });

  it('follows series.count when the event has a series', () => {
    const series = (count: number) =>
      fx.variant(fx.portalUnhealthy1, { series: { count, lastObservedTime: '2026-01-01T00:00:20.000000Z' } });
    expect(id(series(4))).toBe(eventId('prod-1', fx.portalUnhealthy1.metadata.uid, 4));
    expect(id(series(4))).not.toBe(id(series(5)));
  });

  it('differs between clusters and between events', () => {
    expect(id(fx.portalUnhealthy1, 'prod-2')).not.toBe(id(fx.portalUnhealthy1));
    expect(id(fx.cartBackOffHhvkb)).not.toBe(id(fx.cartBackOffR6bvk));
  });

  it('is 32 lowercase hex characters and keeps its parts apart', () => {
    expect(eventId('c', 'u', 1)).toMatch(/^[0-9a-f]{32}$/);
    expect(eventId('ab', 'c', 1)).not.toBe(eventId('a', 'bc', 1));
    expect(eventId('c', 'u1', 1)).not.toBe(eventId('c', 'u', 11));
  });
});

describe('oomEventId', () => {
  const pod = 'c349779e-e99d-4a3f-aa48-961c7a1a4af7';

  it('is stable for one kill and differs between kills', () => {
    expect(oomEventId('prod-1', pod, 'ledger', '2026-01-01T00:02:00Z')).toBe(
      oomEventId('prod-1', pod, 'ledger', '2026-01-01T00:02:00Z'),
    );
    expect(oomEventId('prod-1', pod, 'ledger', '2026-01-01T00:02:00Z')).not.toBe(
      oomEventId('prod-1', pod, 'ledger', '2026-01-01T00:06:00Z'),
    );
    expect(oomEventId('prod-1', pod, 'ledger', 1)).not.toBe(oomEventId('prod-1', pod, 'ledger', 2));
    expect(oomEventId('prod-1', pod, 'ledger', 1)).not.toBe(oomEventId('prod-1', pod, 'sidecar', 1));
  });

  it('never collides with an event id or between a restart count and the same digits as text', () => {
    expect(oomEventId('prod-1', pod, 'ledger', 1)).not.toBe(oomEventId('prod-1', pod, 'ledger', '1'));
    expect(oomEventId('prod-1', pod, 'ledger', 1)).toMatch(/^[0-9a-f]{32}$/);
  });
});
