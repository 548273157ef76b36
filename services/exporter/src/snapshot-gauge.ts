import type { Metric, Registry } from 'prom-client';

export interface GaugeValue {
  labels: Record<string, string>;
  value: number;
}

/**
 * A series whose label set several gauges share (one container's memory figures): prom-client
 * formats a `sharedLabels` object once per scrape and reuses the text, so pass the same object.
 */
export interface SharedGaugeValue {
  labels: Record<string, never>;
  sharedLabels: Record<string, string>;
  value: number;
}

/**
 * A gauge whose series are computed at each scrape, so nothing outlives what it measures (a
 * deleted container's series simply is not produced again). prom-client's Registry formats and
 * escapes it like its own metrics; the values come straight from `values()`, without the
 * per-series label hashing of a Gauge, which matters at tens of thousands of series.
 */
export function registerSnapshotGauge(
  registry: Registry,
  name: string,
  help: string,
  values: () => Promise<(GaugeValue | SharedGaugeValue)[]>,
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
