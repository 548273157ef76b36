import { describe, expect, it } from 'vitest';
import { parseMemoryQuantity } from '../src/quantity.js';
import { parseKubeTimestamp } from '../src/time.js';

describe('parseMemoryQuantity', () => {
  it.each([
    ['2Gi', 2147483648],
    ['512Mi', 536870912],
    ['128Ki', 131072],
    ['1.5Gi', 1610612736],
    ['1G', 1e9],
    ['500M', 5e8],
    ['64K', 64_000],
    ['64k', 64_000],
    ['129e6', 129_000_000],
    ['1073741824', 1073741824],
    ['0', 0],
    ['1500m', 2],
    [268435456, 268435456],
  ])('%s → %d bytes', (q, bytes) => {
    expect(parseMemoryQuantity(q)).toBe(bytes);
  });

  it.each(['2Gx', '-1Gi', 'Gi', '', ' ', '1..5Gi', '2 Gi', '1e400', '9999999999Ei', null, {}, -5, 1.5])(
    'rejects %j',
    (q) => {
      expect(parseMemoryQuantity(q)).toBeUndefined();
    },
  );

  it('rejects a megabyte of digits without scanning it', () => {
    expect(parseMemoryQuantity('9'.repeat(1_000_000))).toBeUndefined();
  });
});

describe('parseKubeTimestamp', () => {
  it('normalises valid timestamps to ISO UTC', () => {
    expect(parseKubeTimestamp('2026-01-01T00:02:00Z')).toBe('2026-01-01T00:02:00.000Z');
    expect(parseKubeTimestamp('2026-01-01T01:02:00.123456+01:00')).toBe('2026-01-01T00:02:00.123Z');
    // As client-node hands them over from a list.
    expect(parseKubeTimestamp(new Date('2026-01-01T00:02:00Z'))).toBe('2026-01-01T00:02:00.000Z');
  });

  it.each([
    '2026-02-30T00:00:00Z',
    '2026-01-01T24:00:00Z',
    '2026-01-01T23:59:60Z',
    '0001-01-01T00:00:00Z',
    'yesterday',
    '',
    17,
    null,
    new Date(NaN),
  ])('rejects %j', (t) => {
    expect(parseKubeTimestamp(t)).toBeUndefined();
  });
});
