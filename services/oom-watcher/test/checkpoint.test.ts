import { appendFileSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FileOomCheckpoint } from '../src/checkpoint.js';
import { tempCheckpoint } from './harness.js';

describe('FileOomCheckpoint', () => {
  it('is undefined before the first append, then keeps kills and the latest position', async () => {
    const path = tempCheckpoint();
    expect(await new FileOomCheckpoint(path).load()).toBeUndefined();
    const cp = new FileOomCheckpoint(path);
    await cp.append(['a', 'b'], { bootId: 'boot-1', seq: 10 });
    await cp.append(['c'], { bootId: 'boot-1', seq: 12 });
    appendFileSync(path, '{"k":"torn'); // a crash mid-write
    expect(await new FileOomCheckpoint(path).load()).toEqual({
      kills: ['a', 'b', 'c'],
      position: { bootId: 'boot-1', seq: 12 },
    });
  });

  it('starts afresh for a cluster on reset', async () => {
    const path = tempCheckpoint();
    const cp = new FileOomCheckpoint(path);
    await cp.reset('cluster-a');
    await cp.append(['a'], { bootId: 'boot-1', seq: 3 });
    expect(await new FileOomCheckpoint(path).load()).toEqual({
      clusterId: 'cluster-a',
      kills: ['a'],
      position: { bootId: 'boot-1', seq: 3 },
    });
    const again = new FileOomCheckpoint(path);
    await again.load();
    await again.reset('cluster-b');
    expect(await new FileOomCheckpoint(path).load()).toEqual({ clusterId: 'cluster-b', kills: [] });
  });

  it('keeps only the newest ids, and compacts the file when it grows', async () => {
    const path = tempCheckpoint();
    const cp = new FileOomCheckpoint(path, 3);
    for (let i = 0; i < 2_000; i++) await cp.append([`k${i}`]);
    expect(readFileSync(path, 'utf8').split('\n').length).toBeLessThan(1_100);
    expect((await new FileOomCheckpoint(path, 3).load())?.kills).toEqual(['k1997', 'k1998', 'k1999']);
    expect(readFileSync(path, 'utf8')).toBe('{"k":"k1997"}\n{"k":"k1998"}\n{"k":"k1999"}\n');
  });
});
