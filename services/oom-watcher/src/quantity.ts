/** Multipliers of the Kubernetes quantity suffixes; `K` is accepted for `k`, as people write it. */
const SUFFIX: Record<string, number> = {
  '': 1,
  m: 1e-3,
  k: 1e3,
  K: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

const QUANTITY = /^(\d+(?:\.\d*)?|\.\d+)(?:([eE][+-]?\d{1,3})|(Ki|Mi|Gi|Ti|Pi|Ei|m|k|K|M|G|T|P|E)?)$/;

/**
 * A memory quantity ("2Gi", "512Mi", "1.5G", "129e6", "1073741824") in bytes, rounded up as the
 * kubelet does; undefined for anything else, negative, or beyond exact integer range.
 */
export function parseMemoryQuantity(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0 ? value : undefined;
  if (typeof value !== 'string' || value.length > 64) return undefined;
  const m = QUANTITY.exec(value.trim());
  if (!m) return undefined;
  const bytes = Math.ceil(Number(m[1]) * (m[2] ? 10 ** Number(m[2].slice(1)) : SUFFIX[m[3] ?? '']!));
  return Number.isSafeInteger(bytes) ? bytes : undefined;
}
