import type { Registry } from 'prom-client';
import { registerSnapshotGauge } from './snapshot-gauge.js';

/**
 * Keeps a label's values bounded: the first `limit` distinct values are reported as they are,
 * later new ones as `other`, so an unbounded input (free-form event reasons, custom problem
 * classes) cannot multiply the series Prometheus has to keep.
 */
export class BoundedLabel {
  static readonly OVERFLOW = 'other';
  private readonly admitted = new Set<string>();
  /** Values folded into `other`. */
  overflowed = 0;

  constructor(
    private readonly limit: number,
    known: readonly string[] = [],
  ) {
    for (const v of known) this.admitted.add(v);
  }

  value(v: string): string {
    if (this.admitted.has(v)) return v;
    if (this.admitted.size < this.limit) {
      this.admitted.add(v);
      return v;
    }
    this.overflowed++;
    return BoundedLabel.OVERFLOW;
  }
}

/** k2_exporter_label_overflow_total{label}: how many values each guard folded into `other`. */
export function registerOverflowGauge(registry: Registry, guards: Record<string, BoundedLabel>): void {
  registerSnapshotGauge(
    registry,
    'k2_exporter_label_overflow_total',
    'Label values folded into "other" by the cardinality guard, per label.',
    async () => Object.entries(guards).map(([label, guard]) => ({ labels: { label }, value: guard.overflowed })),
  );
}
