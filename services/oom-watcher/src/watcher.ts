import { hostname } from 'node:os';
import type { KubeConfig } from '@kubernetes/client-node';
import type { Registry } from 'prom-client';
import type { Bus } from '@k2/bus';
import type { K2Config } from '@k2/config';
import { OwnerResolver } from '@k2/eventer';
import type { Logger } from '@k2/log';
import type { OomCheckpoint } from './checkpoint.js';
import { clusterIdentity } from './cluster-id.js';
import { bootTimeMs, currentBootId } from './host.js';
import { KernelSource } from './kernel-source.js';
import { KillLedger } from './ledger.js';
import { oomWatcherMetrics, type OomWatcherMetrics } from './metrics.js';
import { KillPipeline } from './pipeline.js';
import { PodStatusSource } from './pod-status-source.js';
import { PodIndex, type PodHooks } from './pods.js';
import { KillRecorder } from './recorder.js';
import { EventReporter } from './report.js';

export interface OomWatcherOptions {
  /** The cluster name in every K2Event. */
  cluster: string;
  /** `cluster`: kills from pod status, one watcher per cluster; `node`: kills from the kernel, one per node. */
  mode: 'cluster' | 'node';
  /** Node mode: this node's name. */
  nodeName?: string;
  /** Node mode: /dev/kmsg, or a file of kmsg or dmesg lines. */
  kmsgPath: string;
  /** Write each kill back as a Warning Event (reason OOMKilling) on the pod. */
  reportEvents: boolean;
  /** On the very first start, older kills are recorded but not published. Default 10 minutes. */
  maxKillAgeMs?: number;
  /** How long stop() waits to publish and write back what it has. Default 10 s. */
  stopTimeoutMs?: number;
  /** Kill ids remembered (and checkpointed). Default 100,000. */
  ledgerLimit?: number;
  /** Node mode tuning; the boot facts are read from the host unless given. */
  kernel?: { bootId?: string; bootTimeMs?: number; pollMs?: number; mapGraceMs?: number; tickMs?: number };
}

export interface OomWatcherDeps {
  kc: KubeConfig;
  bus: Bus;
  checkpoint: OomCheckpoint;
  /** Shared with the eventer when both run in one process; otherwise the watcher runs its own. */
  owners?: OwnerResolver;
  log: Logger;
  registry: Registry;
  now?: () => number;
}

/** The watcher's settings from K2's config. */
export function oomWatcherOptions(config: K2Config): OomWatcherOptions {
  const c = config.oomWatcher;
  return {
    cluster: config.cluster,
    mode: c.mode,
    ...(c.nodeName ? { nodeName: c.nodeName } : {}),
    kmsgPath: c.kmsgPath,
    reportEvents: c.reportEvents,
  };
}

/**
 * Publishes one OOMKilled K2Event per container OOM kill to k2.events and (optionally) writes
 * each back to Kubernetes as an OOMKilling Event on the pod.
 */
export class OomWatcher {
  readonly metrics: OomWatcherMetrics;
  private readonly now: () => number;
  private index: PodIndex | undefined;
  private kernel: KernelSource | undefined;
  private pipeline: KillPipeline | undefined;
  private reporter: EventReporter | undefined;
  private ownOwners: OwnerResolver | undefined;

  constructor(
    private readonly options: OomWatcherOptions,
    private readonly deps: OomWatcherDeps,
  ) {
    if (options.mode === 'node' && !options.nodeName) {
      throw new Error('oomWatcher.nodeName is required in node mode (set it from the Downward API: spec.nodeName)');
    }
    this.metrics = oomWatcherMetrics(deps.registry);
    this.now = deps.now ?? Date.now;
  }

