import type {
  Bus,
  BusLog,
  BusRecord,
  CommitOffset,
  Headers,
  Message,
  SubscribeOptions,
  Subscription,
  TopicSpec,
} from './bus.js';
import { silentLog } from './bus.js';
import { encodeValue } from './codec.js';
import { createDelivery, type Deliver } from './deliver.js';
import { withDeadLetterTopics } from './dlq.js';
import { partitionFor } from './partitioner.js';

/**
 * The embedded bus: Kafka's contract in memory, for one process. Partitions are arrays, each group
 * keeps committed offsets per partition, and a partition's records go to one member at a time.
 *
 * It persists nothing: records and offsets live as long as the process. It does not compact;
 * `retentionMs` drops old records from the head of a partition as new ones arrive. A record that
 * every group reading its topic has committed is released at once (compacted topics excepted,
 * since snapshot() must find each key's latest record): in one process no group joins later that
 * could still want it, so memory follows the slowest consumer, not the traffic.
 *
 * A frozen object value (its publisher promises that nothing in it changes; see `frozen`) is kept
 * as it is and encoded as JSON only when its bytes are first read: a record that compaction drops
 * before anyone reads it is never encoded, and a reader whose quick check takes a deep-frozen value
 * as it is gets the object itself. Every other value is encoded at publish.
 */
export interface InProcessBusOptions {
  log?: BusLog;
}

/** Committed records are released once this many have gathered at the head of a partition (or all of it). */
const RELEASE_CHUNK = 1_000;

/** Records handed to a handler at once (batch handlers see at most this many). */
const MAX_RUN = 500;

interface Partition {
  /** Offset of records[0]; grows as retention drops old records. */
  start: number;
  /** null where compaction removed a record every group had read and a later one of its key replaced. */
  records: (Message | null)[];
  /** Compacted topics: the offset of each key's latest record, and of records a later one replaced. */
  latest?: Map<string, number>;
  superseded?: number[];
  /** Where compaction last looked up to. */
  compactedTo?: number;
  arrived: Wakeup;
}

interface TopicLog {
  spec: TopicSpec;
  partitions: Partition[];
}

export class InProcessBus implements Bus {
  private readonly topics = new Map<string, TopicLog>();
  private readonly groups = new Map<string, Group>();
  private readonly members = new Set<Member>();
  private readonly log: BusLog;
  private closed = false;

  constructor(options: InProcessBusOptions = {}) {
    this.log = options.log ?? silentLog;
  }

  async ensureTopics(specs: readonly TopicSpec[]): Promise<void> {
    for (const spec of withDeadLetterTopics(specs)) {
      if (this.topics.has(spec.name)) continue;
      const partitions = Array.from({ length: spec.partitions }, (): Partition => ({
        start: 0,
        records: [],
        arrived: new Wakeup(),
        ...(spec.compacted ? { latest: new Map<string, number>(), superseded: [], compactedTo: 0 } : {}),
      }));
      this.topics.set(spec.name, { spec, partitions });
    }
  }

  async publish(topic: string, records: readonly BusRecord[]): Promise<void> {
    if (this.closed) throw new Error('bus is closed');
    const log = this.topic(topic);
    const now = Date.now();
    const touched = new Set<Partition>();
    for (const r of records) {
      const partition = partitionFor(r.key, log.partitions.length);
      const p = log.partitions[partition] as Partition;
      const offset = p.start + p.records.length;
      if (p.latest) {
        const previous = p.latest.get(r.key);
        if (previous !== undefined) p.superseded!.push(previous);
        p.latest.set(r.key, offset);
      }
      p.records.push(new Stored(topic, partition, offset, r.key, r.value, { ...r.headers }, now));
      touched.add(p);
    }
    for (const p of touched) {
      if (log.spec.retentionMs !== undefined) trim(p, now - log.spec.retentionMs);
      p.arrived.notify();
    }
    // A compacted topic nobody reads yet is compacted as it is written.
    if (log.spec.compacted) for (const p of touched) this.release(topic, log.partitions.indexOf(p));
  }

