import type { Metric, Registry } from 'prom-client';

export interface GaugeValue {
  labels: Record<string, string>;
  value: number;
}

/**
 * A gauge whose series are computed at each scrape, so nothing outlives what it measures (a
 * deleted source's series simply is not produced again). prom-client's Registry formats and
 * escapes it like its own metrics; the values come straight from `values()`, without the
 * per-series label hashing of a Gauge.
 */
export function registerSnapshotGauge(
  registry: Registry,
  name: string,
  help: string,
  values: () => Promise<GaugeValue[]>,
): void {
  const metric = {
    name,
    help,
    type: 'gauge',
    aggregator: 'sum',
    async get() {
      return { name, help, type: 'gauge', aggregator: 'sum', values: await values() };
    },
  };
  registry.registerMetric(metric as unknown as Metric);
}
