import type { Bus, Subscription } from '@k2/bus';
import { Incident, INCIDENTS_TOPIC } from '@k2/contracts';
import { Counter, type Registry } from 'prom-client';
import { BoundedLabel } from './bounded-label.js';
import { registerSnapshotGauge } from './snapshot-gauge.js';

interface IncidentState {
  seq: number;
  open: boolean;
  cluster: string;
  namespace: string;
  class: string;
  severity: string;
}

/**
 * Open incidents from the compacted k2.incidents: the latest record of each id is its state.
 * Subscribes first, then reads what the topic already holds, so nothing published in between is
 * missed; records carry a rising `seq`, so the order the two deliver in does not matter.
 */
export class IncidentMetrics {
  private readonly state = new Map<string, IncidentState>();
  readonly classes: BoundedLabel;
  private readonly malformed: Counter<'topic'>;
  private subscription: Subscription | undefined;

  constructor(
    private readonly bus: Bus,
    registry: Registry,
    private readonly options: { groupId: string; maxClasses: number },
  ) {
    this.classes = new BoundedLabel(options.maxClasses);
    this.malformed = new Counter({
      name: 'k2_exporter_malformed_records_total',
      help: "Records the exporter could not read (also sent to the topic's .dlq by the subscription).",
      labelNames: ['topic'],
      registers: [registry],
    });
    registerSnapshotGauge(
      registry,
      'k2_incidents_open',
      'Open incidents, by cluster, namespace, problem class (bounded; the rest as "other") and severity.',
      async () => this.openCounts(),
    );
  }

  async start(): Promise<void> {
    this.subscription = await this.bus.subscribe({
      topics: INCIDENTS_TOPIC,
      groupId: this.options.groupId,
      schema: Incident,
      handler: async (message) => this.apply(message.value),
    });
    for (const m of await this.bus.snapshot(INCIDENTS_TOPIC)) {
      if (m.value.length === 0) {
        this.state.delete(m.key);
        continue;
      }
      let parsed;
      try {
        parsed = Incident.safeParse(JSON.parse(m.value.toString('utf8')));
      } catch {
        parsed = undefined;
      }
      if (parsed?.success) this.apply(parsed.data);
      else this.malformed.inc({ topic: INCIDENTS_TOPIC });
    }
  }

  /** Keeps the record unless a later one (higher seq) of the same incident is known. */
  apply(incident: Incident): void {
    const known = this.state.get(incident.id);
    if (known && known.seq >= incident.seq) return;
    this.state.set(incident.id, {
      seq: incident.seq,
      open: incident.status === 'open',
      cluster: incident.cluster,
      namespace: incident.namespace,
      class: incident.class,
      severity: incident.severity,
    });
  }

  private openCounts(): { labels: Record<string, string>; value: number }[] {
    const counts = new Map<string, { labels: Record<string, string>; value: number }>();
    for (const s of this.state.values()) {
      if (!s.open) continue;
      const labels = {
        cluster: s.cluster,
        namespace: s.namespace,
        class: this.classes.value(s.class),
        severity: s.severity,
      };
      const key = `${labels.cluster}\u0000${labels.namespace}\u0000${labels.class}\u0000${labels.severity}`;
      const entry = counts.get(key);
      if (entry) entry.value++;
      else counts.set(key, { labels, value: 1 });
    }
    return [...counts.values()];
  }

  async stop(): Promise<void> {
    await this.subscription?.close();
  }
}
