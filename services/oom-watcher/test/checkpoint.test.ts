import { randomUUID } from 'node:crypto';
import { appendFileSync, readFileSync } from 'node:fs';
import { describe, expect, it, onTestFinished } from 'vitest';
import { CompactedTable, InProcessBus, KafkaBus, type Bus } from '@k2/bus';
import { startServer } from '../../../test/support/servers.js';
import { BusOomCheckpoint, FileOomCheckpoint, type OomCheckpoint } from '../src/checkpoint.js';
import { quietLog, tempCheckpoint } from './harness.js';

/** A place to keep a checkpoint, and checkpoints opened on it, as a restarted watcher would. */
type Store = () => Promise<(limit?: number) => OomCheckpoint>;

const file: Store = async () => {
  const path = tempCheckpoint();
  return (limit) => new FileOomCheckpoint(path, limit);
};

const onBus =
  (makeBus: () => Promise<Bus>): Store =>
  async () => {
    const bus = await makeBus();
    onTestFinished(() => bus.close());
    const table = new CompactedTable(bus, 'k2.checkpoints');
    await table.ensure();
    const prefix = `oom-watcher/${randomUUID().slice(0, 8)}`;
    return (limit) => new BusOomCheckpoint(table, prefix, limit);
  };

function checkpointBehaviour(name: string, store: Store): void {
  describe(`OOM checkpoint: ${name}`, () => {
    it('is undefined before the first append, then keeps kills and the latest position', async () => {
      const open = await store();
      expect(await open().load()).toBeUndefined();
      const cp = open();
      await cp.append(['a', 'b'], { bootId: 'boot-1', seq: 10 });
      await cp.append(['c'], { bootId: 'boot-1', seq: 12 });
      expect(await open().load()).toEqual({ kills: ['a', 'b', 'c'], position: { bootId: 'boot-1', seq: 12 } });
    });

    it('starts afresh for a cluster on reset', async () => {
      const open = await store();
      const cp = open();
      await cp.reset('cluster-a');
      await cp.append(['a'], { bootId: 'boot-1', seq: 3 });
      expect(await open().load()).toEqual({
        clusterId: 'cluster-a',
        kills: ['a'],
        position: { bootId: 'boot-1', seq: 3 },
      });
      const again = open();
      await again.load();
      await again.reset('cluster-b');
      expect(await open().load()).toEqual({ clusterId: 'cluster-b', kills: [] });
    });

    it('keeps the newest ids up to its limit', async () => {
      const open = await store();
      const cp = open(3);
      for (let i = 0; i < 20; i++) await cp.append([`k${i}`]);
      expect((await open(3).load())?.kills).toEqual(['k17', 'k18', 'k19']);
      expect((await open(3).load())?.kills).toEqual(['k17', 'k18', 'k19']);
    });
  });
}

checkpointBehaviour('file', file);
checkpointBehaviour(
  'in-process bus',
  onBus(async () => new InProcessBus()),
);
checkpointBehaviour(
  'Kafka',
  onBus(async () => {
    const { brokers } = (await startServer('kafka')) as { brokers: string };
    return new KafkaBus({ brokers, log: quietLog });
  }),
);

describe('FileOomCheckpoint', () => {
  it('ignores a line torn by a crash', async () => {
    const path = tempCheckpoint();
    await new FileOomCheckpoint(path).append(['a'], { bootId: 'boot-1', seq: 10 });
    appendFileSync(path, '{"k":"torn');
    expect(await new FileOomCheckpoint(path).load()).toEqual({ kills: ['a'], position: { bootId: 'boot-1', seq: 10 } });
  });

  it('compacts the file when it grows', async () => {
    const path = tempCheckpoint();
    const cp = new FileOomCheckpoint(path, 3);
    for (let i = 0; i < 2_000; i++) await cp.append([`k${i}`]);
    expect(readFileSync(path, 'utf8').split('\n').length).toBeLessThan(1_100);
    expect((await new FileOomCheckpoint(path, 3).load())?.kills).toEqual(['k1997', 'k1998', 'k1999']);
    expect(readFileSync(path, 'utf8')).toBe('{"k":"k1997"}\n{"k":"k1998"}\n{"k":"k1999"}\n');
  });
});
