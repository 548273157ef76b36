import { performance } from 'node:perf_hooks';
import type { Registry } from 'prom-client';
import { usageMinusCache, type ContainerMemory } from './memory.js';
import { registerSnapshotGauge, type SharedGaugeValue } from './snapshot-gauge.js';
import type { MemorySnapshot, MemorySource } from './source.js';

interface Collected extends MemorySnapshot {
  seconds: number;
  /** Each container's label set, one object shared by its five memory series. */
  labels: Record<string, string>[];
}

const NO_LABELS: Record<string, never> = {};

const MEMORY_SERIES: [name: string, help: string, value: (c: ContainerMemory) => number | undefined][] = [
  [
    'k2_container_memory_usage_minus_cache_bytes',
    'Container memory usage minus page cache, shmem added back: what the container really holds (K2s memory figure).',
    usageMinusCache,
  ],
  [
    'k2_container_memory_working_set_bytes',
    'Container working set (usage minus inactive file pages), as cAdvisor and the kubelet compute it.',
    (c) => c.workingSet,
  ],
  ['k2_container_memory_cache_bytes', 'Container page cache, tmpfs and shared memory included.', (c) => c.cache],
  ['k2_container_memory_rss_bytes', 'Container anonymous memory (RSS).', (c) => c.rss],
  ['k2_container_memory_limit_bytes', 'Container memory limit; absent when unlimited.', (c) => c.limit],
];

/**
 * The memory series, read from the source at each scrape. The gauges of one scrape share one
 * collection: prom-client asks every metric at once, so they all await the same in-flight read.
 */
export class MemoryMetrics {
  private inflight: Promise<Collected> | undefined;
  /** The last collection, for readiness and logs. */
  last: Collected | undefined;

  constructor(
    private readonly cluster: string,
    private readonly source: MemorySource,
    private readonly sourceName: string,
    registry: Registry,
  ) {
    for (const [name, help, value] of MEMORY_SERIES) {
      registerSnapshotGauge(registry, name, help, async () => this.containerValues(await this.collect(), value));
    }
    registerSnapshotGauge(
      registry,
      'k2_exporter_source_up',
      'Whether the exporter could read a memory source at the last scrape (1) or not (0), per source and node.',
      async () =>
        (await this.collect()).targets.map((t) => ({
          labels: { source: t.source, node: t.node },
          value: t.up ? 1 : 0,
        })),
    );
    registerSnapshotGauge(
      registry,
      'k2_exporter_source_scrape_duration_seconds',
      'How long reading one memory source took at the last scrape, per source and node.',
      async () =>
        (await this.collect()).targets.map((t) => ({
          labels: { source: t.source, node: t.node },
          value: t.durationSeconds,
        })),
    );
    registerSnapshotGauge(
      registry,
      'k2_exporter_scrape_duration_seconds',
      'How long collecting every container memory series took at the last scrape.',
      async () => [{ labels: { source: this.sourceName }, value: (await this.collect()).seconds }],
    );
    registerSnapshotGauge(registry, 'k2_exporter_containers', 'Containers reported at the last scrape.', async () => [
      { labels: { source: this.sourceName }, value: (await this.collect()).containers.length },
    ]);
  }

  /** One read of the source, shared by every metric of the scrape that asks while it runs. */
  collect(): Promise<Collected> {
    this.inflight ??= this.read().finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  private async read(): Promise<Collected> {
    const start = performance.now();
    let snapshot: MemorySnapshot;
    try {
      snapshot = await this.source.collect();
    } catch (err) {
      // The source as a whole (e.g. listing nodes) failed: report it down rather than fail the scrape.
      snapshot = {
        containers: [],
        targets: [
          { source: this.sourceName as 'cadvisor', node: '', up: false, durationSeconds: 0, error: String(err) },
        ],
      };
    }
    const labels = snapshot.containers.map((c) => ({
      cluster: this.cluster,
      namespace: c.namespace,
      pod: c.pod,
      container: c.container,
      workload_kind: c.workloadKind,
      workload: c.workload,
      node: c.node,
    }));
    this.last = { ...snapshot, labels, seconds: (performance.now() - start) / 1000 };
    return this.last;
  }

  private containerValues(collected: Collected, value: (c: ContainerMemory) => number | undefined): SharedGaugeValue[] {
    const out: SharedGaugeValue[] = [];
    collected.containers.forEach((c, i) => {
      const v = value(c);
      if (v !== undefined) out.push({ labels: NO_LABELS, sharedLabels: collected.labels[i]!, value: v });
    });
    return out;
  }
}
