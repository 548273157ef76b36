import type { Logger } from '@k2/log';
import type { KernelPosition } from './checkpoint.js';
import { OomAssembler, type KernelKill } from './kernel/assembler.js';
import { podFromCgroup, type CgroupPod } from './kernel/cgroup.js';
import { LineFollower } from './kernel/follow.js';
import { parseKernelRecord } from './kernel/record.js';
import type { OomWatcherMetrics } from './metrics.js';
import type { KillPipeline } from './pipeline.js';
import { containerStatuses, memoryLimit, podSummary } from './pod-shape.js';
import type { PodHooks, PodIndex } from './pods.js';
import type { KillRecorder } from './recorder.js';

export interface KernelSourceOptions {
  nodeName: string;
  kmsgPath: string;
  /** This boot's id: kernel sequence numbers restart with each boot. */
  bootId: string;
  /** Wall-clock time of boot, which kernel timestamps count from. */
  bootTimeMs: number;
  /** Where the checkpoint says the last run got to. */
  resumeFrom?: KernelPosition;
  /** No checkpoint existed: kills older than `maxKillAgeMs` are not published. */
  firstStart: boolean;
  maxKillAgeMs: number;
  /** How long a kill waits for the informer to learn its pod (a container killed right after it started). */
  mapGraceMs: number;
  /** How often pending kills are retried and the read position checkpointed. */
  tickMs: number;
  pollMs: number;
  now: () => number;
}

/** Kills waiting for their pod; a flood of kills in unknown cgroups must not grow memory. */
const MAX_PENDING = 1_000;

interface Pending {
  kill: KernelKill;
  cgroup: CgroupPod;
  since: number;
}

/**
 * Node mode: kills as the kernel reports them, mapped to pod and container through this node's
 * pods. It also sees what pod status cannot: a process killed inside a container that lives on.
 */
export class KernelSource {
  private readonly follower: LineFollower;
  private readonly assembler = new OomAssembler();
  private pending: Pending[] = [];
  private lastSeq: number | undefined;
  private savedSeq: number | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly options: KernelSourceOptions,
    private readonly deps: {
      index: PodIndex;
      recorder: KillRecorder;
      pipeline: KillPipeline;
      metrics: OomWatcherMetrics;
      log: Logger;
    },
  ) {
    this.follower = new LineFollower(
      { path: options.kmsgPath, pollMs: options.pollMs },
      {
        onLine: (line) => this.onLine(line),
        onOversized: () => deps.metrics.malformed.inc({ reason: 'kernel_line_too_long' }),
      },
      deps.log,
    );
    const resume = options.resumeFrom;
    if (resume?.bootId === options.bootId) this.savedSeq = this.lastSeq = resume.seq;
  }

  get hooks(): PodHooks {
    return { onPod: () => this.retryPending() };
  }

  get reading(): boolean {
    return this.follower.open;
  }

  start(): void {
    this.follower.start();
    this.timer = setInterval(() => this.tick(), this.options.tickMs);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.follower.stop();
    this.tick();
  }

  private tick(): void {
    this.retryPending();
    const position = this.position();
    if (position !== undefined && position !== this.savedSeq) {
      this.deps.pipeline.savePosition({ bootId: this.options.bootId, seq: position });
      this.savedSeq = position;
    }
  }

  /** The last record read, or just before the oldest kill still waiting for its pod. */
  private position(): number | undefined {
    const waiting = this.pending.map((p) => p.kill.seq).filter((s): s is number => s !== undefined);
    return waiting.length > 0 ? Math.min(...waiting) - 1 : this.lastSeq;
  }

  private onLine(line: string): void {
    this.deps.metrics.kernelLines.inc();
    try {
      this.handleLine(line);
    } catch (err) {
      // A line we cannot handle must not stop the reading of the next ones.
      this.deps.metrics.malformed.inc({ reason: 'kernel_line_error' });
      this.deps.log.warn({ err: String(err), line: line.slice(0, 256) }, 'kernel line skipped');
    }
  }

  private handleLine(line: string): void {
    const record = parseKernelRecord(line);
    if (!record) return;
    if (record.seq !== undefined) {
      if (this.lastSeq !== undefined && record.seq <= this.lastSeq) return;
      this.lastSeq = record.seq;
    }
    const kill = this.assembler.push(record);
    if (!kill) return;
    const cgroup = kill.memcg ? podFromCgroup(kill.memcg) : undefined;
    if (!cgroup) {
      // A host process, or a cgroup layout we do not know: nothing to attach the kill to.
      this.deps.metrics.skipped.inc({ reason: 'unmapped' });
      this.deps.log.debug(
        { pid: kill.pid, process: kill.process, memcg: kill.memcg },
        'kernel OOM kill outside any pod',
      );
      return;
    }
    if (this.tryRecord(kill, cgroup)) return;
    this.pending.push({ kill, cgroup, since: this.options.now() });
    if (this.pending.length > MAX_PENDING) {
      this.pending.shift();
      this.deps.metrics.skipped.inc({ reason: 'unmapped' });
    }
  }

  private retryPending(): void {
    if (this.pending.length === 0) return;
    const now = this.options.now();
    this.pending = this.pending.filter((p) => {
      if (this.tryRecord(p.kill, p.cgroup)) return false;
      if (now - p.since < this.options.mapGraceMs) return true;
      this.deps.metrics.skipped.inc({ reason: 'unmapped' });
      this.deps.log.info(
        { podUid: p.cgroup.podUid, containerId: p.cgroup.containerId, process: p.kill.process },
        'kernel OOM kill of an unknown pod or container',
      );
      return false;
    });
  }

  /** Records the kill if its pod and container are known. */
  private tryRecord(kill: KernelKill, cgroup: CgroupPod): boolean {
    const { index } = this.deps;
    const ref = cgroup.containerId ? index.container(cgroup.containerId) : undefined;
    const pod = ref?.pod ?? index.pod(cgroup.podUid);
    const summary = podSummary(pod);
    if (!pod || !summary || summary.uid !== cgroup.podUid) return false;
    let container = ref ? { name: ref.container, init: ref.init } : undefined;
    if (!container && !cgroup.containerId) {
      // Only the pod's cgroup is named: unambiguous for a pod of one container.
      const { statuses } = containerStatuses(pod);
      if (statuses.length === 1) container = statuses[0]!;
    }
    if (!container) return false;
    const { nodeName, bootId, bootTimeMs } = this.options;
    const now = this.options.now();
    // A kernel time beyond now is a wrong boot time or a garbled line: the kill is recent.
    const atMs = kill.usec !== undefined ? bootTimeMs + kill.usec / 1_000 : now;
    const at = new Date(atMs >= 0 && atMs <= now ? atMs : now).toISOString();
    // The kernel's sequence number names the kill within this boot; plain dmesg lines have none.
    const identity =
      kill.seq !== undefined
        ? `${nodeName}:${bootId}:${kill.seq}`
        : `${nodeName}:${kill.usec ?? 'unknown'}:${kill.pid}`;
    const tooOld = this.options.firstStart && Date.parse(at) < now - this.options.maxKillAgeMs;
    this.deps.recorder.record(
      {
        pod: { ...summary, node: summary.node ?? nodeName },
        container: container.name,
        init: container.init,
        identity,
        limit: memoryLimit(pod, container.name, container.init),
        at,
        process: { name: kill.process, pid: kill.pid },
      },
      'kernel',
      tooOld,
    );
    return true;
  }
}