  async start(): Promise<void> {
    const { options, deps } = this;
    const clusterId = await clusterIdentity(deps.kc, deps.log);
    let state = await deps.checkpoint.load();
    if (state && clusterId && state.clusterId !== clusterId) {
      // Another cluster's kills (or a simulator run since gone) mean nothing here.
      deps.log.warn(
        { checkpointCluster: state.clusterId, clusterId },
        'checkpoint belongs to another cluster; starting afresh',
      );
      state = undefined;
    }
    // Written now, so a restart before the first kill is not taken for a first start.
    if (!state) await deps.checkpoint.reset(clusterId);
    const ledger = new KillLedger(options.ledgerLimit);
    for (const id of state?.kills ?? []) ledger.add(id);
    const instance = options.nodeName ?? hostname();
    this.reporter = options.reportEvents ? new EventReporter(deps.kc, instance, this.metrics, deps.log) : undefined;
    const pipeline = new KillPipeline({
      bus: deps.bus,
      checkpoint: deps.checkpoint,
      ledger,
      metrics: this.metrics,
      log: deps.log,
      ...(this.reporter ? { reporter: this.reporter } : {}),
    });
    this.pipeline = pipeline;

    let owners = deps.owners;
    if (!owners) {
      owners = this.ownOwners = new OwnerResolver(deps.kc, deps.log);
      await owners.start();
    }
    const recorder = new KillRecorder({
      cluster: options.cluster,
      pipeline,
      owners,
      metrics: this.metrics,
      log: deps.log,
      reportEvents: options.reportEvents,
    });
    const firstStart = state === undefined;
    const maxKillAgeMs = options.maxKillAgeMs ?? 600_000;

    // The sources need the index and the index reports to a source: hooks are filled in below.
    const hooks: PodHooks = {};
    const index = new PodIndex(
      deps.kc,
      options.mode === 'node' ? { nodeName: options.nodeName! } : {},
      hooks,
      this.metrics,
      deps.log,
    );
    this.index = index;
    if (options.mode === 'cluster') {
      Object.assign(
        hooks,
        new PodStatusSource(recorder, this.metrics, { firstStart, maxKillAgeMs, now: this.now }).hooks,
      );
    } else {
      const k = options.kernel ?? {};
      this.kernel = new KernelSource(
        {
          nodeName: options.nodeName!,
          kmsgPath: options.kmsgPath,
          bootId: k.bootId ?? currentBootId(),
          bootTimeMs: k.bootTimeMs ?? bootTimeMs(this.now()),
          ...(state?.position ? { resumeFrom: state.position } : {}),
          firstStart,
          maxKillAgeMs,
          mapGraceMs: k.mapGraceMs ?? 60_000,
          tickMs: k.tickMs ?? 5_000,
          pollMs: k.pollMs ?? 500,
          now: this.now,
        },
        { index, recorder, pipeline, metrics: this.metrics, log: deps.log },
      );
      Object.assign(hooks, this.kernel.hooks);
    }
    await this.index.start();
    this.kernel?.start();
    deps.log.info(
      { mode: options.mode, node: options.nodeName, firstStart, known: ledger.size },
      'oom-watcher started',
    );
  }

  /** For /readyz: true, or why not. */
  readiness(): true | string {
    if (!this.index?.synced) return 'pods not listed yet';
    if (this.pipeline && !this.pipeline.busHealthy) return 'cannot publish to the bus';
    if (this.kernel && !this.kernel.reading) return `cannot read ${this.options.kmsgPath}`;
    return true;
  }

  /** Stops watching, then publishes and writes back what was detected (up to stopTimeoutMs). */
  async stop(): Promise<void> {
    const timeout = this.options.stopTimeoutMs ?? 10_000;
    await this.index?.stop();
    await this.kernel?.stop();
    const published = (await this.pipeline?.drain(timeout)) ?? true;
    const written = (await this.reporter?.drained(timeout)) ?? true;
    if (!published || !written) {
      this.deps.log.warn(
        { unpublished: this.pipeline?.depth, published, written },
        'stopped before everything was published or written back',
      );
    }
    await this.ownOwners?.stop();
    await this.deps.checkpoint.close();
  }
}
