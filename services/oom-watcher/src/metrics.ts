import { Counter, Gauge, type Registry } from 'prom-client';

/** Why a kill was not published. */
export type SkipReason = 'too_old' | 'unmapped' | 'invalid_event';

/** The oom-watcher's own metrics, registered on the service's registry. */
export function oomWatcherMetrics(registry: Registry) {
  const registers = [registry];
  return {
    detected: new Counter({
      name: 'k2_oom_watcher_kills_detected_total',
      help: 'OOM kills seen for the first time, by where they were seen (pod_status, kernel)',
      labelNames: ['source'] as const,
      registers,
    }),
    published: new Counter({
      name: 'k2_oom_watcher_kills_published_total',
      help: 'OOMKilled K2Events published to the bus',
      registers,
    }),
    deduplicated: new Counter({
      name: 'k2_oom_watcher_kills_deduplicated_total',
      help: 'Sightings of kills already handled (pod updates, relists, restarts, re-read kernel lines)',
      registers,
    }),
    skipped: new Counter({
      name: 'k2_oom_watcher_kills_skipped_total',
      help: 'Kills not published, by reason (too_old on the first start, unmapped to a pod, invalid_event)',
      labelNames: ['reason'] as const,
      registers,
    }),
    written: new Counter({
      name: 'k2_oom_watcher_events_written_total',
      help: 'OOMKilling Events written back to Kubernetes, by result (ok, failed, dropped when the queue was full)',
      labelNames: ['result'] as const,
      registers,
    }),
    informerRestarts: new Counter({
      name: 'k2_oom_watcher_informer_restarts_total',
      help: 'Pod informer restarts after an error',
      registers,
    }),
    podLists: new Counter({
      name: 'k2_oom_watcher_pod_lists_total',
      help: 'Full lists of pods (start-up and after 410 Gone)',
      registers,
    }),
    publishFailures: new Counter({
      name: 'k2_oom_watcher_publish_failures_total',
      help: 'Failed attempts to publish to the bus',
      registers,
    }),
    queueDepth: new Gauge({
      name: 'k2_oom_watcher_queue_depth',
      help: 'Kills detected but not yet published and checkpointed',
      registers,
    }),
    malformed: new Counter({
      name: 'k2_oom_watcher_input_malformed_total',
      help: 'Unreadable input skipped or normalised, by reason (pod fields, oversized kernel lines, ...)',
      labelNames: ['reason'] as const,
      registers,
    }),
    kernelLines: new Counter({
      name: 'k2_oom_watcher_kernel_lines_total',
      help: 'Kernel message lines read (node mode)',
      registers,
    }),
  };
}

export type OomWatcherMetrics = ReturnType<typeof oomWatcherMetrics>;
