// RFC 3339 as Kubernetes writes Time and MicroTime.
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d{1,9})?(?:Z|[+-](?:[01]\d|2[0-3]):[0-5]\d)$/;

/**
 * A Kubernetes timestamp as ISO UTC, or undefined when absent, not a real instant, or outside
 * 1970–9999 (Go's zero time, 0001-01-01, means "unset"). Date.parse alone would roll
 * 2026-02-30 over to March and accept 24:00.
 */
export function parseKubeTimestamp(value: unknown): string | undefined {
  // client-node turns timestamps into Dates when it lists, but not in watch events.
  if (value instanceof Date) return isoOf(value);
  if (typeof value !== 'string') return undefined;
  const m = RFC3339.exec(value);
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  // setUTCFullYear, unlike Date.UTC, does not map years 0–99 to 1900–1999.
  const fields = new Date(0);
  fields.setUTCFullYear(y, mo - 1, d);
  fields.setUTCHours(h, mi, s);
  if (
    fields.getUTCMonth() !== mo - 1 ||
    fields.getUTCDate() !== d ||
    fields.getUTCHours() !== h ||
    fields.getUTCMinutes() !== mi
  ) {
    return undefined;
  }
  return isoOf(new Date(Date.parse(value)));
}

function isoOf(date: Date): string | undefined {
  const year = date.getUTCFullYear();
  return year >= 1970 && year <= 9999 ? date.toISOString() : undefined;
}
