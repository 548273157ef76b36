import { Counter, Gauge, type Registry } from 'prom-client';
import type { Incident } from '@k2/contracts';
import type { ConvergerCounters } from '../state.js';

/** What the metrics read at scrape time. */
export interface ConvergerReadings {
  counters(): ConvergerCounters;
  stateBytes(): number;
  uncommitted(): number;
  /** The latest record of every incident this converger knows. */
  incidents(): Iterable<Incident>;
  watermarkMs(): number;
}

const SUPPRESSED = ['benign', 'normal', 'duplicate', 'stale', 'held'] as const;

/** The converger's metrics (docs/metrics.md lists them). */
export function convergerMetrics(registry: Registry, read: ConvergerReadings) {
  const registers = [registry];
  /** A counter that follows a running total kept elsewhere. */
  const follow = (
    counter: Counter<string>,
    labels: Record<string, string>,
    total: number,
    last: Map<string, number>,
  ) => {
    const key = JSON.stringify(labels);
    const delta = total - (last.get(key) ?? 0);
    if (delta > 0) counter.inc(labels, delta);
    last.set(key, total);
  };
  const seenEvents = new Map<string, number>();
  new Counter({
    name: 'k2_converger_events_total',
    help: 'K2Events taken in from k2.events',
    registers,
    collect() {
      follow(this, {}, read.counters().events, seenEvents);
    },
  });
  const seenSuppressed = new Map<string, number>();
  new Counter({
    name: 'k2_converger_events_suppressed_total',
    help: 'Events that opened nothing, by cause: benign (noise rules), normal, duplicate, stale, held (cleared within its hold)',
    labelNames: ['cause'] as const,
    registers,
    collect() {
      const c = read.counters();
      for (const cause of SUPPRESSED) follow(this, { cause }, c[cause], seenSuppressed);
    },
  });
  const seenLate = new Map<string, number>();
  new Counter({
    name: 'k2_converger_events_late_total',
    help: 'Events that arrived behind the watermark and were folded in at once',
    registers,
    collect() {
      follow(this, {}, read.counters().late, seenLate);
    },
  });
  const transitions = new Counter({
    name: 'k2_converger_transitions_total',
    help: 'Incident records published to k2.incidents, by transition and class',
    labelNames: ['transition', 'class'] as const,
    registers,
  });
  new Gauge({
    name: 'k2_converger_incidents_open',
    help: 'Open incidents, by class and severity',
    labelNames: ['class', 'severity'] as const,
    registers,
    collect() {
      this.reset();
      for (const i of read.incidents()) if (i.status === 'open') this.inc({ class: i.class, severity: i.severity });
    },
  });
  new Gauge({
    name: 'k2_converger_state_bytes',
    help: 'Approximate bytes of converger state (JSON length)',
    registers,
    collect() {
      this.set(read.stateBytes());
    },
  });
  new Gauge({
    name: 'k2_converger_uncommitted_events',
    help: 'Events in the uncommitted tail of k2.events, which a restart replays',
    registers,
    collect() {
      this.set(read.uncommitted());
    },
  });
  new Gauge({
    name: 'k2_converger_watermark_seconds',
    help: 'Event time up to which the converger has decided (unix seconds)',
    registers,
    collect() {
      const ms = read.watermarkMs();
      if (Number.isFinite(ms)) this.set(ms / 1000);
    },
  });
  // labels() and inc() each hash the labels: children are looked up once per pair, and counted once per batch.
  const children = new Map<string, Map<string, Counter.Internal>>();
  const child = (name: string, cls: string) => {
    let byClass = children.get(name);
    if (!byClass) children.set(name, (byClass = new Map()));
    let c = byClass.get(cls);
    if (!c) byClass.set(cls, (c = transitions.labels({ transition: name, class: cls })));
    return c;
  };
  /** Counts a batch of records published. */
  const published = (records: readonly Pick<Incident, 'transition' | 'class'>[]) => {
    const counts = new Map<Counter.Internal, number>();
    for (const r of records) {
      const c = child(r.transition, r.class);
      counts.set(c, (counts.get(c) ?? 0) + 1);
    }
    for (const [c, n] of counts) c.inc(n);
  };
  return { transitions, published };
}

export type ConvergerMetrics = ReturnType<typeof convergerMetrics>;
