import { z, type ZodType } from 'zod';
import type { BusRecord } from './bus.js';

/** A tombstone (`null`) becomes an empty value. */
export function encodeValue(value: BusRecord['value']): Buffer {
  if (value === null) return Buffer.alloc(0);
  if (Buffer.isBuffer(value)) return value;
  if (typeof value === 'string') return Buffer.from(value, 'utf8');
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  return Buffer.from(JSON.stringify(value), 'utf8');
}

export type Decoded<T> = { ok: true; value: T } | { ok: false; error: string };

/** Without a schema the value is the raw bytes; with one, JSON that the schema accepts. */
export function decodeValue<T>(raw: Buffer, schema: ZodType<T> | undefined): Decoded<T> {
  if (!schema) return { ok: true, value: raw as T };
  let json: unknown;
  try {
    json = JSON.parse(raw.toString('utf8'));
  } catch (err) {
    return { ok: false, error: `invalid JSON: ${(err as Error).message}` };
  }
  try {
    const parsed = schema.safeParse(json);
    return parsed.success
      ? { ok: true, value: parsed.data }
      : { ok: false, error: `schema: ${z.prettifyError(parsed.error)}` };
  } catch (err) {
    // A refinement or transform that throws rejects the value too; it must not stop the partition.
    return { ok: false, error: `schema: ${(err as Error).message}` };
  }
}
