import {
  DLQ_HEADERS,
  dlqTopic,
  type Bus,
  type BusRecord,
  type HandlerContext,
  type Message,
  type Subscription,
} from '@k2/bus';
import { ACKS_TOPIC, EVENTS_TOPIC, Incident, INCIDENTS_TOPIC, K2Event } from '@k2/contracts';
import { StoreUnavailableError, type EventStore, type Rejected } from '@k2/event-store';
import type { Logger } from '@k2/log';
import type { EventCenterMetrics } from './metrics.js';
import type { TailHub } from './tail.js';

export interface WritersOptions {
  bus: Bus;
  store: EventStore;
  hub: TailHub;
  log: Logger;
  metrics: EventCenterMetrics;
  groupId: string;
  partitions: number;
  /** How often a down store is probed before the writers resume. */
  probeMs?: number;
}

/**
 * Consumes k2.events and k2.incidents (one consumer group each) into the store. A batch is
 * acknowledged to the bus only once the store stored it, so the group's offsets never pass
 * anything unstored. When the store is down both subscriptions pause, a probe waits for it,
 * and they resume from the first unstored record. Events the store refuses for good go to
 * k2.events.dlq with the store's reason.
 */
export class StoreWriters {
  private readonly subs: Subscription[] = [];
  private probe: NodeJS.Timeout | undefined;
  private stopped = false;
  storeUp = true;

  constructor(private readonly o: WritersOptions) {}

  async start(): Promise<void> {
    const { bus, groupId, partitions } = this.o;
    await bus.ensureTopics([
      { name: EVENTS_TOPIC, partitions },
      { name: INCIDENTS_TOPIC, partitions, compacted: true },
      { name: ACKS_TOPIC, partitions },
    ]);
    // A new group starts at the oldest record: the event center keeps everything the bus still has.
    this.subs.push(
      await bus.subscribe({
        topics: EVENTS_TOPIC,
        groupId: `${groupId}-events`,
        fromBeginning: true,
        schema: K2Event,
        batchHandler: (messages, ctx) => this.storeEvents(messages, ctx),
      }),
      await bus.subscribe({
        topics: INCIDENTS_TOPIC,
        groupId: `${groupId}-incidents`,
        fromBeginning: true,
        schema: Incident,
        batchHandler: (messages) => this.storeIncidents(messages),
      }),
    );
  }

  private async storeEvents(messages: Message<K2Event>[], ctx: HandlerContext): Promise<void> {
    const events = messages.map((m) => m.value);
    const ended = this.o.metrics.writeSeconds.startTimer({ kind: 'events' });
    const { rejected } = await this.guard(() => this.o.store.writeEvents(events));
    ended();
    if (rejected.length > 0) await this.deadLetter(messages, rejected, ctx);
    const refused = new Set(rejected.map((r) => r.event.id));
    const stored = events.filter((e) => !refused.has(e.id));
    this.o.metrics.eventsStored.inc(stored.length);
    this.o.hub.publish(stored);
  }

  private async storeIncidents(messages: Message<Incident>[]): Promise<void> {
    const ended = this.o.metrics.writeSeconds.startTimer({ kind: 'incidents' });
    await this.guard(() => this.o.store.writeIncidents(messages.map((m) => m.value)));
    ended();
    this.o.metrics.incidentsStored.inc(messages.length);
  }

  /** The refused records, bytes unchanged, to `<topic>.dlq` with the store's reason (as the bus's own dead letters). */
  private async deadLetter(messages: Message<K2Event>[], rejected: Rejected[], ctx: HandlerContext) {
    const byId = new Map(messages.map((m) => [m.value.id, m]));
    const letters: BusRecord[] = [];
    for (const r of rejected) {
      const m = byId.get(r.event.id);
      if (!m) continue;
      this.o.log.warn(
        { id: r.event.id, offset: m.offset, reason: r.reason },
        'event-center: store refused an event, dead-lettering it',
      );
      letters.push({
        key: m.key,
        value: m.raw,
        headers: {
          ...m.headers,
          [DLQ_HEADERS.error]: `store refused: ${r.reason}`.slice(0, 4096),
          [DLQ_HEADERS.reason]: 'handler',
          [DLQ_HEADERS.topic]: m.topic,
          [DLQ_HEADERS.partition]: String(m.partition),
          [DLQ_HEADERS.offset]: String(m.offset),
          [DLQ_HEADERS.group]: `${this.o.groupId}-events`,
        },
      });
    }
    if (ctx.signal.aborted) throw new Error('subscription paused before dead-lettering');
    await this.o.bus.publish(dlqTopic(EVENTS_TOPIC), letters);
    this.o.metrics.eventsRejected.inc(letters.length);
  }

  /** A store that is down pauses both writers; the failed batch stays uncommitted and comes again. */
  private async guard<T>(write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (err) {
      if (err instanceof StoreUnavailableError) this.storeDown(err);
      throw err;
    }
  }

  private storeDown(err: Error): void {
    if (this.stopped || !this.storeUp) return;
    this.storeUp = false;
    this.o.metrics.storeUp.set(0);
    this.o.log.warn({ err: err.message }, 'event-center: store unavailable, pausing the writers until it answers');
    for (const s of this.subs) s.pause();
    this.probe = setInterval(() => void this.check(), this.o.probeMs ?? 1000);
  }

  private async check(): Promise<void> {
    if (this.storeUp || !(await this.o.store.ping()) || this.stopped) return;
    clearInterval(this.probe);
    this.storeUp = true;
    this.o.metrics.storeUp.set(1);
    this.o.log.info({}, 'event-center: store answers again, resuming the writers');
    for (const s of this.subs) s.resume();
  }

  /** Finishes the batches in hand (stored and committed), then leaves the groups. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.probe);
    // The in-process bus does not wake a paused member's partitions on close (it would wait
    // forever); resuming first lets close end them at once, before they take another batch.
    for (const s of this.subs) s.resume();
    await Promise.all(this.subs.map((s) => s.close()));
  }
}
