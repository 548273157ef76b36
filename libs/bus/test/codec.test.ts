import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { decodeValue, withQuickCheck } from '../src/codec.js';

const Point = z.object({ x: z.number().int() });

describe('withQuickCheck', () => {
  const quick = (json: unknown) =>
    typeof json === 'object' && json !== null && (json as { x?: unknown }).x === 1 ? { x: 1 } : undefined;
  const QuickPoint = withQuickCheck(Point, quick);

  it('takes what the quick check answers, and leaves the rest to the schema', () => {
    expect(decodeValue(Buffer.from('{"x":1}'), QuickPoint)).toEqual({ ok: true, value: { x: 1 } });
    expect(decodeValue(Buffer.from('{"x":2,"y":3}'), QuickPoint)).toEqual({ ok: true, value: { x: 2 } });
  });

  it('words errors as the schema does', () => {
    const quickly = decodeValue(Buffer.from('{"x":1.5}'), QuickPoint);
    const plainly = decodeValue(Buffer.from('{"x":1.5}'), Point);
    expect(quickly).toEqual(plainly);
    expect(quickly.ok).toBe(false);
    expect(decodeValue(Buffer.from('{'), QuickPoint)).toMatchObject({ ok: false, error: /invalid JSON/ });
  });

  it('leaves the schema it copies as it was', () => {
    let asked = 0;
    withQuickCheck(Point, () => (asked++, { x: 9 }));
    expect(decodeValue(Buffer.from('{"x":1}'), Point)).toEqual({ ok: true, value: { x: 1 } });
    expect(asked).toBe(0);
  });
});
