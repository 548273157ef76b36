import type { Incident, K2Event } from '@k2/contracts';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sharedAvailable, SHARED_SCENARIO_NAMES } from '../../../test/support/shared.js';
import { Converger } from '../src/index.js';
import { k8s, oom } from './events.js';
import { feed, latest } from './run.js';
import { allEvents, scenarioEvents } from './scenario.js';

/*
 * Idempotence and order: whatever order the same K2Events arrive in, duplicates included, the
 * converger ends with the same incidents. Events span every shared scenario (several workloads,
 * interleaved) plus a flapping workload and an image pull that recovers, so that reopen, flapping
 * and recovery are at stake too.
 */

const flappy = { kind: 'Deployment', name: 'flappy' };
const synthetic: K2Event[] = [
  ...[0, 900, 1_800, 2_700].map((t) => oom({ t, pod: 'flappy-5d8b9c7f6-q2w4e', workload: flappy, namespace: 'shop' })),
  k8s({
    reason: 'Failed',
    message: 'Failed to pull image "registry.local/x:1"',
    t: 0,
    name: 'puller-5d8b9c7f6-a1b2c',
    workload: { kind: 'Deployment', name: 'puller' },
  }),
  k8s({
    reason: 'Failed',
    message: 'Failed to pull image "registry.local/x:1"',
    t: 45,
    count: 2,
    name: 'puller-5d8b9c7f6-a1b2c',
    workload: { kind: 'Deployment', name: 'puller' },
  }),
  k8s({
    reason: 'Pulled',
    message: 'Successfully pulled image',
    type: 'Normal',
    t: 90,
    name: 'puller-5d8b9c7f6-a1b2c',
    workload: { kind: 'Deployment', name: 'puller' },
  }),
];

const events: K2Event[] = [
  ...(sharedAvailable() ? SHARED_SCENARIO_NAMES.flatMap((n) => allEvents(scenarioEvents(n))) : []),
  ...synthetic,
];
const time = (e: K2Event) => Date.parse(e.lastSeen);
const end = Math.max(...events.map(time)) + 7_200_000;

/** The final incident set: what a consumer of the compacted k2.incidents topic ends with. */
function finalSet(records: readonly Incident[]) {
  return [...latest(records).values()]
    .map((r) => ({ id: r.id, status: r.status, class: r.class, flapping: r.flapping }))
    .sort((a, b) => (a.id < b.id ? -1 : 1));
}

const inOrder = feed(new Converger(), events);

/** A delivery, as indices into `events` (short counterexamples): every event once, some twice, in any order. */
const deliveries = fc.array(fc.nat({ max: events.length - 1 }), { maxLength: 60 }).chain((dups) => {
  const all = [...events.keys(), ...dups];
  return fc.shuffledSubarray(all, { minLength: all.length, maxLength: all.length });
});

describe('delivery order and duplicates', () => {
  it('the reference run meets the hold, reopen and flapping rules it is meant to exercise', () => {
    const set = finalSet(inOrder);
    expect(set.filter((r) => r.flapping)).toHaveLength(1);
    expect(inOrder.map((r) => `${r.workload.name}:${r.class}:${r.transition}`)).toContain('puller:image_pull:resolved');
    expect(set.every((r) => r.status === 'resolved')).toBe(true);
  });

  it('shuffled and duplicated, then ticked to the end: the same incidents, transition for transition', () => {
    fc.assert(
      fc.property(deliveries, (delivery) => {
        const c = new Converger();
        const out = delivery.flatMap((i) => c.apply(events[i]!));
        out.push(...c.tick(end));
        expect(finalSet(out)).toEqual(finalSet(inOrder));
        expect(out).toEqual(inOrder);
      }),
      { numRuns: 25 },
    );
  });

  it('shuffled within watermark windows, with a tick after each window: the same transitions', () => {
    fc.assert(
      fc.property(deliveries, fc.integer({ min: 1, max: 600 }), (delivery, windowSeconds) => {
        const windowMs = windowSeconds * 1000;
        const windows = new Map<number, K2Event[]>();
        for (const e of delivery.map((i) => events[i]!)) {
          const w = Math.floor(time(e) / windowMs);
          windows.set(w, [...(windows.get(w) ?? []), e]);
        }
        const c = new Converger();
        const out: Incident[] = [];
        for (const w of [...windows.keys()].sort((a, b) => a - b)) {
          for (const e of windows.get(w)!) out.push(...c.apply(e));
          out.push(...c.tick((w + 1) * windowMs - 1));
        }
        out.push(...c.tick(end));
        expect(c.counters.late).toBe(0);
        expect(out).toEqual(inOrder);
      }),
      { numRuns: 25 },
    );
  });
});