  async subscribe<T = Buffer>(options: SubscribeOptions<T>): Promise<Subscription> {
    if (this.closed) throw new Error('bus is closed');
    const topics = typeof options.topics === 'string' ? [options.topics] : [...options.topics];
    for (const t of topics) this.topic(t);
    let group = this.groups.get(options.groupId);
    if (!group) {
      group = new Group(
        (t) => this.topic(t).partitions,
        (t, partition) => this.release(t, partition),
      );
      this.groups.set(options.groupId, group);
    }
    const deliver = createDelivery(options, (t, r) => this.publish(t, r), this.log, {
      object: Stored.objectOf,
      bytes: Stored.encode,
    });
    const member = new Member(group, topics, options.fromBeginning ?? false, options.commit === 'manual', deliver, () =>
      this.members.delete(member),
    );
    this.members.add(member);
    group.join(member);
    return member;
  }

  async snapshot(topic: string): Promise<Message[]> {
    if (this.closed) throw new Error('bus is closed');
    return this.topic(topic).partitions.flatMap((p) =>
      p.records.flatMap((m) => {
        if (!m) return [];
        return [{ ...Stored.encode(m), headers: { ...m.headers } }];
      }),
    );
  }

  async close(): Promise<void> {
    await Promise.all([...this.members].map((m) => m.close()));
    this.closed = true;
  }

  /**
   * Drops the head of a partition that every group with a place in it has committed; on a
   * compacted topic, only the committed records a later record of the same key replaced.
   */
  private release(topic: string, partition: number): void {
    const log = this.topic(topic);
    let lowest = Infinity;
    for (const g of this.groups.values()) lowest = Math.min(lowest, g.committedOffset(topic, partition) ?? Infinity);
    const p = log.partitions[partition] as Partition;
    if (p.latest) return compact(p, Math.min(lowest, p.start + p.records.length));
    const drop = Math.min(lowest, p.start + p.records.length) - p.start;
    // In chunks: removing from the head of an array moves the rest.
    if (lowest === Infinity || drop <= 0 || (drop < RELEASE_CHUNK && drop < p.records.length)) return;
    dropHead(p, drop);
  }

  private topic(name: string): TopicLog {
    const log = this.topics.get(name);
    if (!log) throw new Error(`unknown topic "${name}": create it with ensureTopics first`);
    return log;
  }
}

const NOT_YET_ENCODED = Buffer.alloc(0);

function isFrozenObject(value: BusRecord['value']): value is object {
  return typeof value === 'object' && value !== null && !(value instanceof Uint8Array) && Object.isFrozen(value);
}

/** A record as a partition keeps it: a frozen object value stays as it is until its bytes are first read. */
class Stored implements Message {
  value: Buffer;
  raw: Buffer;
  // Private, so a spread copy of the message leaves it out.
  readonly #object: object | undefined;

  constructor(
    readonly topic: string,
    readonly partition: number,
    readonly offset: number,
    readonly key: string,
    value: BusRecord['value'],
    readonly headers: Headers,
    readonly timestamp: number,
  ) {
    if (isFrozenObject(value)) this.#object = value;
    this.value = this.raw = this.#object ? NOT_YET_ENCODED : encodeValue(value);
  }

  /** The frozen object a record was published with, if it was. */
  static objectOf(this: void, m: Message): object | undefined {
    return m instanceof Stored ? m.#object : undefined;
  }

