import type { BusLog, BusRecord, HandlerContext, Message, SubscribeOptions } from './bus.js';
import { decodeValue, encodeValue, isDeepFrozen, quickCheckOf, type Decoded } from './codec.js';
import { deadLetter, dlqTopic, type DeadLetterReason } from './dlq.js';

/**
 * What both backends share: decoding, dead-lettering, calling the handler and retrying it.
 * A backend hands over runs of raw records of one partition and commits what `done` reports.
 */
export interface Run {
  /** Aborted when the member pauses, closes or loses the partition: stop taking records and stop retrying. */
  signal: AbortSignal;
  /** Kafka: keeps the membership alive and throws when the group rebalances, which ends the run. */
  heartbeat(): Promise<void>;
  /** Called in offset order for each record that is finished (handled or dead-lettered), so it may be committed. */
  done(message: Message): Promise<void> | void;
  /** Records of the partition after this run, as far as the backend knows. */
  lag: number;
}

export type Deliver = (records: readonly Message[], run: Run) => Promise<void>;

/**
 * In-process records published as frozen objects and not encoded yet: `bytes` fills in their
 * `value` and `raw`, and the delivery calls it before it reads either.
 */
export interface Unencoded {
  object(message: Message): object | undefined;
  bytes(message: Message): void;
}

// Backoff waits are sliced so a member keeps heartbeating while it waits to retry.
const SLICE_MS = 500;

export function createDelivery<T>(
  options: SubscribeOptions<T>,
  publish: (topic: string, records: BusRecord[]) => Promise<void>,
  log: BusLog,
  unencoded?: Unencoded,
): Deliver {
  const initialMs = options.retry?.initialMs ?? 200;
  const maxMs = options.retry?.maxMs ?? 30_000;
  const maxAttempts = options.retry?.maxAttempts ?? Infinity;

  type Outcome = { ok: true } | { ok: false; aborted: true } | { ok: false; aborted: false; error: string };

  /** Calls `fn` until it succeeds, the run is aborted, or `limit` attempts failed. */
  async function retrying(
    what: object,
    limit: number,
    run: Run,
    fn: (ctx: HandlerContext) => Promise<void>,
  ): Promise<Outcome> {
    for (let attempt = 1; ; attempt++) {
      if (run.signal.aborted) return { ok: false, aborted: true };
      try {
        await fn({ attempt, signal: run.signal, heartbeat: run.heartbeat, lag: run.lag });
        return { ok: true };
      } catch (err) {
        if (run.signal.aborted) return { ok: false, aborted: true };
        const error = err instanceof Error ? err.message : String(err);
        if (attempt >= limit) return { ok: false, aborted: false, error };
        const waitMs = Math.min(maxMs, initialMs * 2 ** (attempt - 1));
        log.warn({ ...what, attempt, waitMs, err }, 'bus: attempt failed, retrying');
        await backoff(waitMs, run);
      }
    }
  }

  /** Publishing a dead letter is retried until it works: skipping it would lose the record. */
  async function sendToDlq(message: Message<unknown>, reason: DeadLetterReason, error: string, run: Run) {
    log.warn(
      { topic: message.topic, partition: message.partition, offset: message.offset, key: message.key, reason, error },
      'bus: dead-lettering record',
    );
    const letter = deadLetter(message, reason, error, options.groupId);
    const outcome = await retrying({ topic: dlqTopic(message.topic) }, Infinity, run, () =>
      publish(dlqTopic(message.topic), [letter]),
    );
    return outcome.ok;
  }

  const quick = quickCheckOf(options.schema);

  /**
   * The record with its value decoded. A frozen object the quick check takes as it is skips JSON
   * altogether (readers share it: nothing in it can change); its bytes are made only if asked for.
   */
  function decode(m: Message): Decoded<Message<T>> {
    // A reader without a schema gets the bytes as its value: made when it first reads them.
    if (!options.schema && unencoded?.object(m)) return { ok: true, value: new BytesOnReadMessage(m, unencoded) };
    const object = quick && unencoded?.object(m);
    if (object && isDeepFrozen(object)) {
      const value = quick(object);
      if (value !== undefined) return { ok: true, value: new SharedObjectMessage(m, value, object) };
    }
    unencoded?.bytes(m);
    const decoded = decodeValue(m.value, options.schema);
    return decoded.ok ? { ok: true, value: { ...m, value: decoded.value } } : decoded;
  }

  const where = (m: Message<unknown>) => ({
    topic: m.topic,
    partition: m.partition,
    offset: m.offset,
    key: m.key,
    groupId: options.groupId,
  });

  async function eachRecord(
    handler: NonNullable<SubscribeOptions<T>['handler']>,
    records: readonly Message[],
    run: Run,
  ) {
    for (const raw of records) {
      if (run.signal.aborted) return;
      const decoded = decode(raw);
      if (!decoded.ok) {
        if (!(await sendToDlq(raw, 'invalid', decoded.error, run))) return;
      } else {
        const outcome = await retrying(where(raw), maxAttempts, run, (ctx) => handler(decoded.value, ctx));
        if (!outcome.ok && outcome.aborted) return;
        if (!outcome.ok && !(await sendToDlq(decoded.value, 'handler', outcome.error, run))) return;
      }
      await run.done(raw);
      await run.heartbeat();
    }
  }

  async function eachBatch(
    handler: NonNullable<SubscribeOptions<T>['batchHandler']>,
    records: readonly Message[],
    run: Run,
  ) {
    const valid: Message<T>[] = [];
    for (const raw of records) {
      const decoded = decode(raw);
      if (decoded.ok) valid.push(decoded.value);
      else if (!(await sendToDlq(raw, 'invalid', decoded.error, run))) return;
    }
    if (valid.length > 0) {
      const first = valid[0] as Message<T>;
      const outcome = await retrying({ ...where(first), count: valid.length }, maxAttempts, run, (ctx) =>
        handler(valid, ctx),
      );
      if (!outcome.ok && outcome.aborted) return;
      if (!outcome.ok) {
        for (const m of valid) if (!(await sendToDlq(m, 'handler', outcome.error, run))) return;
      }
    }
    const last = records.at(-1);
    if (last) await run.done(last);
    await run.heartbeat();
  }

  return (records, run) =>
    options.handler ? eachRecord(options.handler, records, run) : eachBatch(options.batchHandler, records, run);
}

