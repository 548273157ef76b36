import { describe, expect, it } from 'vitest';
import { OccurrenceLog } from '@k2/eventer';

describe('OccurrenceLog.pending', () => {
  it('publishes the current occurrence of a new event, and every one after the last published of a known one', () => {
    const log = new OccurrenceLog();
    expect(log.pending('a', 5)).toEqual([5]);
    log.record('a', 2);
    expect(log.pending('a', 5)).toEqual([3, 4, 5]);
    expect(log.pending('a', 2)).toEqual([]);
  });

  it('counts the occurrence of a batch still being published as published', () => {
    const log = new OccurrenceLog();
    expect(log.pending('a', 5, 3)).toEqual([4, 5]);
    expect(log.pending('a', 3, 3)).toEqual([]);
    log.record('a', 4);
    expect(log.pending('a', 6, 3)).toEqual([5, 6]);
  });
});
