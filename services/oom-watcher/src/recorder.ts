import type { OwnerResolver } from '@k2/eventer';
import type { Logger } from '@k2/log';
import { killEvent, killId, killMessage, type KillFacts } from './event.js';
import type { OomWatcherMetrics } from './metrics.js';
import type { KillPipeline } from './pipeline.js';

export type KillSource = 'pod_status' | 'kernel';

export interface KillRecorderDeps {
  cluster: string;
  pipeline: KillPipeline;
  owners: Pick<OwnerResolver, 'resolve'>;
  metrics: OomWatcherMetrics;
  log: Logger;
  /** Write each kill back as an Event on the pod. */
  reportEvents: boolean;
}

/** Turns the facts of a kill, from either source, into what the pipeline publishes and reports. */
export class KillRecorder {
  constructor(private readonly deps: KillRecorderDeps) {}

  /** `tooOld`: recorded as handled but not published (found on the very first start). */
  record(facts: KillFacts, source: KillSource, tooOld: boolean): void {
    const { cluster, pipeline, metrics } = this.deps;
    const id = killId(cluster, facts);
    if (pipeline.known(id)) {
      metrics.deduplicated.inc();
      return;
    }
    metrics.detected.inc({ source });
    if (tooOld) {
      metrics.skipped.inc({ reason: 'too_old' });
      pipeline.offer({ id });
      return;
    }
    // Resolved from the pod's own owner: the owner caches may not have seen a pod that was
    // killed right after it was created; they only take a ReplicaSet or Job further up.
    const { pod } = facts;
    const workload = this.deps.owners.resolve(
      pod.namespace,
      pod.owner ? { ...pod.owner, uid: '' } : { kind: 'Pod', name: pod.name, uid: pod.uid },
    );
    const built = killEvent(cluster, facts, workload);
    if (!built.ok) {
      metrics.skipped.inc({ reason: 'invalid_event' });
      this.deps.log.warn(
        { error: built.error, pod: facts.pod.name, namespace: facts.pod.namespace },
        'kill skipped: not a valid K2Event',
      );
      // The same facts will not make a valid event next time either.
      pipeline.offer({ id });
      return;
    }
    const report = this.deps.reportEvents ? { killId: id, facts, message: killMessage(facts, true) } : undefined;
    pipeline.offer({ id, event: built.event, ...(report ? { report } : {}) });
  }
}
