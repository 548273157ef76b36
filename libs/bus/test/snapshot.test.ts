import { describe, expect, it } from 'vitest';
import { take, type FetchedRecord, type Part } from '../src/kafka/snapshot.js';

/** How `KafkaBus.snapshot` reads fetch responses; the Kafka tests run it against a real broker. */
describe('KafkaBus snapshot: reading fetch responses', () => {
  const part = (next: number, end: number): Part => ({ partition: 0, next, end, alone: true, records: [] });

  /** A record batch as kafkajs decodes it: records that remain, and the batch's own offsets. */
  function batch(
    firstOffset: number,
    lastOffsetDelta: number,
    offsets: number[],
    extra: { producerId?: string; inTransaction?: boolean; control?: boolean; key?: Buffer } = {},
  ): FetchedRecord[] {
    return offsets.map((offset) => ({
      key: extra.key ?? Buffer.from(`k${offset}`),
      value: Buffer.from(`v${offset}`),
      timestamp: '1700000000000',
      attributes: 0,
      offset: String(offset),
      headers: {},
      isControlRecord: extra.control ?? false,
      batchContext: {
        firstOffset: String(firstOffset),
        lastOffsetDelta,
        producerId: extra.producerId ?? '1',
        inTransaction: extra.inTransaction ?? false,
      },
    }));
  }

  it('skips the part of a batch before the fetch offset and stops at the end offset', () => {
    const p = part(5, 12);
    take(
      't',
      p,
      { partition: 0, messages: [...batch(0, 9, [0, 2, 5, 6, 9]), ...batch(10, 4, [10, 11, 12, 13, 14])] },
      true,
    );
    expect(p.records.map((m) => m.offset)).toEqual([5, 6, 9, 10, 11]);
    expect(p.next).toBe(15);
    expect(p.records[0]).toMatchObject({ topic: 't', partition: 0, key: 'k5', timestamp: 1700000000000 });
    expect(p.records[0]?.value.toString()).toBe('v5');
  });

  it('goes past a batch whose remaining records all lie before the fetch offset', () => {
    const p = part(7, 100);
    take('t', p, { partition: 0, messages: batch(0, 19, [1, 3]) }, true);
    expect(p.records).toEqual([]);
    expect(p.next).toBe(20);
  });

  it('steps over an emptied batch one offset at a time, but refetches alone what came back empty among others', () => {
    const p = part(30, 100);
    p.alone = false;
    take('t', p, { partition: 0, messages: [] }, false);
    expect([p.next, p.alone]).toEqual([30, true]);
    take('t', p, { partition: 0, messages: [] }, true);
    expect(p.next).toBe(31);
    take('t', p, { partition: 0, messages: batch(40, 0, [40]) }, true);
    expect([p.next, p.alone, p.records.map((m) => m.offset)]).toEqual([41, false, [40]]);
  });

  it('drops control records and the records of aborted transactions', () => {
    const p = part(0, 100);
    const abortMarker = Buffer.from([0, 0, 0, 0]);
    take(
      't',
      p,
      {
        partition: 0,
        abortedTransactions: [{ producerId: '9', firstOffset: '1' }],
        messages: [
          ...batch(0, 0, [0]),
          ...batch(1, 1, [1, 2], { producerId: '9', inTransaction: true }),
          ...batch(3, 0, [3], { producerId: '8', inTransaction: true }),
          ...batch(4, 0, [4], { producerId: '9', control: true, key: abortMarker }),
          ...batch(5, 0, [5], { producerId: '8', control: true, key: Buffer.from([0, 0, 0, 1]) }),
          ...batch(6, 0, [6], { producerId: '9', inTransaction: true }),
        ],
      },
      true,
    );
    expect(p.records.map((m) => m.offset)).toEqual([0, 3, 6]);
    expect(p.next).toBe(7);
  });
});
