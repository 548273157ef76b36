import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { frozen as deepFrozen, InProcessBus, withQuickCheck, type Message } from '../src/index.js';
import { busConformance, eventually, keyed } from './conformance.js';

busConformance('in-process', () => new InProcessBus(), { quietMs: 200 });

describe('InProcessBus', () => {
  it('hands partitions over as members come and go: each record once, one handler per partition at a time', async () => {
    const bus = new InProcessBus();
    await bus.ensureTopics([{ name: 't', partitions: 4 }]);
    const handled: Message[] = [];
    const busy = new Set<number>();
    let overlaps = 0;
    const handler = async (m: Message) => {
      if (busy.has(m.partition)) overlaps++;
      busy.add(m.partition);
      await sleep(2);
      busy.delete(m.partition);
      handled.push(m);
    };
    const a = await bus.subscribe({ topics: 't', groupId: 'g', fromBeginning: true, handler });
    for (let round = 0; round < 10; round++)
      await bus.publish(
        't',
        keyed(20).map((r) => ({ ...r, value: String(round) })),
      );
    await eventually(() => expect(handled.length).toBeGreaterThan(20));
    const b = await bus.subscribe({ topics: 't', groupId: 'g', handler });
    await eventually(() => expect(handled.length).toBeGreaterThan(80));
    await a.close();
    const c = await bus.subscribe({ topics: 't', groupId: 'g', handler });
    await eventually(() => expect(handled).toHaveLength(200));
    await Promise.all([b.close(), c.close()]);

    expect(overlaps).toBe(0);
    expect(new Set(handled.map((m) => `${m.partition}/${m.offset}`)).size).toBe(200);
    for (const { key } of keyed(20)) {
      expect(handled.filter((m) => m.key === key).map((m) => m.value.toString())).toEqual([
        '0',
        '1',
        '2',
        '3',
        '4',
        '5',
        '6',
        '7',
        '8',
        '9',
      ]);
    }
  });

  it('lets timers and I/O run between runs of a backlog, even for a handler that never waits', async () => {
    const bus = new InProcessBus();
    await bus.ensureTopics([{ name: 't', partitions: 1 }]);
    await bus.publish(
      't',
      Array.from({ length: 5_000 }, (_, i) => ({ key: 'k', value: String(i) })),
    );
    let handled = 0;
    let handledWhenTimerRan = -1;
    setTimeout(() => (handledWhenTimerRan = handled), 0);
    const sub = await bus.subscribe({
      topics: 't',
      groupId: 'g',
      fromBeginning: true,
      batchHandler: async (ms) => void (handled += ms.length),
    });
    await eventually(() => expect(handled).toBe(5_000));
    expect(handledWhenTimerRan).toBeGreaterThanOrEqual(0);
    expect(handledWhenTimerRan).toBeLessThan(5_000);
    await sub.close();
    await bus.close();
  });

  it('drops records older than retentionMs, and a group behind them goes on from the oldest kept', async () => {
    const bus = new InProcessBus();
    await bus.ensureTopics([{ name: 't', partitions: 1, retentionMs: 50 }]);
    const seen: string[] = [];
    const sub = await bus.subscribe({
      topics: 't',
      groupId: 'slow',
      fromBeginning: true,
      handler: async (m) => void seen.push(m.key),
    });
    sub.pause();
    await bus.publish('t', keyed(2, 'old'));
    await sleep(100);
    await bus.publish('t', keyed(2, 'new'));
    expect((await bus.snapshot('t')).map((m) => [m.key, m.offset])).toEqual([
      ['new0', 2],
      ['new1', 3],
    ]);
    sub.resume();
    await eventually(() => expect(seen).toEqual(['new0', 'new1']));
    await bus.close();
  });

  it('releases what every group reading a topic has committed, and keeps what one has not', async () => {
    const bus = new InProcessBus();
    await bus.ensureTopics([
      { name: 'events', partitions: 1 },
      { name: 'table', partitions: 1, compacted: true },
    ]);
    let fast = 0;
    let slow = 0;
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => (release = r));
    await bus.subscribe({ topics: ['events', 'table'], groupId: 'fast', handler: async () => void fast++ });
    await bus.subscribe({
      topics: 'events',
      groupId: 'slow',
      handler: async (m) => {
        if (m.offset === 1_500) await gate;
        slow++;
      },
    });
    await bus.publish('events', keyed(3_000));
    await bus.publish('table', keyed(3_000));
    await eventually(() => expect(fast).toBe(6_000));
    await eventually(() => expect(slow).toBe(1_500));
    // The slow group holds everything from its place on; the compacted table keeps every record.
    expect((await bus.snapshot('events'))[0]?.offset).toBe(1_000);
    expect(await bus.snapshot('table')).toHaveLength(3_000);
    release();
    await eventually(() => expect(slow).toBe(3_000));
    expect(await bus.snapshot('events')).toEqual([]);
    // A group that comes later starts at what is still there: the end.
    const late: number[] = [];
    await bus.subscribe({
      topics: 'events',
      groupId: 'late',
      fromBeginning: true,
      handler: async (m) => void late.push(m.offset),
    });
    await bus.publish('events', keyed(1));
    await eventually(() => expect(late).toEqual([3_000]));
    await bus.close();
  });

  it('compacts a compacted topic: records every group has read and a later one of their key replaced go', async () => {
    const bus = new InProcessBus();
    await bus.ensureTopics([{ name: 'table', partitions: 1, compacted: true }]);
    const fast: string[] = [];
    const slow: string[] = [];
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => (release = r));
    await bus.subscribe({ topics: 'table', groupId: 'fast', handler: async (m) => void fast.push(m.value.toString()) });
    const slowSub = await bus.subscribe({
      topics: 'table',
      groupId: 'slow',
      handler: async (m) => {
        if (slow.length === 2) await gate;
        slow.push(m.value.toString());
      },
    });
    const versions = (v: number) => ['a', 'b', 'c'].map((key) => ({ key, value: `${key}${v}` }));
    await bus.publish('table', [...versions(1), ...versions(2)]);
    await eventually(() => expect(fast).toHaveLength(6));
    // The slow group has not read past a2 yet: nothing it has not read is compacted away.
    expect((await bus.snapshot('table')).map((m) => m.value.toString())).toEqual(
      expect.arrayContaining(['c1', 'a2', 'b2', 'c2']),
    );
    release();
    await eventually(() => expect(slow).toEqual(['a1', 'b1', 'c1', 'a2', 'b2', 'c2']));
    await slowSub.close();
    await bus.publish('table', versions(3));
    await eventually(() => expect(fast).toHaveLength(9));
    expect((await bus.snapshot('table')).map((m) => m.value.toString())).toEqual(['a3', 'b3', 'c3']);
    // A group that reads the table later gets each key's latest record.
    const late: string[] = [];
    await bus.subscribe({
      topics: 'table',
      groupId: 'late',
      fromBeginning: true,
      handler: async (m) => void late.push(m.value.toString()),
    });
    await eventually(() => expect(late).toEqual(['a3', 'b3', 'c3']));
    await bus.close();
  });
});

