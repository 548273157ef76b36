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

/** Answers as the schema would for the values it is sure of, undefined for the rest. */
export type QuickCheck<T> = (json: unknown) => T | undefined;

const quickChecks = new WeakMap<ZodType, QuickCheck<unknown>>();

/**
 * A copy of `schema` that the bus decodes with `quick` first: values it returns are taken as they
 * are, and only what it leaves undefined goes through the schema, which also words the errors. For
 * hot topics where zod's generic machinery costs more than the handler; `quick` must never accept
 * what the schema refuses, nor return anything else than the schema would.
 */
export function withQuickCheck<T>(schema: ZodType<T>, quick: QuickCheck<T>): ZodType<T> {
  const copy = schema.clone() as ZodType<T>;
  quickChecks.set(copy, quick);
  return copy;
}

/** The quick check a schema was made with by `withQuickCheck`, if any. */
export function quickCheckOf<T>(schema: ZodType<T> | undefined): QuickCheck<T> | undefined {
  return schema ? (quickChecks.get(schema) as QuickCheck<T> | undefined) : undefined;
}

/**
 * Deep-freezes a JSON-like value and returns it: the publisher's promise that nothing in it changes
 * again. The in-process bus then hands it to readers whose quick check accepts it as it is, with
 * no JSON in between; every other reader, and Kafka, gets its JSON as before.
 */
export function frozen<T extends object>(value: T): Readonly<T> {
  for (const key in value) {
    const v = value[key];
    if (typeof v === 'object' && v !== null && !Object.isFrozen(v)) frozen(v);
  }
  return Object.freeze(value);
}

/** Whether nothing in `value` can change: it and every object inside it are frozen. */
export function isDeepFrozen(value: object): boolean {
  if (!Object.isFrozen(value)) return false;
  for (const key in value) {
    const v = (value as Record<string, unknown>)[key];
    if (typeof v === 'object' && v !== null && !isDeepFrozen(v)) return false;
  }
  return true;
}

/** Without a schema the value is the raw bytes; with one, JSON that the schema accepts. */
export function decodeValue<T>(raw: Buffer, schema: ZodType<T> | undefined): Decoded<T> {
  if (!schema) return { ok: true, value: raw as T };
  let json: unknown;
  try {
    json = JSON.parse(raw.toString('utf8'));
  } catch (err) {
    return { ok: false, error: `invalid JSON: ${(err as Error).message}` };
  }
  const quick = quickChecks.get(schema)?.(json);
  if (quick !== undefined) return { ok: true, value: quick as T };
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
