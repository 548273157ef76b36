import type { Bus, Subscription } from '@k2/bus';
import { EVENTS_TOPIC, K2Event } from '@k2/contracts';
import { Counter, Gauge, type Registry } from 'prom-client';
import { BoundedLabel } from './bounded-label.js';
import { SeenIds } from './seen-ids.js';

export interface EventMetricsOptions {
  groupId: string;
  /** Distinct event reasons reported as themselves; later new ones count as `other`. */
  maxReasons: number;
}

/** Counts k2.events (as a consumer group) into event and OOM-kill counters. */
export class EventMetrics {
  private readonly events: Counter<'cluster' | 'namespace' | 'workload' | 'kind' | 'reason' | 'type'>;
  private readonly ooms: Counter<'cluster' | 'namespace' | 'workload_kind' | 'workload' | 'pod' | 'container'>;
  private readonly lag: Gauge<'topic'>;
  readonly reasons: BoundedLabel;
  private readonly seen = new SeenIds(50_000);
  private subscription: Subscription | undefined;

  constructor(
    private readonly bus: Bus,
    registry: Registry,
    private readonly options: EventMetricsOptions,
  ) {
    this.reasons = new BoundedLabel(options.maxReasons);
    this.events = new Counter({
      name: 'k2_kube_events_total',
      help: 'Kubernetes events read from k2.events, by workload, reason (bounded; the rest as "other") and type.',
      labelNames: ['cluster', 'namespace', 'workload', 'kind', 'reason', 'type'],
      registers: [registry],
    });
    this.ooms = new Counter({
      name: 'k2_container_oom_kills_total',
      help: 'Container OOM kills read from k2.events.',
      labelNames: ['cluster', 'namespace', 'workload_kind', 'workload', 'pod', 'container'],
      registers: [registry],
    });
    this.lag = new Gauge({
      name: 'k2_exporter_consumer_lag',
      help: 'Records of the topic behind the exporter, as of the last record it read.',
      labelNames: ['topic'],
      registers: [registry],
    });
  }

  async start(): Promise<void> {
    this.lag.set({ topic: EVENTS_TOPIC }, 0);
    this.subscription = await this.bus.subscribe({
      topics: EVENTS_TOPIC,
      groupId: this.options.groupId,
      schema: K2Event,
      handler: async (message, ctx) => {
        this.count(message.value);
        this.lag.set({ topic: EVENTS_TOPIC }, ctx.lag);
      },
    });
  }

  /** Counts one event; a redelivered one (same id) is not counted again. */
  count(e: K2Event): void {
    if (!this.seen.add(e.id)) return;
    this.events.inc({
      cluster: e.cluster,
      namespace: e.namespace,
      workload: e.workload.name,
      kind: e.workload.kind,
      reason: this.reasons.value(e.reason),
      type: e.type,
    });
    if (e.oom) {
      this.ooms.inc({
        cluster: e.cluster,
        namespace: e.namespace,
        workload_kind: e.workload.kind,
        workload: e.workload.name,
        pod: e.involvedObject.name,
        container: e.oom.container,
      });
    }
  }

  async stop(): Promise<void> {
    await this.subscription?.close();
  }
}
