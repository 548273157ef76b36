import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it, onTestFinished } from 'vitest';
import { z } from 'zod';
import {
  CompactedTable,
  DLQ_HEADERS,
  dlqTopic,
  partitionFor,
  type Bus,
  type Message,
  type SubscribeOptions,
  type Subscription,
} from '../src/index.js';

export interface ConformanceOptions {
  /** How long "nothing arrives" must hold to count (longer for a real broker's fetch loop). */
  quietMs: number;
}

/** The Bus contract, run against every backend: same tests, same expectations. */
export function busConformance(name: string, makeBus: () => Bus | Promise<Bus>, { quietMs }: ConformanceOptions): void {
  describe(`Bus conformance: ${name}`, () => {
    async function setup(partitions: number) {
      const bus = await makeBus();
      onTestFinished(() => bus.close());
      const topic = `conf-${randomUUID().slice(0, 8)}`;
      await bus.ensureTopics([{ name: topic, partitions }]);
      const subscribe = async <T>(options: SubscribeOptions<T>): Promise<Subscription> => {
        const sub = await bus.subscribe(options);
        onTestFinished(() => sub.close());
        return sub;
      };
      return { bus, topic, subscribe, group: () => `g-${randomUUID().slice(0, 8)}` };
    }

    const Seq = z.object({ key: z.string(), seq: z.number() });

    it('keeps per-key order, placing each key on the partition its hash names', async () => {
      const { bus, topic, subscribe, group } = await setup(4);
      const seen: Message<z.infer<typeof Seq>>[] = [];
      await subscribe({
        topics: topic,
        groupId: group(),
        fromBeginning: true,
        schema: Seq,
        handler: async (m) => void seen.push(m),
      });
      const keys = Array.from({ length: 20 }, (_, i) => `key-${i}`);
      // Ten calls in flight at once: their records must still land in call order.
      await Promise.all(
        Array.from({ length: 10 }, (_, seq) =>
          bus.publish(
            topic,
            keys.map((key) => ({ key, value: { key, seq } })),
          ),
        ),
      );

      await eventually(() => expect(seen).toHaveLength(200));
      for (const key of keys) {
        const mine = seen.filter((m) => m.key === key);
        expect(mine.map((m) => m.value.seq)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
        expect(new Set(mine.map((m) => m.partition))).toEqual(new Set([partitionFor(key, 4)]));
      }
      expect(new Set(seen.map((m) => m.partition)).size).toBe(4);
      for (let p = 0; p < 4; p++) {
        const offsets = seen.filter((m) => m.partition === p).map((m) => m.offset);
        expect(offsets).toEqual([...offsets].sort((a, b) => a - b));
      }
    });

    it('round-trips buffers, strings, objects and headers', async () => {
      const { bus, topic, subscribe, group } = await setup(1);
      const seen: Message[] = [];
      await subscribe({
        topics: [topic],
        groupId: group(),
        fromBeginning: true,
        handler: async (m) => void seen.push(m),
      });
      const before = Date.now();
      await bus.publish(topic, [
        { key: 'buf', value: Buffer.from([0, 1, 2, 255]), headers: { kind: 'bytes' } },
        { key: 'str', value: 'hello, wörld' },
        { key: 'obj', value: { a: 1, b: ['x'] }, headers: { 'content-type': 'application/json', trace: 't-1' } },
      ]);
      await eventually(() => expect(seen).toHaveLength(3));
      const [buf, str, obj] = seen as [Message, Message, Message];
      expect(buf.value).toEqual(Buffer.from([0, 1, 2, 255]));
      expect(buf.headers).toEqual({ kind: 'bytes' });
      expect(str.value.toString('utf8')).toBe('hello, wörld');
      expect(str.headers).toEqual({});
      expect(JSON.parse(obj.value.toString('utf8'))).toEqual({ a: 1, b: ['x'] });
      expect(obj.headers).toEqual({ 'content-type': 'application/json', trace: 't-1' });
      expect(seen.map((m) => [m.topic, m.partition, m.offset])).toEqual([
        [topic, 0, 0],
        [topic, 0, 1],
        [topic, 0, 2],
      ]);
      expect(obj.timestamp).toBeGreaterThanOrEqual(before - 1000);
      expect(obj.timestamp).toBeLessThanOrEqual(Date.now() + 1000);
    });

    it('gives every group every record', async () => {
      const { bus, topic, subscribe, group } = await setup(3);
      const a = new Set<string>();
      const b = new Set<string>();
      await subscribe({
        topics: topic,
        groupId: group(),
        fromBeginning: true,
        handler: async (m) => void a.add(m.key),
      });
      await subscribe({
        topics: topic,
        groupId: group(),
        fromBeginning: true,
        handler: async (m) => void b.add(m.key),
      });
      await bus.publish(topic, keyed(30));
      await eventually(() => {
        expect(a.size).toBe(30);
        expect(b.size).toBe(30);
      });
    });

    it('splits partitions between the members of one group, delivering each record once', async () => {
      const { bus, topic, subscribe, group } = await setup(4);
      const groupId = group();
      const seen = { a: [] as Message[], b: [] as Message[] };
      await subscribe({ topics: topic, groupId, fromBeginning: true, handler: async (m) => void seen.a.push(m) });
      await subscribe({ topics: topic, groupId, fromBeginning: true, handler: async (m) => void seen.b.push(m) });
      await bus.publish(topic, keyed(40));
      await eventually(() => expect(seen.a.length + seen.b.length).toBe(40));
      await sleep(quietMs);
      expect(seen.a.length + seen.b.length).toBe(40);
      expect(new Set([...seen.a, ...seen.b].map((m) => m.key)).size).toBe(40);
      expect(seen.a.length).toBeGreaterThan(0);
      expect(seen.b.length).toBeGreaterThan(0);
      const partitionsOf = (ms: Message[]) => new Set(ms.map((m) => m.partition));
      expect([...partitionsOf(seen.a)].filter((p) => partitionsOf(seen.b).has(p))).toEqual([]);
    });

    it('retries a failing handler with backoff and skips nothing after it', async () => {
      const { bus, topic, subscribe, group } = await setup(1);
      const attempts: string[] = [];
      const done: string[] = [];
      await subscribe({
        topics: topic,
        groupId: group(),
        fromBeginning: true,
        retry: { initialMs: 50 },
        handler: async (m, ctx) => {
          attempts.push(`${m.key}#${ctx.attempt}`);
          if (m.key === 'b' && ctx.attempt < 3) throw new Error('store unavailable');
          done.push(m.key);
        },
      });
      await bus.publish(
        topic,
        ['a', 'b', 'c'].map((key) => ({ key, value: key })),
      );
      await eventually(() => expect(done).toEqual(['a', 'b', 'c']));
      expect(attempts).toEqual(['a#1', 'b#1', 'b#2', 'b#3', 'c#1']);
    });

    it('redelivers to the next member what a member did not finish before it went away', async () => {
      const { bus, topic, subscribe, group } = await setup(1);
      const groupId = group();
      const first: string[] = [];
      let failures = 0;
      const a = await subscribe({
        topics: topic,
        groupId,
        fromBeginning: true,
        retry: { initialMs: 20, maxMs: 100 },
        handler: async (m) => {
          if (m.key === 'r2') {
            failures++;
            throw new Error('crashing on r2');
          }
          first.push(m.key);
        },
      });
      await bus.publish(topic, keyed(5, 'r'));
      await eventually(() => expect(failures).toBeGreaterThanOrEqual(2));
      await a.close();
      expect(first).toEqual(['r0', 'r1']);

      const second: string[] = [];
      await subscribe({ topics: topic, groupId, fromBeginning: true, handler: async (m) => void second.push(m.key) });
      await eventually(() => expect(second).toEqual(['r2', 'r3', 'r4']));
    });

    it('close waits for the in-flight handler and commits what it finished', async () => {
      const { bus, topic, subscribe, group } = await setup(1);
      const groupId = group();
      const release = deferred();
      const started = deferred();
      const first: string[] = [];
      const a = await subscribe({
        topics: topic,
        groupId,
        fromBeginning: true,
        handler: async (m) => {
          started.resolve();
          await release.promise;
          first.push(m.key);
        },
      });
      await bus.publish(topic, keyed(3, 'r'));
      await started.promise;
      let closed = false;
      const closing = a.close().then(() => (closed = true));
      await sleep(200);
      expect(closed).toBe(false);
      release.resolve();
      await closing;
      expect(first).toEqual(['r0']);

      const second: string[] = [];
      await subscribe({ topics: topic, groupId, fromBeginning: true, handler: async (m) => void second.push(m.key) });
      await eventually(() => expect(second).toEqual(['r1', 'r2']));
    });

    it('with manual commits, the next member starts at the last commit, not after what was handled', async () => {
      const { bus, topic, subscribe, group } = await setup(1);
      const groupId = group();
      const first: number[] = [];
      const a = await subscribe({
        topics: topic,
        groupId,
        fromBeginning: true,
        commit: 'manual',
        handler: async (m) => void first.push(m.offset),
      });
      await bus.publish(topic, keyed(6, 'r'));
      await eventually(() => expect(first).toEqual([0, 1, 2, 3, 4, 5]));
      await a.commit([{ topic, partition: 0, offset: 4 }]);
      await a.close();

      const second: string[] = [];
      await subscribe({ topics: topic, groupId, fromBeginning: true, handler: async (m) => void second.push(m.key) });
      await eventually(() => expect(second).toEqual(['r4', 'r5']));
    });

    it('tells a batch handler how many records of its partition come after the batch', async () => {
      const { bus, topic, subscribe, group } = await setup(1);
      await bus.publish(topic, keyed(30, 'r'));
      const seen: { handled: number; lag: number }[] = [];
      let handled = 0;
      await subscribe({
        topics: topic,
        groupId: group(),
        fromBeginning: true,
        batchHandler: async (ms, ctx) => {
          handled += ms.length;
          seen.push({ handled, lag: ctx.lag });
        },
      });
      await eventually(() => expect(handled).toBe(30));
      for (const s of seen) expect(s.handled + s.lag).toBe(30);
    });

    it('closes a paused subscription, and the group goes on from where it stopped', async () => {
      const { bus, topic, subscribe, group } = await setup(2);
      const groupId = group();
      const first: string[] = [];
      const a = await subscribe({
        topics: topic,
        groupId,
        fromBeginning: true,
        handler: async (m) => void first.push(m.key),
      });
      await bus.publish(topic, keyed(4, 'r'));
      await eventually(() => expect(first).toHaveLength(4));
      a.pause();
      // Long enough for its idle workers to settle into the pause.
      await sleep(100);
      await a.close();
      await bus.publish(topic, keyed(2, 's'));
      const second: string[] = [];
      await subscribe({ topics: topic, groupId, fromBeginning: true, handler: async (m) => void second.push(m.key) });
      await eventually(() => expect(second.sort()).toEqual(['s0', 's1']));
    });

    it('sends records that fail to parse to the dead-letter topic and carries on', async () => {
      const { bus, topic, subscribe, group } = await setup(1);
      const groupId = group();
      const good: number[] = [];
      const letters: Message[] = [];
      await subscribe({
        topics: topic,
        groupId,
        fromBeginning: true,
        schema: z.object({ n: z.number() }),
        handler: async (m) => void good.push(m.value.n),
      });
      await subscribe({
        topics: dlqTopic(topic),
        groupId: group(),
        fromBeginning: true,
        handler: async (m) => void letters.push(m),
      });
      await bus.publish(topic, [
        { key: 'a', value: { n: 1 } },
        { key: 'b', value: 'not json{', headers: { origin: 'test' } },
        { key: 'c', value: { n: 'three' } },
        { key: 'd', value: { n: 4 } },
      ]);
      await eventually(() => {
        expect(good).toEqual([1, 4]);
        expect(letters).toHaveLength(2);
      });
      const [b, c] = letters as [Message, Message];
      expect([b.key, b.value.toString()]).toEqual(['b', 'not json{']);
      expect(b.headers).toMatchObject({
        origin: 'test',
        [DLQ_HEADERS.reason]: 'invalid',
        [DLQ_HEADERS.topic]: topic,
        [DLQ_HEADERS.partition]: '0',
        [DLQ_HEADERS.offset]: '1',
        [DLQ_HEADERS.group]: groupId,
      });
      expect(b.headers[DLQ_HEADERS.error]).toMatch(/^invalid JSON/);
      expect([c.key, JSON.parse(c.value.toString())]).toEqual(['c', { n: 'three' }]);
      expect(c.headers).toMatchObject({ [DLQ_HEADERS.reason]: 'invalid', [DLQ_HEADERS.offset]: '2' });
      expect(c.headers[DLQ_HEADERS.error]).toMatch(/^schema: .*expected number/is);
    });

    it('dead-letters a record whose handler fails maxAttempts times and carries on', async () => {
      const { bus, topic, subscribe, group } = await setup(1);
      let attempts = 0;
      const done: string[] = [];
      const letters: Message[] = [];
      await subscribe({
        topics: topic,
        groupId: group(),
        fromBeginning: true,
        retry: { initialMs: 10, maxAttempts: 3 },
        handler: async (m) => {
          if (m.key !== 'bad') return void done.push(m.key);
          attempts++;
          throw new Error('webhook rejected it');
        },
      });
      await subscribe({
        topics: dlqTopic(topic),
        groupId: group(),
        fromBeginning: true,
        handler: async (m) => void letters.push(m),
      });
      await bus.publish(
        topic,
        ['ok1', 'bad', 'ok2'].map((key) => ({ key, value: key })),
      );
      await eventually(() => {
        expect(done).toEqual(['ok1', 'ok2']);
        expect(letters).toHaveLength(1);
      });
      expect(attempts).toBe(3);
      expect(letters[0]?.headers).toMatchObject({
        [DLQ_HEADERS.reason]: 'handler',
        [DLQ_HEADERS.error]: 'webhook rejected it',
        [DLQ_HEADERS.offset]: '1',
      });
    });

    it('pause stops delivery and resume continues where it stopped', async () => {
      const { bus, topic, subscribe, group } = await setup(2);
      const seen: string[] = [];
      const sub = await subscribe({
        topics: topic,
        groupId: group(),
        fromBeginning: true,
        handler: async (m) => void seen.push(m.key),
      });
      await bus.publish(topic, keyed(3, 'before'));
      await eventually(() => expect(seen).toHaveLength(3));
      sub.pause();
      await bus.publish(topic, keyed(3, 'during'));
      await sleep(quietMs);
      expect(seen).toHaveLength(3);
      sub.resume();
      await eventually(() =>
        expect(new Set(seen)).toEqual(new Set([...keyed(3, 'before'), ...keyed(3, 'during')].map((r) => r.key))),
      );
      expect(seen).toHaveLength(6);
    });

    it('hands a batch handler runs of one partition in order and retries a failed batch whole', async () => {
      const { bus, topic, subscribe, group } = await setup(2);
      const batches: Message<z.infer<typeof Seq>>[][] = [];
      let failed = false;
      await subscribe({
        topics: topic,
        groupId: group(),
        fromBeginning: true,
        schema: Seq,
        retry: { initialMs: 20 },
        batchHandler: async (ms) => {
          if (!failed) {
            failed = true;
            throw new Error('bulk request failed');
          }
          batches.push(ms);
        },
      });
      const keys = ['x', 'y', 'z', 'w'];
      for (let seq = 0; seq < 5; seq++)
        await bus.publish(
          topic,
          keys.map((key) => ({ key, value: { key, seq } })),
        );
      await eventually(() => expect(batches.flat()).toHaveLength(20));
      for (const batch of batches) expect(new Set(batch.map((m) => m.partition)).size).toBe(1);
      for (const key of keys) {
        expect(
          batches
            .flat()
            .filter((m) => m.key === key)
            .map((m) => m.value.seq),
        ).toEqual([0, 1, 2, 3, 4]);
      }
    });

    describe('snapshot', () => {
      it('returns nothing for an empty topic', async () => {
        const { bus, topic } = await setup(3);
        expect(await bus.snapshot(topic)).toEqual([]);
      });

      it('returns every record, partition after partition, each in offset order', async () => {
        const { bus, topic } = await setup(4);
        const keys = Array.from({ length: 25 }, (_, i) => `key-${i}`);
        for (let seq = 0; seq < 4; seq++)
          await bus.publish(
            topic,
            keys.map((key) => ({ key, value: { key, seq }, headers: { seq: String(seq) } })),
          );
        await bus.publish(topic, [{ key: 'gone', value: null }]);

        const snap = await bus.snapshot(topic);
        expect(snap).toHaveLength(101);
        expect(snap.map((m) => m.partition)).toEqual([...snap.map((m) => m.partition)].sort((a, b) => a - b));
        expect(new Set(snap.map((m) => m.partition)).size).toBe(4);
        for (let p = 0; p < 4; p++) {
          const offsets = snap.filter((m) => m.partition === p).map((m) => m.offset);
          expect(offsets).toEqual(offsets.map((_, i) => i));
        }
        for (const m of snap) {
          expect(m.topic).toBe(topic);
          expect(m.partition).toBe(partitionFor(m.key, 4));
          expect(m.raw).toBe(m.value);
        }
        for (const key of keys) {
          const mine = snap.filter((m) => m.key === key);
          expect(mine.map((m) => JSON.parse(m.value.toString()) as unknown)).toEqual(
            [0, 1, 2, 3].map((seq) => ({ key, seq })),
          );
          expect(mine.map((m) => m.headers)).toEqual([0, 1, 2, 3].map((seq) => ({ seq: String(seq) })));
        }
        expect(snap.find((m) => m.key === 'gone')?.value).toEqual(Buffer.alloc(0));
      });

      it('has at least what was published before the call, as an unbroken prefix of each partition', async () => {
        const { bus, topic } = await setup(3);
        await bus.publish(topic, keyed(60, 'before-'));
        const snapping = bus.snapshot(topic);
        const publishing = bus.publish(topic, keyed(60, 'after-'));
        const snap = await snapping;
        await publishing;
        expect(snap.filter((m) => m.key.startsWith('before-'))).toHaveLength(60);
        for (let p = 0; p < 3; p++) {
          const offsets = snap.filter((m) => m.partition === p).map((m) => m.offset);
          expect(offsets).toEqual(offsets.map((_, i) => i));
        }
        expect(await bus.snapshot(topic)).toHaveLength(120);
      });

      it('joins no group and commits nothing: a group subscribing later still gets everything', async () => {
        const { bus, topic, subscribe, group } = await setup(2);
        await bus.publish(topic, keyed(20));
        expect(await bus.snapshot(topic)).toHaveLength(20);
        expect(await bus.snapshot(topic)).toHaveLength(20);
        const seen = new Set<string>();
        await subscribe({
          topics: topic,
          groupId: group(),
          fromBeginning: true,
          handler: async (m) => void seen.add(m.key),
        });
        await eventually(() => expect(seen.size).toBe(20));
      });

      it('refuses topics that were never created', async () => {
        const { bus } = await setup(1);
        const missing = `missing-${randomUUID().slice(0, 8)}`;
        await expect(bus.snapshot(missing)).rejects.toThrow(missing);
      });
    });

    describe('CompactedTable', () => {
      it('keeps the last value per key; null and empty values delete', async () => {
        const bus = await makeBus();
        onTestFinished(() => bus.close());
        const table = new CompactedTable(bus, `table-${randomUUID().slice(0, 8)}`);
        await table.ensure(3);
        await table.ensure(3);
        expect(await table.load()).toEqual(new Map());

        await table.put([
          ['a', 'one'],
          ['b', { n: 2 }],
          ['c', Buffer.from([1, 2, 3])],
          ['d', 'to be deleted'],
          ['e', 'to be emptied'],
        ]);
        await table.put([
          ['a', 'uno'],
          ['d', null],
          ['e', ''],
          ['f', 'first'],
          ['f', 'last'],
        ]);
        await table.put([]);
        const entries = Array.from({ length: 200 }, (_, i) => [`uid-${i}`, `occurrence-${i}`] as const);
        await table.put(entries);
        await table.put(entries.filter((_, i) => i % 2 === 0).map(([k]) => [k, null]));

        const loaded = await table.load();
        expect(Object.fromEntries([...loaded].filter(([k]) => !k.startsWith('uid-')))).toEqual({
          a: Buffer.from('uno'),
          b: Buffer.from('{"n":2}'),
          c: Buffer.from([1, 2, 3]),
          f: Buffer.from('last'),
        });
        expect([...loaded.keys()].filter((k) => k.startsWith('uid-')).sort()).toEqual(
          entries
            .filter((_, i) => i % 2 === 1)
            .map(([k]) => k)
            .sort(),
        );
        expect(loaded.get('uid-7')?.toString()).toBe('occurrence-7');
      });
    });

    it('refuses topics that were never created', async () => {
      const { bus } = await setup(1);
      const missing = `missing-${randomUUID().slice(0, 8)}`;
      await expect(bus.publish(missing, [{ key: 'k', value: 'v' }])).rejects.toThrow(missing);
      await expect(bus.subscribe({ topics: missing, groupId: 'g', handler: async () => {} })).rejects.toThrow(missing);
    });
  });
}

export function keyed(n: number, prefix = 'k'): { key: string; value: string }[] {
  return Array.from({ length: n }, (_, i) => ({ key: `${prefix}${i}`, value: `${prefix}${i}` }));
}

/** Retries `check` until it stops throwing. */
export async function eventually(check: () => void | Promise<void>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await sleep(25);
    }
  }
}

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}
