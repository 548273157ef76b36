import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { InProcessBus, type Message } from '../src/index.js';
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
    sub.resume();
    await eventually(() => expect(seen).toEqual(['new0', 'new1']));

    const late: Message[] = [];
    await bus.subscribe({ topics: 't', groupId: 'late', fromBeginning: true, handler: async (m) => void late.push(m) });
    await eventually(() =>
      expect(late.map((m) => [m.key, m.offset])).toEqual([
        ['new0', 2],
        ['new1', 3],
      ]),
    );
    await bus.close();
  });
});