  /** The record with its bytes, encoding a frozen value now (once). */
  static encode(this: void, m: Message): Message {
    if (m instanceof Stored && m.#object && m.raw === NOT_YET_ENCODED) m.value = m.raw = encodeValue(m.#object);
    return m;
  }
}

/** Removes the first `count` records of a partition. */
function dropHead(p: Partition, count: number): void {
  p.records.splice(0, count);
  p.start += count;
}

function compact(p: Partition, upTo: number): void {
  const end = p.start + p.records.length;
  // Each pass looks at every replaced record not yet removed: with many, only now and then.
  const many = p.superseded!.length >= RELEASE_CHUNK;
  if (many && upTo < p.compactedTo! + RELEASE_CHUNK && upTo < end) return;
  p.compactedTo = upTo;
  const pending: number[] = [];
  for (const offset of p.superseded!) {
    if (offset >= upTo) pending.push(offset);
    else if (offset >= p.start) {
      p.records[offset - p.start] = null;
    }
  }
  p.superseded = pending;
}

function trim(p: Partition, before: number): void {
  const keep = p.records.findIndex((r) => r !== null && r.timestamp >= before);
  const drop = keep === -1 ? p.records.length : keep;
  if (drop > 0) dropHead(p, drop);
}

const tpKey = (topic: string, partition: number) => `${topic}\u0000${partition}`;

/** A consumer group: its members, who owns which partition, and the committed offsets. */
class Group {
  private readonly members: Member[] = [];
  /** Next offset to deliver, per partition. */
  private readonly committed = new Map<string, number>();
  /** The last worker of each partition, so a new owner starts only after the previous one finished. */
  private readonly lastWorker = new Map<string, Promise<void>>();

  constructor(
    readonly partitionsOf: (topic: string) => Partition[],
    private readonly committedTo: (topic: string, partition: number) => void,
  ) {}

  /** The next offset this group reads on a partition, once it has a place there. */
  committedOffset(topic: string, partition: number): number | undefined {
    return this.committed.get(tpKey(topic, partition));
  }

  join(member: Member): void {
    this.members.push(member);
    this.rebalance();
  }

  leave(member: Member): void {
    this.members.splice(this.members.indexOf(member), 1);
    this.rebalance();
  }

  /** Each topic's partitions are dealt round-robin to the members subscribed to it, in join order. */
  private rebalance(): void {
    const assignment = new Map<Member, { topic: string; partition: number }[]>(this.members.map((m) => [m, []]));
    const topics = new Set(this.members.flatMap((m) => m.topics));
    for (const topic of topics) {
      const takers = this.members.filter((m) => m.topics.includes(topic));
      this.partitionsOf(topic).forEach((_, partition) =>
        assignment.get(takers[partition % takers.length] as Member)?.push({ topic, partition }),
      );
    }
    for (const [member, tps] of assignment) member.assign(tps);
  }

  /** Where `topic/partition` continues; a group new to it starts at the head or at the end. */
  position(topic: string, partition: number, fromBeginning: boolean): number {
    const p = this.partitionsOf(topic)[partition] as Partition;
    const key = tpKey(topic, partition);
    let next = this.committed.get(key);
    if (next === undefined) {
      // Remembered at once (Kafka would wait for a commit), so a later member does not skip what arrived meanwhile.
      next = fromBeginning ? p.start : p.start + p.records.length;
      this.committed.set(key, next);
    }
    return Math.max(next, p.start);
  }

  commit(topic: string, partition: number, next: number): void {
    this.committed.set(tpKey(topic, partition), next);
    this.committedTo(topic, partition);
  }

  /** Starts a worker for `topic/partition` that may begin once the partition's previous worker has finished. */
  handOver(
    topic: string,
    partition: number,
    start: (previous: Promise<void> | undefined) => Promise<void>,
  ): Promise<void> {
    const key = tpKey(topic, partition);
    const finished = start(this.lastWorker.get(key));
    this.lastWorker.set(key, finished);
    return finished;
  }
}

class Member implements Subscription {
  private readonly workers = new Map<string, { stop: AbortController; finished: Promise<void> }>();
  /** Aborted by pause and close; replaced by resume. */
  private active = new AbortController();
  private readonly resumed = new Wakeup();
  private closing: Promise<void> | undefined;

