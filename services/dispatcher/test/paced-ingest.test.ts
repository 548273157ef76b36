import { describe, expect, it } from 'vitest';
import type { Alert } from '@k2/contracts';
import { PacedIngest } from '../src/service/paced-ingest.js';
import { alert } from './support.js';

const alerts = (n: number, prefix: string): Alert[] =>
  Array.from({ length: n }, (_, i) => alert({ alertname: `${prefix}-${i}` }));

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('PacedIngest', () => {
  it('ingests an alert at once when nothing waits', async () => {
    const seen: string[] = [];
    const paced = new PacedIngest((as) => seen.push(...as.map((a) => a.labels.alertname!)));
    const done = paced.submit(alerts(1, 'one'));
    expect(seen).toEqual(['one-0']);
    await done;
  });

  it('takes a burst a slice per event-loop turn, in order, and settles each batch once all of it is in', async () => {
    const slices: string[][] = [];
    const paced = new PacedIngest((as) => slices.push(as.map((a) => a.labels.alertname!)));
    const settled: string[] = [];
    const a = paced.submit(alerts(100, 'a')).then(() => settled.push('a'));
    const b = paced.submit(alerts(100, 'b')).then(() => settled.push('b'));
    // The first slice went in at once; I/O of this turn comes before the next one.
    expect(slices).toHaveLength(1);
    await nextTurn();
    expect(slices.length).toBeGreaterThan(1);
    await Promise.all([a, b]);
    expect(settled).toEqual(['a', 'b']);
    expect(slices.every((s) => s.length <= 64)).toBe(true);
    expect(slices.flat()).toEqual([...alerts(100, 'a'), ...alerts(100, 'b')].map((x) => x.labels.alertname));
  });

  it('rejects the batches of a slice that failed, so the bus hands them over again; later ones still go in', async () => {
    let calls = 0;
    const seen: string[] = [];
    const paced = new PacedIngest((as) => {
      if (++calls === 2) throw new Error('disk full');
      seen.push(...as.map((x) => x.labels.alertname!));
    });
    // Slices of 64: x 0–63 | x 64–99 + y 0–27 (fails) | z.
    const x = paced.submit(alerts(100, 'x'));
    const y = paced.submit(alerts(100, 'y'));
    const z = paced.submit(alerts(10, 'z'));
    await expect(x).rejects.toThrow('disk full');
    await expect(y).rejects.toThrow('disk full');
    await expect(z).resolves.toBeUndefined();
    expect(seen.filter((n) => n.startsWith('z'))).toHaveLength(10);
    expect(seen.filter((n) => n.startsWith('y'))).toHaveLength(0);
  });
});