/** Where a record is and what it carries besides its value, for the messages below. */
abstract class RecordView<T> implements Message<T> {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly key: string;
  readonly headers: Message['headers'];
  readonly timestamp: number;
  abstract readonly value: T;
  abstract readonly raw: Buffer;

  constructor(m: Message) {
    this.topic = m.topic;
    this.partition = m.partition;
    this.offset = m.offset;
    this.key = m.key;
    this.headers = m.headers;
    this.timestamp = m.timestamp;
  }
}

/**
 * A record handed on as the frozen object its publisher made, with its bytes encoded only if read
 * (`raw` is a getter, so a spread copy of the message leaves it out).
 */
class SharedObjectMessage<T> extends RecordView<T> {
  #bytes: Buffer | undefined;

  constructor(
    m: Message,
    readonly value: T,
    private readonly object: object,
  ) {
    super(m);
  }

  get raw(): Buffer {
    return (this.#bytes ??= encodeValue(this.object));
  }
}

/**
 * A record published as a frozen object, for a reader without a schema: its value is its bytes,
 * encoded the first time the reader (or a dead letter) reads them. A reader that only counts or
 * commits records never pays for them. `value` and `raw` are getters, so a spread copy of the
 * message leaves them out (as a shared object message's `raw`): every K2 reader has a schema.
 */
class BytesOnReadMessage<T> extends RecordView<T> {
  readonly #m: Message;
  readonly #unencoded: Unencoded;

  constructor(m: Message, unencoded: Unencoded) {
    super(m);
    this.#m = m;
    this.#unencoded = unencoded;
  }

  get value(): T {
    this.#unencoded.bytes(this.#m);
    return this.#m.value as T;
  }

  get raw(): Buffer {
    this.#unencoded.bytes(this.#m);
    return this.#m.raw;
  }
}

async function backoff(ms: number, run: Run): Promise<void> {
  const until = Date.now() + ms;
  while (!run.signal.aborted && Date.now() < until) {
    await sleep(Math.min(SLICE_MS, until - Date.now()), run.signal);
    await run.heartbeat();
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const wake = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', wake);
      resolve();
    };
    const timer = setTimeout(wake, ms);
    signal.addEventListener('abort', wake, { once: true });
  });
}