  constructor(
    private readonly group: Group,
    readonly topics: string[],
    private readonly fromBeginning: boolean,
    private readonly manual: boolean,
    private readonly deliver: Deliver,
    private readonly onClosed: () => void,
  ) {}

  pause(): void {
    this.active.abort();
  }

  async commit(offsets: readonly CommitOffset[]): Promise<void> {
    for (const o of offsets) {
      if (!this.workers.has(tpKey(o.topic, o.partition)))
        throw new Error(`cannot commit ${o.topic}/${o.partition}: not assigned to this member`);
    }
    for (const o of offsets) this.group.commit(o.topic, o.partition, o.offset);
  }

  resume(): void {
    if (this.closing || !this.active.signal.aborted) return;
    this.active = new AbortController();
    this.resumed.notify();
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      this.active.abort();
      // A paused worker sleeps until resumed or stopped: stop them all, or close waits forever.
      for (const w of this.workers.values()) w.stop.abort();
      const finished = [...this.workers.values()].map((w) => w.finished);
      this.group.leave(this);
      await Promise.all(finished);
      this.onClosed();
    })();
    return this.closing;
  }

  assign(tps: { topic: string; partition: number }[]): void {
    const wanted = new Set(tps.map((tp) => tpKey(tp.topic, tp.partition)));
    for (const [key, worker] of this.workers) {
      if (wanted.has(key)) continue;
      worker.stop.abort();
      this.workers.delete(key);
    }
    for (const { topic, partition } of tps) {
      const key = tpKey(topic, partition);
      if (this.workers.has(key)) continue;
      const stop = new AbortController();
      const finished = this.group.handOver(topic, partition, (previous) =>
        this.consume(topic, partition, stop.signal, previous),
      );
      this.workers.set(key, { stop, finished });
    }
  }

  /** Delivers one partition, in order, from the group's position until the partition is taken away. */
  private async consume(topic: string, partition: number, stop: AbortSignal, previous: Promise<void> | undefined) {
    await previous;
    const p = this.group.partitionsOf(topic)[partition] as Partition;
    let next = this.group.position(topic, partition, this.fromBeginning);
    while (!stop.aborted) {
      const active = this.active.signal;
      if (active.aborted) {
        if (this.closing) return;
        await this.resumed.wait(stop);
        continue;
      }
      next = Math.max(next, p.start);
      const from = next - p.start;
      const run = p.records.slice(from, from + MAX_RUN);
      const records: Message[] = [];
      // Not encoded here: the delivery encodes what its reader needs as bytes.
      for (const m of run) if (m) records.push(m);
      if (records.length === 0 && run.length > 0) {
        // Only records compaction removed: nothing to hand over, but the place moves on.
        next += run.length;
        continue;
      }
      if (records.length === 0) {
        await p.arrived.wait(AbortSignal.any([stop, active]));
        continue;
      }
      await this.deliver(records, {
        lag: p.records.length - from - run.length,
        signal: AbortSignal.any([stop, active]),
        heartbeat: async () => {},
        done: (m) => {
          next = m.offset + 1;
          if (!this.manual) this.group.commit(topic, partition, next);
        },
      });
      // A handler that finishes without waiting on I/O would otherwise be handed the next run in
      // a microtask: through a backlog, timers, sockets and worker messages would wait for all of it.
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
}

/** Lets loops sleep until something happens (records arrive, the member resumes) or they are told to stop. */
class Wakeup {
  private readonly waiters = new Set<() => void>();

  wait(signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        this.waiters.delete(wake);
        signal.removeEventListener('abort', wake);
        resolve();
      };
      if (signal.aborted) return resolve();
      this.waiters.add(wake);
      signal.addEventListener('abort', wake, { once: true });
    });
  }

  notify(): void {
    for (const wake of [...this.waiters]) wake();
  }
}
