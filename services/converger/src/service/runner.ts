import { withQuickCheck, type Bus, type Message, type Subscription } from '@k2/bus';
import { EVENTS_TOPIC, Incident, INCIDENTS_TOPIC, K2Event, quickK2Event } from '@k2/contracts';
import type { Logger } from '@k2/log';
import type { Policy } from '../policy.js';
import { eventTime } from '../observation.js';
import { Converger } from '../state.js';
import { tailHorizonMs } from './horizon.js';
import type { ConvergerMetrics } from './metrics.js';
import { UncommittedTail } from './tail.js';

/** k2.events decoded with the quick check first; zod for the rest and for every error. */
const QuickK2Event = withQuickCheck(K2Event, quickK2Event);

export interface RunnerOptions {
  groupId: string;
  /** The watermark trails the newest event time by this much. */
  latenessMs: number;
  /** With no event for this long, the watermark follows the wall clock. */
  idleMs: number;
  /** Partitions for the topics, when this runner creates them. */
  partitions: number;
  /**
   * Whether the bus outlives the process (Kafka): then a restart replays the uncommitted tail, so
   * events stay uncommitted for the tail horizon. On the in-process bus, which a restart empties
   * anyway, what is decided and published is committed at once and the bus lets it go.
   */
  durable: boolean;
  now?: () => number;
}

export interface RunnerDeps {
  bus: Bus;
  policy: Policy;
  log: Logger;
  metrics?: ConvergerMetrics;
}

/** Before the first event after a start, the wall clock waits this long, so a replayed tail is not late. */
const FIRST_EVENT_GRACE_MS = 30_000;

/**
 * The converger on the bus. Events from k2.events go into the core; the watermark (newest event
 * time minus the lateness, or the wall clock when idle) moves it; every transition is published
 * to k2.incidents, and only then is k2.events committed, up to the uncommitted tail (see
 * UncommittedTail). A start rebuilds the state from k2.incidents and replays that tail; records
 * the restored incidents already carry (same id, seq not higher) are not published again.
 *
 * One converger consumes the whole topic: the cause-wins rules need every class of a workload,
 * whose events have different fingerprints and so different partitions.
 */
export class ConvergerRunner {
  readonly converger: Converger;
  private readonly tail = new UncommittedTail();
  private readonly horizonMs: number;
  /** Seq of each restored incident: a replay reproduces these records, which are published already. */
  private readonly restoredSeq = new Map<string, number>();
  /** The latest record of each open incident. */
  private readonly openIncidents = new Map<string, Incident>();
  /** Transitions decided but not yet on the bus: a failed publish keeps them for the retry. */
  private outbox: Incident[] = [];
  private subscription: Subscription | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  private turn: Promise<unknown> = Promise.resolve();
  /** Per partition read: the newest event time, and how many records were still behind the last batch. */
  private readonly reading = new Map<string, { newest: number; lag: number }>();
  private firstEventWall: number | undefined;
  private lastEventWall: number;
  private publishFailing = false;

  constructor(
    private readonly options: RunnerOptions,
    private readonly deps: RunnerDeps,
  ) {
    this.converger = new Converger(deps.policy);
    this.horizonMs = options.durable ? tailHorizonMs(deps.policy) : 0;
    this.lastEventWall = this.now();
  }

  /** Restores from k2.incidents, then joins the group on k2.events. */
  async start(): Promise<void> {
    const { bus, log } = this.deps;
    const { partitions } = this.options;
    await bus.ensureTopics([
      { name: EVENTS_TOPIC, partitions },
      { name: INCIDENTS_TOPIC, partitions, compacted: true },
    ]);
    const restored = await this.readIncidents();
    this.converger.restore(restored, false);
    for (const r of restored) {
      this.restoredSeq.set(r.id, r.seq);
      if (r.status === 'open') this.openIncidents.set(r.id, r);
    }
    log.info(
      { incidents: restored.length, open: this.openIncidents.size },
      'converger: state restored from k2.incidents',
    );
    this.lastEventWall = this.now();
    this.subscription = await bus.subscribe<K2Event>({
      topics: EVENTS_TOPIC,
      groupId: this.options.groupId,
      schema: QuickK2Event,
      commit: 'manual',
      batchHandler: (messages, ctx) => this.inTurn(() => this.onEvents(messages, ctx.lag)),
    });
    this.idleTimer = setInterval(() => void this.inTurn(() => this.onIdle()).catch(() => {}), 1_000);
    this.idleTimer.unref();
  }

  /** Finishes the batch in hand (publishing and committing what it decided) and leaves the group. */
  async stop(): Promise<void> {
    clearInterval(this.idleTimer);
    await this.subscription?.close();
    await this.turn.catch(() => {});
  }

  /** Moves event time to `watermark` now, as the idle wall clock would (replays drive time themselves). */
  advanceTo(watermark: number): Promise<void> {
    return this.inTurn(async () => {
      this.advance(watermark);
      await this.publishAndCommit();
    });
  }

