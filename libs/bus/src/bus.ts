import type { ZodType } from 'zod';

/**
 * The Bus contract every backend honours (in-process and Kafka): keyed records on partitioned
 * topics, consumer groups, per-key order, at-least-once delivery and dead letters.
 */
export interface Bus {
  /** Creates the topics that are missing, each with its dead-letter twin `<name>.dlq`. Existing topics are left as they are. */
  ensureTopics(topics: readonly TopicSpec[]): Promise<void>;
  /** Appends records; resolves once the bus has durably accepted all of them. Records with the same key keep their order. */
  publish(topic: string, records: readonly BusRecord[]): Promise<void>;
  /** Joins `groupId`; resolves once this member has joined and received its (possibly empty) assignment. */
  subscribe<T = Buffer>(options: SubscribeOptions<T>): Promise<Subscription>;
  /**
   * Every record `topic` holds, from its oldest up to its end as of the call (later records are not
   * included), partition after partition, each in offset order. Joins no group and commits nothing.
   * On a compacted Kafka topic older records of a key may still be there: the last one is current.
   */
  snapshot(topic: string): Promise<Message[]>;
  /** Closes every subscription (finishing in-flight handlers, committing what completed) and flushes pending publishes. */
  close(): Promise<void>;
}

export interface TopicSpec {
  name: string;
  partitions: number;
  /** Keep the latest record per key instead of deleting by age (Kafka `cleanup.policy=compact`). */
  compacted?: boolean;
  retentionMs?: number;
  /** Kafka only; defaults to the bus's replication factor. */
  replicationFactor?: number;
}

export type Headers = Record<string, string>;

export interface BusRecord {
  /** Chooses the partition, so it decides ordering: records with one key are delivered in publish order. */
  key: string;
  /**
   * Buffers are sent as they are, strings as UTF-8, anything else as JSON. `null` is a tombstone
   * (Kafka's null value, which compaction eventually removes with its key); readers get an empty value.
   */
  value: Buffer | string | object | null;
  headers?: Headers;
}

export interface Message<T = Buffer> {
  topic: string;
  partition: number;
  offset: number;
  key: string;
  /** Parsed and validated by the subscription's schema; the raw bytes when it has none. */
  value: T;
  raw: Buffer;
  headers: Headers;
  /** Milliseconds since the epoch, when the record was published. */
  timestamp: number;
}

export interface HandlerContext {
  /** 1 on first delivery; counts the retries of this record (or batch) by this member. */
  attempt: number;
  /** Aborted when the subscription pauses, closes or loses the partition: finish up, or throw to leave the work uncommitted. */
  signal: AbortSignal;
  /** Long handlers call this now and then so Kafka does not consider the member dead. */
  heartbeat(): Promise<void>;
  /** Records of this partition after the ones handed over, as far as the bus knows: 0 when caught up. */
  lag: number;
}

export type RecordHandler<T> = (message: Message<T>, ctx: HandlerContext) => Promise<void>;
export type BatchHandler<T> = (messages: Message<T>[], ctx: HandlerContext) => Promise<void>;

export interface RetryPolicy {
  /** First wait after a failed attempt; doubles up to `maxMs`. Default 200 ms. */
  initialMs?: number;
  /** Default 30 s. */
  maxMs?: number;
  /**
   * After this many failed attempts the record (each record of a batch) goes to the dead-letter
   * topic and the partition moves on. Default: retry until it succeeds, since most failures
   * (a store or webhook that is down) are transient and order matters.
   */
  maxAttempts?: number;
}

interface SubscribeBase<T> {
  topics: string | readonly string[];
  /** Members of one group share the partitions; each group gets every record. */
  groupId: string;
  /**
   * Where a group without committed offsets starts on a partition: its oldest record, or (default)
   * its end when the group first gets it, i.e. only what is published from then on.
   */
  fromBeginning?: boolean;
  /**
   * Values are parsed as JSON and validated; what fails goes to `<topic>.dlq` and the
   * subscription carries on. Without a schema the handler gets the raw bytes.
   */
  schema?: ZodType<T>;
  retry?: RetryPolicy;
  /**
   * `auto` (default): what the handler finished is committed. `manual`: finishing a record only
   * moves this member's read position; the group's offsets move with Subscription.commit alone,
   * so a member that takes a partition over, or the same service restarted, starts there.
   */
  commit?: 'auto' | 'manual';
}

/** Exactly one of `handler` (one record at a time) or `batchHandler` (runs of records of one partition). */
export type SubscribeOptions<T = Buffer> = SubscribeBase<T> &
  ({ handler: RecordHandler<T>; batchHandler?: never } | { batchHandler: BatchHandler<T>; handler?: never });

/** Where a group continues on a partition: `offset` is the next record to read. */
export interface CommitOffset {
  topic: string;
  partition: number;
  offset: number;
}

export interface Subscription {
  /** Commits for the group (`commit: 'manual'` subscriptions); fails for partitions this member does not hold. */
  commit(offsets: readonly CommitOffset[]): Promise<void>;
  /** Stops delivery after the in-flight handlers finish; the group keeps this member's partitions. */
  pause(): void;
  resume(): void;
  /** Leaves the group after in-flight handlers finish; commits what completed. Others take over the rest. */
  close(): Promise<void>;
}

/** What the bus reports about itself; a pino logger fits. */
export interface BusLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export const silentLog: BusLog = { info() {}, warn() {}, error() {} };
