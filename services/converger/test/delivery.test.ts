import type { Incident } from '@k2/contracts';
import { describe, expect, it } from 'vitest';
import { Converger } from '../src/index.js';
import { at, backOff, oom } from './events.js';
import { feed, latest, transitions } from './run.js';

/*
 * What arrives twice, late, or after a restart: idempotence, the late path, restore from
 * k2.incidents, and how much state all this costs.
 */

const iso = (seconds: number) => new Date(at(seconds)).toISOString();
const loop = (pods: number, restarts: number, pod = (p: number) => `cart-7d9f8c6b5-p${p}`) =>
  Array.from({ length: pods }, (_, p) =>
    Array.from({ length: restarts }, (_, i) => backOff(i * 20, i + 1, pod(p))),
  ).flat();

describe('idempotence', () => {
  it('the same event delivered twice, before or after it was processed, changes nothing', () => {
    const events = [oom({ t: 0 }), backOff(0, 1), oom({ t: 40 }), backOff(40, 2)];
    const once = feed(new Converger(), events);
    const twice = new Converger();
    const out: Incident[] = [];
    for (const e of events)
      out.push(...twice.apply(e), ...twice.apply(e), ...twice.tick(Date.parse(e.lastSeen) - 1), ...twice.apply(e));
    out.push(...twice.tick(at(7_200)));
    expect(out).toEqual(once);
    expect(twice.counters.duplicate).toBe(8);
  });
});

describe('late events', () => {
  it('are folded in at once and judged at the watermark', () => {
    const c = new Converger();
    c.tick(at(100));
    expect(c.apply(oom({ t: 50 })).map((r) => [r.transition, r.transitionAt, r.firstSeen])).toEqual([
      ['opened', iso(100), iso(50)],
    ]);
    expect(c.counters.late).toBe(1);
    // Quiet is measured from the kill itself: it resolves 10 minutes after t = 50.
    expect(c.tick(at(3_600)).map((r) => [r.transition, r.transitionAt])).toEqual([['resolved', iso(650)]]);
  });

  it('about a problem that would be over by now are dropped', () => {
    const c = new Converger();
    c.tick(at(3_600));
    expect(c.apply(oom({ t: 0 }))).toEqual([]);
    expect(c.counters.stale).toBe(1);
  });

  it('from an episode already resolved count, but reopen nothing', () => {
    const c = new Converger();
    feed(c, [oom({ t: 0 }), oom({ t: 60 })], 700);
    expect(c.apply(oom({ t: 30 }))).toEqual([]);
    expect(c.snapshot()).toMatchObject([{ status: 'resolved', count: 3 }]);
  });
});

describe('restore from k2.incidents', () => {
  const stream = [...loop(3, 12), oom({ t: 400, pod: 'cart-7d9f8c6b5-p0' })];

  it('continues an open incident without reopening it, counting the replayed tail once', () => {
    const whole = feed(new Converger(), stream);

    const before = new Converger();
    const first = feed(
      before,
      stream.filter((e) => Date.parse(e.lastSeen) <= at(120)),
      0,
    );
    const records = [...latest(first).values()];
    expect(records).toMatchObject([{ class: 'crash_loop', status: 'open' }]);

    const after = new Converger();
    after.restore(records);
    // The uncommitted tail starts before the last record: some events come again.
    const rest = feed(
      after,
      stream.filter((e) => Date.parse(e.lastSeen) >= at(100)),
    );
    expect(transitions(rest)).not.toContain('crash_loop:opened');
    expect(rest.every((r) => r.seq > records[0]!.seq)).toBe(true);
    const end = (out: Incident[]) => [...latest(out).values()].map((r) => [r.class, r.status, r.count, r.affected]);
    expect(end([...first, ...rest])).toEqual(end(whole));
    expect(after.counters.duplicate).toBeGreaterThan(0);
  });

  it('reopens a restored resolved incident on a recurrence within the window', () => {
    const c = new Converger();
    const first = feed(c, [oom({ t: 0 })], 700);
    const restored = new Converger();
    restored.restore(c.snapshot());
    expect(restored.snapshot()).toEqual(c.snapshot());
    const out = feed(restored, [oom({ t: 1_000 })]);
    expect(out[0]).toMatchObject({ id: first[0]!.id, transition: 'reopened', reopens: 1 });
  });
});

describe('state size', () => {
  it('stays under 1 KB per active fingerprint', () => {
    const c = new Converger();
    // 1,000 workloads, each with one crash-looping pod: 1,000 active fingerprints.
    const events = Array.from({ length: 1_000 }, (_, w) =>
      Array.from({ length: 5 }, (_, i) => {
        const e = backOff(i * 20, i + 1, `api-${w}-7d9f8c6b5-x2k4q`);
        return {
          ...e,
          workload: { kind: 'Deployment', name: `api-${w}` },
          id: `${e.id.slice(0, 24)}${w.toString(16).padStart(8, '0')}`,
        };
      }),
    ).flat();
    for (const e of events) c.apply(e);
    c.tick(at(100));
    const perFingerprint = c.stateSize() / 1_000;
    console.log(`converger state: ${Math.round(perFingerprint)} bytes per active fingerprint (one pod each)`);
    expect(perFingerprint).toBeLessThanOrEqual(1_024);
  });

  it('is bounded for a workload with 200 crash-looping pods, and freed once incidents are forgotten', () => {
    const c = new Converger();
    feed(c, loop(200, 5), 0);
    console.log(`converger state: ${c.stateSize()} bytes for one incident of 200 pods`);
    expect(c.stateSize()).toBeLessThanOrEqual(8_192);
    c.tick(at(7_200));
    expect(c.stateSize()).toBe(0);
  });
});
