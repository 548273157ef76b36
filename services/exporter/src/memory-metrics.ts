import { performance } from 'node:perf_hooks';
import type { ServiceHttp } from '@k2/service';
import { usageMinusCache, type ContainerMemory } from './memory.js';
import { MAX_VALUE_BYTES, SeriesChunks } from './series-chunks.js';
import { registerSnapshotGauge } from './snapshot-gauge.js';
import type { MemorySnapshot, MemorySource, TargetResult } from './source.js';

/** What one scrape collected. */
interface Collected extends MemorySnapshot {
  seconds: number;
}

/** The last collection, for readiness and logs: not its containers, which are garbage once served. */
export interface LastCollection {
  targets: TargetResult[];
  containers: number;
  seconds: number;
}

interface Family {
  /** `# HELP` and `# TYPE`, as bytes. */
  head: Buffer;
  /** The name each line starts with, as bytes. */
  name: Buffer;
  value: (c: ContainerMemory) => number | undefined;
}

const family = (name: string, help: string, value: Family['value']): Family => ({
  head: Buffer.from(`# HELP ${name} ${help}\n# TYPE ${name} gauge\n`),
  name: Buffer.from(name),
  value,
});

const MEMORY_FAMILIES: Family[] = [
  family(
    'k2_container_memory_usage_minus_cache_bytes',
    'Container memory usage minus page cache, shmem added back: what the container really holds (K2s memory figure).',
    usageMinusCache,
  ),
  family(
    'k2_container_memory_working_set_bytes',
    'Container working set (usage minus inactive file pages), as cAdvisor and the kubelet compute it.',
    (c) => c.workingSet,
  ),
  family('k2_container_memory_cache_bytes', 'Container page cache, tmpfs and shared memory included.', (c) => c.cache),
  family('k2_container_memory_rss_bytes', 'Container anonymous memory (RSS).', (c) => c.rss),
  family('k2_container_memory_limit_bytes', 'Container memory limit; absent when unlimited.', (c) => c.limit),
];

const LF = 0x0a;

/** A label value as the text format writes it. */
function escapeLabel(v: string): string {
  return /[\\"\n]/.test(v) ? v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n') : v;
}

/**
 * The memory series, read from the source at each scrape, so nothing outlives a deleted
 * container. The five per-container families are written here rather than through prom-client,
 * which formats every one of tens of thousands of series label by label: each container's label
 * set is written once and shared by its five lines. The exporter's own gauges stay in the
 * registry; all of one scrape share one collection, as they all ask while it runs.
 */
export class MemoryMetrics {
  private inflight: Promise<Collected> | undefined;
  /** The labels every series starts with (the service's default labels and the cluster), as text. */
  private common = '';
  private commonFor: Readonly<Record<string, string>> | undefined;
  /** The last collection, for readiness and logs. */
  last: LastCollection | undefined;

  constructor(
    private readonly cluster: string,
    private readonly source: MemorySource,
    private readonly sourceName: string,
    http: ServiceHttp,
  ) {
    http.addMetricsText(async (defaultLabels) => this.exposition(await this.collect(), defaultLabels));
    const registry = http.registry;
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
    const seconds = (performance.now() - start) / 1000;
    this.last = { targets: snapshot.targets, containers: snapshot.containers.length, seconds };
    return { ...snapshot, seconds };
  }

  /**
   * The per-container families in the text format, every series with the service's default
   * labels too, written as chunks of bytes while the response is sent.
   */
  private *exposition(collected: Collected, defaultLabels: Readonly<Record<string, string>>): Generator<Buffer> {
    if (this.commonFor !== defaultLabels) {
      this.common = '';
      for (const [name, value] of Object.entries({ ...defaultLabels, cluster: this.cluster })) {
        this.common += `${name}="${escapeLabel(value)}",`;
      }
      this.commonFor = defaultLabels;
    }
    const { containers } = collected;
    const labels = containers.map((c) => this.labelBytes(c));
    const out = new SeriesChunks();
    for (const { head, name, value } of MEMORY_FAMILIES) {
      const full = out.room(head.length);
      if (full) yield full;
      out.bytes(head);
      for (let i = 0; i < containers.length; i++) {
        const v = value(containers[i]!);
        if (v === undefined) continue;
        const line = labels[i]!;
        const full = out.room(name.length + line.length + MAX_VALUE_BYTES + 1);
        if (full) yield full;
        out.bytes(name);
        out.bytes(line);
        out.value(v);
        out.byte(LF);
      }
    }
    const rest = out.rest();
    if (rest) yield rest;
  }

  /** A container's `{…} ` as bytes, kept on its memo (when its source keeps one) while the workload it names stays. */
  private labelBytes(c: ContainerMemory): Buffer {
    const memo = c.memo;
    if (
      memo?.bytes !== undefined &&
      memo.common === this.common &&
      memo.workloadKind === c.workloadKind &&
      memo.workload === c.workload
    ) {
      return memo.bytes;
    }
    const bytes = Buffer.from(
      [
        '{',
        this.common,
        'namespace="',
        escapeLabel(c.namespace),
        '",pod="',
        escapeLabel(c.pod),
        '",container="',
        escapeLabel(c.container),
        '",workload_kind="',
        escapeLabel(c.workloadKind),
        '",workload="',
        escapeLabel(c.workload),
        '",node="',
        escapeLabel(c.node),
        '"} ',
      ].join(''),
    );
    if (memo) Object.assign(memo, { bytes, common: this.common, workloadKind: c.workloadKind, workload: c.workload });
    return bytes;
  }
}
