import { createHash } from 'node:crypto';
import { CoreV1Api, PatchStrategy, setHeaderOptions, type CoreV1Event, type KubeConfig } from '@kubernetes/client-node';
import type { Logger } from '@k2/log';
import { SOURCE_COMPONENT, containerRef, type KillFacts } from './event.js';
import type { OomWatcherMetrics } from './metrics.js';

export const REPORT_REASON = 'OOMKilling';
/** The last kill counted on the Event, so a kill republished after a restart is not counted twice. */
export const KILL_ID_ANNOTATION = 'k2.io/oom-kill-id';

export interface KillReport {
  killId: string;
  facts: KillFacts;
  message: string;
}

/** One Event per pod and container (`<pod>.k2oom.<hash>`), counted up on each kill, like kubelet's events. */
export function reportEventName(pod: string, podUid: string, container: string): string {
  const suffix = `.k2oom.${createHash('sha256').update(`${podUid}/${container}`).digest('hex').slice(0, 10)}`;
  return pod.slice(0, 253 - suffix.length) + suffix;
}

function statusOf(err: unknown): number | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

/** Network errors, throttling and server errors may pass; a refusal (403, 422 ...) will not. */
function transient(err: unknown): boolean {
  const status = statusOf(err);
  return status === undefined || status === 429 || status >= 500;
}

/** Reports waiting to be written; beyond this the oldest is dropped. */
const QUEUE_LIMIT = 1_000;
/** Tries per report when the API server is unreachable or failing. */
const ATTEMPTS = 3;

const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

/**
 * Writes kills back into Kubernetes as Warning Events on the pod, so `kubectl describe pod`
 * shows them. Runs beside publishing, never in its way: a bounded queue (oldest dropped when
 * full), one write at a time, failures logged and counted.
 */
export class EventReporter {
  private readonly queue: KillReport[] = [];
  private running = false;
  private idle: (() => void)[] = [];
  private readonly api: CoreV1Api;

  constructor(
    kc: KubeConfig,
    /** reportingInstance: the node, or this host. */
    private readonly instance: string,
    private readonly metrics: OomWatcherMetrics,
    private readonly log: Logger,
  ) {
    this.api = kc.makeApiClient(CoreV1Api);
  }

  enqueue(report: KillReport): void {
    this.queue.push(report);
    if (this.queue.length > QUEUE_LIMIT) {
      const dropped = this.queue.shift()!;
      this.metrics.written.inc({ result: 'dropped' });
      this.log.warn(
        { killId: dropped.killId, pod: dropped.facts.pod.name },
        'write-back queue full; oldest report dropped',
      );
    }
    if (!this.running) void this.run();
  }

  /** Resolves when the queue is empty, or false after `timeoutMs`. */
  drained(timeoutMs: number): Promise<boolean> {
    if (!this.running) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.idle.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  private async run(): Promise<void> {
    this.running = true;
    while (this.queue.length > 0) {
      const report = this.queue.shift()!;
      for (let attempt = 1; ; attempt++) {
        try {
          await this.write(report);
          this.metrics.written.inc({ result: 'ok' });
          break;
        } catch (err) {
          if (attempt < ATTEMPTS && transient(err)) {
            await new Promise((r) => setTimeout(r, 500 * attempt));
            continue;
          }
          this.metrics.written.inc({ result: 'failed' });
          this.log.warn(
            { err: String(err), pod: report.facts.pod.name, namespace: report.facts.pod.namespace },
            'could not write the OOMKilling event back',
          );
          break;
        }
      }
    }
    this.running = false;
    for (const resolve of this.idle.splice(0)) resolve();
  }

  /** Create the pod's Event, or count it up; a lost create race or a stale version is retried. */
  private async write(report: KillReport): Promise<void> {
    const { pod, container } = report.facts;
    const name = reportEventName(pod.name, pod.uid, container);
    const namespace = pod.namespace;
    for (let tries = 0; tries < 5; tries++) {
      const existing = await this.read(namespace, name);
      if (!existing) {
        try {
          await this.api.createNamespacedEvent({ namespace, body: this.fresh(report, name) });
          return;
        } catch (err) {
          if (statusOf(err) === 409) continue;
          throw err;
        }
      }
      if (existing.metadata?.annotations?.[KILL_ID_ANNOTATION] === report.killId) return;
      // Kills reach us out of order after a restart; lastTimestamp never goes back.
      const last = existing.lastTimestamp ? new Date(existing.lastTimestamp).getTime() : 0;
      const at = new Date(Math.max(Number.isFinite(last) ? last : 0, Date.parse(report.facts.at)));
      const body = {
        metadata: {
          resourceVersion: existing.metadata?.resourceVersion,
          annotations: { [KILL_ID_ANNOTATION]: report.killId },
        },
        count: (existing.count ?? 1) + 1,
        lastTimestamp: at.toISOString(),
        message: report.message,
      };
      try {
        await this.api.patchNamespacedEvent({ namespace, name, body }, mergePatch);
        return;
      } catch (err) {
        if (statusOf(err) === 409 || statusOf(err) === 404) continue;
        throw err;
      }
    }
    throw new Error(`event ${namespace}/${name} kept changing under the write`);
  }

  private async read(namespace: string, name: string): Promise<CoreV1Event | undefined> {
    try {
      return await this.api.readNamespacedEvent({ namespace, name });
    } catch (err) {
      if (statusOf(err) === 404) return undefined;
      throw err;
    }
  }

  private fresh(report: KillReport, name: string): CoreV1Event {
    const { pod } = report.facts;
    const at = new Date(report.facts.at);
    return {
      metadata: { name, namespace: pod.namespace, annotations: { [KILL_ID_ANNOTATION]: report.killId } },
      involvedObject: { ...containerRef(report.facts), namespace: pod.namespace },
      reason: REPORT_REASON,
      message: report.message,
      type: 'Warning',
      source: { component: SOURCE_COMPONENT, ...(pod.node ? { host: pod.node } : {}) },
      reportingComponent: SOURCE_COMPONENT,
      reportingInstance: this.instance,
      firstTimestamp: at,
      lastTimestamp: at,
      count: 1,
    };
  }
}