  /** Transitions decided and published to k2.incidents, false while publishing fails. */
  get ready(): boolean {
    return !this.publishFailing;
  }

  get uncommitted(): number {
    return this.tail.size;
  }

  openRecords(): Iterable<Incident> {
    return this.openIncidents.values();
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  /** One thing at a time: the core is not shared between batches of different partitions in flight. */
  private inTurn<T>(work: () => Promise<T>): Promise<T> {
    const next = this.turn.then(work);
    this.turn = next.catch(() => {});
    return next;
  }

  private async onEvents(messages: Message<K2Event>[], lag: number): Promise<void> {
    const first = messages[0];
    if (!first) return;
    const key = `${first.topic}\u0000${first.partition}`;
    const reading = this.reading.get(key) ?? { newest: -Infinity, lag };
    const tail = this.tail.partition(first.topic, first.partition, first.offset);
    let newest = reading.newest;
    for (const m of messages) {
      const at = eventTime(m.value.lastSeen);
      tail.add(m.offset, at);
      if (at > newest) newest = at;
      const out = this.converger.apply(m.value);
      if (out.length > 0) this.outbox.push(...out);
    }
    reading.newest = newest;
    reading.lag = lag;
    this.reading.set(key, reading);
    const wall = this.now();
    this.firstEventWall ??= wall;
    this.lastEventWall = wall;
    // Other partitions of the first fetch are still to be read: an early watermark would make them late.
    if (wall - this.firstEventWall >= this.options.idleMs || this.reading.size >= this.options.partitions)
      this.advance(this.eventWatermark(wall));
    await this.publishAndCommit();
  }

  /**
   * Event time every partition has reached: a partition with records still to read holds the
   * watermark at its newest event; one that is caught up has everything up to now.
   */
  private eventWatermark(wall: number): number {
    let reached = Infinity;
    for (const r of this.reading.values()) reached = Math.min(reached, r.lag > 0 ? r.newest : Math.max(r.newest, wall));
    let newest = -Infinity;
    for (const r of this.reading.values()) newest = Math.max(newest, r.newest);
    // Caught up everywhere: the newest event, not the wall clock, until the stream has been idle a while.
    return Math.min(reached, newest) - this.options.latenessMs;
  }

  private async onIdle(): Promise<void> {
    const wall = this.now();
    const quiet = wall - this.lastEventWall;
    const grace =
      this.firstEventWall === undefined ? Math.max(this.options.idleMs, FIRST_EVENT_GRACE_MS) : this.options.idleMs;
    if (quiet >= grace) this.advance(wall - this.options.latenessMs);
    else if (this.firstEventWall !== undefined && wall - this.firstEventWall >= this.options.idleMs)
      this.advance(this.eventWatermark(wall));
    else return;
    await this.publishAndCommit();
  }

  private advance(watermark: number): void {
    if (watermark > this.converger.watermark) this.outbox.push(...this.converger.tick(watermark));
  }

  private async publishAndCommit(): Promise<void> {
    const fresh = this.outbox.filter((r) => r.seq > (this.restoredSeq.get(r.id) ?? 0));
    if (fresh.length > 0) {
      try {
        await this.deps.bus.publish(
          INCIDENTS_TOPIC,
          fresh.map((r) => ({ key: r.id, value: r })),
        );
        this.publishFailing = false;
      } catch (err) {
        // Kept in the outbox; the bus retries the batch (its events are duplicates now) and publishes them then.
        this.publishFailing = true;
        throw err;
      }
    }
    this.outbox = [];
    for (const r of fresh) {
      this.restoredSeq.delete(r.id);
      if (r.status === 'open') this.openIncidents.set(r.id, r);
      else this.openIncidents.delete(r.id);
    }
    this.deps.metrics?.published(fresh);
    const commits = this.tail.settle(this.options.durable ? this.converger.watermark - this.horizonMs : Infinity);
    if (commits.length === 0 || !this.subscription) return;
    try {
      await this.subscription.commit(commits);
    } catch (err) {
      // A partition taken away meanwhile: its next owner replays from the last commit.
      this.deps.log.debug({ err }, 'converger: commit failed');
    }
  }

  /** The latest valid record of each incident on k2.incidents. */
  private async readIncidents(): Promise<Incident[]> {
    const latest = new Map<string, Incident>();
    let invalid = 0;
    for (const m of await this.deps.bus.snapshot(INCIDENTS_TOPIC)) {
      if (m.value.length === 0) continue;
      let parsed;
      try {
        parsed = Incident.safeParse(JSON.parse(m.value.toString('utf8')));
      } catch {
        parsed = undefined;
      }
      if (!parsed?.success) {
        invalid++;
        continue;
      }
      const r = parsed.data;
      if ((latest.get(r.id)?.seq ?? 0) < r.seq) latest.set(r.id, r);
    }
    if (invalid > 0)
      this.deps.log.warn({ invalid }, 'converger: k2.incidents holds records that are not incidents; skipped');
    return [...latest.values()];
  }
}
