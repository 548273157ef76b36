import type { V1Pod } from '@kubernetes/client-node';
import type { OomWatcherMetrics } from './metrics.js';
import { killsInPod } from './pod-kills.js';
import type { PodHooks } from './pods.js';
import type { KillRecorder } from './recorder.js';

export interface PodStatusSourceOptions {
  /** No checkpoint existed: kills in the first list older than `maxKillAgeMs` are not published. */
  firstStart: boolean;
  maxKillAgeMs: number;
  now: () => number;
}

/**
 * Cluster mode: kills as the kubelet reports them in pod status. Each pod version is read once,
 * so a relist or a repeated update costs a map lookup, not a scan.
 */
export class PodStatusSource {
  /** Pod uid → the resourceVersion last scanned. */
  private readonly scanned = new Map<string, string>();

  constructor(
    private readonly recorder: KillRecorder,
    private readonly metrics: OomWatcherMetrics,
    private readonly options: PodStatusSourceOptions,
  ) {}

  get hooks(): PodHooks {
    return {
      onList: (pods, first) => {
        for (const pod of pods) this.scan(pod, first && this.options.firstStart);
      },
      onPod: (pod) => this.scan(pod, false),
      onDelete: (pod) => {
        if (pod.metadata?.uid) this.scanned.delete(pod.metadata.uid);
      },
    };
  }

  private scan(pod: V1Pod, initial: boolean): void {
    const uid = pod.metadata?.uid;
    const rv = pod.metadata?.resourceVersion;
    if (uid && rv) {
      if (this.scanned.get(uid) === rv) return;
      this.scanned.set(uid, rv);
    }
    const { pod: summary, kills, problems } = killsInPod(pod);
    for (const reason of problems) this.metrics.malformed.inc({ reason: `pod_${reason}` });
    if (!summary) return;
    const now = this.options.now();
    for (const kill of kills) {
      const at = kill.finishedAt ?? new Date(now).toISOString();
      const tooOld = initial && Date.parse(at) < now - this.options.maxKillAgeMs;
      this.recorder.record({ ...kill, pod: summary, at }, 'pod_status', tooOld);
    }
  }
}