describe('InProcessBus with frozen values', () => {
  /** A frozen value that counts how often it is encoded. */
  const frozen = (n: number, encoded: number[]) =>
    Object.freeze({
      n,
      toJSON() {
        encoded.push(n);
        return { n };
      },
    });

  it('encodes a frozen value only when it is read: a record compaction replaced unread never is', async () => {
    const bus = new InProcessBus();
    await bus.ensureTopics([{ name: 'table', partitions: 1, compacted: true }]);
    const encoded: number[] = [];
    for (let n = 1; n <= 3; n++) await bus.publish('table', [{ key: 'k', value: frozen(n, encoded) }]);
    expect(encoded).toEqual([]);
    const records = await bus.snapshot('table');
    expect(records.map((m) => JSON.parse(m.value.toString()))).toEqual([{ n: 3 }]);
    expect(encoded).toEqual([3]);
    await bus.close();
  });

  it('delivers a frozen value as the JSON it is, to every group, encoded once', async () => {
    const bus = new InProcessBus();
    await bus.ensureTopics([{ name: 't', partitions: 2 }]);
    const encoded: number[] = [];
    const got: Record<string, unknown[]> = { a: [], b: [] };
    const subs = await Promise.all(
      (['a', 'b'] as const).map((g) =>
        bus.subscribe({
          topics: 't',
          groupId: g,
          handler: async (m) => void got[g]!.push(JSON.parse(m.raw.toString())),
        }),
      ),
    );
    await bus.publish('t', [
      { key: 'x', value: frozen(1, encoded) },
      { key: 'x', value: { n: 2 } },
    ]);
    await eventually(() => expect(got).toEqual({ a: [{ n: 1 }, { n: 2 }], b: [{ n: 1 }, { n: 2 }] }));
    expect(encoded).toEqual([1]);
    await Promise.all(subs.map((s) => s.close()));
    await bus.close();
  });
});

