import { Writable } from 'node:stream';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { createLogger } from '@k2/log';

/** Silent unless K2_TEST_LOG names a level. */
export const quietLog = createLogger({
  name: 'test',
  level: process.env.K2_TEST_LOG ?? 'warn',
  ...(process.env.K2_TEST_LOG ? {} : { destination: new Writable({ write: (_c, _e, cb) => cb() }) as never }),
});

export const MiB = 2 ** 20;

export interface Sample {
  labels: Record<string, string>;
  value: number;
}

/** Scrapes an exporter and returns its samples by metric name. */
export async function scrape(url: string): Promise<Map<string, Sample[]>> {
  const res = await fetch(`${url}/metrics`);
  if (!res.ok) throw new Error(`GET /metrics: HTTP ${res.status}`);
  const byName = new Map<string, Sample[]>();
  for (const family of parsePrometheusTextFormat(await res.text())) {
    byName.set(
      family.name,
      family.metrics.map((m) => ({ labels: m.labels ?? {}, value: Number(m.value) })),
    );
  }
  return byName;
}

/** The one sample of `name` whose labels include `labels`, or undefined. */
export function sample(
  samples: Map<string, Sample[]>,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  const found = (samples.get(name) ?? []).filter((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  if (found.length > 1) throw new Error(`${name} ${JSON.stringify(labels)}: ${found.length} series match`);
  return found[0]?.value;
}

/** Polls until `check` resolves to something other than undefined. */
export async function until<T>(check: () => Promise<T | undefined>, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