describe('InProcessBus with frozen values and a reader without a schema', () => {
  it('encodes nothing for a reader that only counts records, and the JSON for one that reads them', async () => {
    const bus = new InProcessBus();
    await bus.ensureTopics([{ name: 't', partitions: 1 }]);
    const encoded: number[] = [];
    const value = (n: number) =>
      Object.freeze({
        n,
        toJSON() {
          encoded.push(n);
          return { n };
        },
      });
    let counted = 0;
    const copies: unknown[] = [];
    let reading = false;
    const counter = await bus.subscribe({
      topics: 't',
      groupId: 'count',
      batchHandler: async (ms) => void (counted += ms.length),
    });
    // A reader that reads the bytes gets the JSON (once); it waits until the counter is done, so
    // that the counting alone is seen to encode nothing.
    const reader = await bus.subscribe({
      topics: 't',
      groupId: 'read',
      handler: async (m) => {
        while (!reading) await new Promise((r) => setTimeout(r, 5));
        copies.push(JSON.parse(m.value.toString()), JSON.parse(m.raw.toString()));
      },
    });
    await bus.publish('t', [
      { key: 'k', value: value(1) },
      { key: 'k', value: value(2) },
    ]);
    await eventually(() => expect(counted).toBe(2));
    expect(encoded).toEqual([]);
    reading = true;
    await eventually(() => expect(copies).toEqual([{ n: 1 }, { n: 1 }, { n: 2 }, { n: 2 }]));
    expect(encoded).toEqual([1, 2]);
    await Promise.all([counter.close(), reader.close()]);
    await bus.close();
  });
});

describe('InProcessBus with deep-frozen values and a quick-checked reader', () => {
  const Point = z.object({ x: z.number().int(), at: z.object({ y: z.number() }) });
  type Point = z.infer<typeof Point>;
  // Sure only of points with x ≥ 0; the rest goes to zod.
  const QuickPoint = withQuickCheck(Point, (json) => {
    const p = json as Point;
    return typeof p?.x === 'number' &&
      p.x >= 0 &&
      Number.isInteger(p.x) &&
      typeof p.at?.y === 'number' &&
      Object.keys(p).length === 2 &&
      Object.keys(p.at).length === 1
      ? p
      : undefined;
  });

  async function readAll(values: object[], failOn?: number) {
    const bus = new InProcessBus();
    await bus.ensureTopics([{ name: 't', partitions: 1 }]);
    const got: Message<Point>[] = [];
    const letters: Message[] = [];
    const dlq = await bus.subscribe({
      topics: 't.dlq',
      groupId: 'd',
      fromBeginning: true,
      handler: async (m) => void letters.push(m),
    });
    const sub = await bus.subscribe<Point>({
      topics: 't',
      groupId: 'g',
      fromBeginning: true,
      schema: QuickPoint,
      retry: { maxAttempts: 1 },
      handler: async (m) => {
        if (m.value.x === failOn) throw new Error('handler refused');
        got.push(m);
      },
    });
    await bus.publish(
      't',
      values.map((value, i) => ({ key: `k${i}`, value })),
    );
    return {
      bus,
      got,
      letters,
      close: async () => {
        await sub.close();
        await dlq.close();
        await bus.close();
      },
    };
  }

  it('hands the reader the very object published, and its JSON only when asked for', async () => {
    const point = deepFrozen({ x: 1, at: { y: 2 } });
    const { got, close } = await readAll([point]);
    await eventually(() => expect(got).toHaveLength(1));
    expect(got[0]!.value).toBe(point);
    expect(JSON.parse(got[0]!.raw.toString())).toEqual({ x: 1, at: { y: 2 } });
    await close();
  });

  it('gives every other value its own copy from JSON: shallow-frozen, unfrozen, or one the quick check leaves to zod', async () => {
    const shallow = Object.freeze({ x: 1, at: { y: 2 } });
    const open = { x: 2, at: { y: 3 } };
    const negative = deepFrozen({ x: -1, at: { y: 4 } });
    const { got, close } = await readAll([shallow, open, negative]);
    await eventually(() => expect(got).toHaveLength(3));
    expect(got.map((m) => m.value)).toEqual([shallow, open, negative]);
    for (const [i, v] of [shallow, open, negative].entries()) expect(got[i]!.value).not.toBe(v);
    // A reader may change its own copy without touching anyone else's.
    shallow.at.y = 99;
    expect(got[0]!.value.at.y).toBe(2);
    await close();
  });

  it('dead-letters the JSON of a frozen value the schema refuses, or the handler fails on, and goes on', async () => {
    const bad = deepFrozen({ x: 1.5, at: { y: 0 } });
    const refused = deepFrozen({ x: 7, at: { y: 0 } });
    const good = deepFrozen({ x: 3, at: { y: 0 } });
    const { got, letters, close } = await readAll([bad, refused, good], 7);
    await eventually(() => expect(letters).toHaveLength(2));
    await eventually(() => expect(got.map((m) => m.value)).toEqual([good]));
    expect(letters.map((m) => JSON.parse(m.value.toString()))).toEqual([
      { x: 1.5, at: { y: 0 } },
      { x: 7, at: { y: 0 } },
    ]);
    expect(letters.map((m) => m.headers['k2-dlq-reason'])).toEqual(['invalid', 'handler']);
    await close();
  });
});
