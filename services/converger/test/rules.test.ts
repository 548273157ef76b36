import { Incident, incidentId } from '@k2/contracts';
import { describe, expect, it } from 'vitest';
import { Converger, PolicySchema } from '../src/index.js';
import { at, backOff, CLUSTER, k8s, oom } from './events.js';
import { feed, transitions } from './run.js';

const iso = (seconds: number) => new Date(at(seconds)).toISOString();
const cartId = (cls: string) => incidentId(CLUSTER, 'shop', { kind: 'Deployment', name: 'cart' }, cls);
const readiness = (t: number, count: number) =>
  k8s({ reason: 'Unhealthy', message: 'Readiness probe failed: connection refused', t, count });
const liveness = (t: number, count: number) =>
  k8s({ reason: 'Unhealthy', message: 'Liveness probe failed: HTTP probe failed with statuscode: 500', t, count });
const pullFailed = (t: number, count: number, pod?: string) =>
  k8s({
    reason: 'Failed',
    message: 'Failed to pull image "registry.local/shop/cart:9.9": not found',
    t,
    count,
    name: pod,
  });
const normal = (reason: string, t: number, pod?: string, count = 1) =>
  k8s({ reason, message: `${reason} container cart`, type: 'Normal', t, name: pod, count });

describe('opening', () => {
  it('an OOM kill opens at once, critical, and resolves after 10 quiet minutes', () => {
    const out = feed(new Converger(), [oom({ t: 0 })]);
    expect(transitions(out)).toEqual(['oom_kill:opened', 'oom_kill:resolved']);
    const [opened, resolved] = out as [Incident, Incident];
    expect(opened).toMatchObject({
      id: cartId('oom_kill'),
      workload: { kind: 'Deployment', name: 'cart' },
      severity: 'critical',
      status: 'open',
      transitionAt: iso(0),
      affected: [{ kind: 'Pod', name: 'cart-7d9f8c6b5-abcde', container: 'cart', node: 'node-1', count: 1 }],
      summary: 'shop/cart: OOM kill — 1 pod, 1 kill since 00:00',
    });
    expect(resolved).toMatchObject({ status: 'resolved', transitionAt: iso(600) });
    for (const r of out) expect(Incident.safeParse(r).success).toBe(true);
  });

  it('a crash loop opens at its third restart, and two restarts that stop open nothing', () => {
    const two = new Converger();
    expect(feed(two, [backOff(0, 1), backOff(10, 2)])).toEqual([]);
    expect(two.counters.held).toBe(2);
    const out = feed(new Converger(), [backOff(0, 1), backOff(10, 2), backOff(30, 3)]);
    expect(out[0]).toMatchObject({
      class: 'crash_loop',
      transition: 'opened',
      severity: 'warning',
      transitionAt: iso(30),
    });
  });

  it('a crash loop also opens once it has lasted 2 minutes, below the restart count', () => {
    const policy = PolicySchema.parse({ classes: { crash_loop: { openAfterCount: 10 } } });
    const out = feed(new Converger(policy), [backOff(0, 1), backOff(60, 2), backOff(120, 3)]);
    expect(out[0]).toMatchObject({ class: 'crash_loop', transition: 'opened', transitionAt: iso(120) });
  });

  it('a readiness blip shorter than the hold opens nothing', () => {
    const c = new Converger();
    expect(feed(c, [readiness(7, 1), readiness(12, 2), readiness(17, 3)])).toEqual([]);
    expect(c.counters.held).toBe(3);
  });

  it('readiness failing for longer than the hold opens a probe failure', () => {
    const events = Array.from({ length: 19 }, (_, i) => readiness(i * 10, i + 1));
    expect(feed(new Converger(), events)[0]).toMatchObject({
      class: 'probe_failure',
      transition: 'opened',
      transitionAt: iso(120),
    });
  });

  it('an image pull failure that recovers within the hold opens nothing', () => {
    expect(feed(new Converger(), [pullFailed(0, 1), normal('Pulled', 30)])).toEqual([]);
  });

  it('an image pull failure unrecovered for the hold opens then, and its recovery resolves it', () => {
    const out = feed(new Converger(), [pullFailed(0, 1), pullFailed(40, 2), normal('Started', 200)]);
    expect(out.map((r) => [r.class, r.transition, r.transitionAt])).toEqual([
      ['image_pull', 'opened', iso(60)],
      ['image_pull', 'resolved', iso(200)],
    ]);
  });

  it('resolves on recovery only when every affected object has recovered', () => {
    const events = [
      pullFailed(0, 1, 'cart-a'),
      pullFailed(0, 1, 'cart-b'),
      normal('Pulled', 100, 'cart-a'),
      normal('Pulled', 150, 'cart-b'),
    ];
    const out = feed(new Converger(), events);
    expect(out.map((r) => [r.transition, r.transitionAt])).toEqual([
      ['opened', iso(60)],
      ['resolved', iso(150)],
    ]);
  });

  it('an unschedulable pod opens after 2 minutes and resolves when scheduled; one scheduled in time opens nothing', () => {
    const failed = (t: number, count: number) =>
      k8s({
        reason: 'FailedScheduling',
        message: '0/6 nodes are available: 6 Insufficient memory.',
        t,
        count,
        component: 'default-scheduler',
      });
    expect(feed(new Converger(), [failed(0, 1), normal('Scheduled', 30)])).toEqual([]);
    const out = feed(new Converger(), [failed(0, 1), failed(60, 2), normal('Scheduled', 300)]);
    expect(out.map((r) => [r.class, r.transition, r.transitionAt])).toEqual([
      ['scheduling', 'opened', iso(120)],
      ['scheduling', 'resolved', iso(300)],
    ]);
  });

  it('a NotReady node (reported as Normal) is a critical node problem of the node itself until NodeReady', () => {
    const node = (reason: string, t: number) =>
      k8s({
        reason,
        type: 'Normal',
        kind: 'Node',
        name: 'node-1',
        namespace: 'default',
        t,
        message: `Node node-1 status is now: ${reason}`,
      });
    const out = feed(new Converger(), [node('NodeNotReady', 0), node('NodeReady', 300)]);
    expect(out.map((r) => [r.class, r.transition, r.transitionAt])).toEqual([
      ['node_problem', 'opened', iso(60)],
      ['node_problem', 'resolved', iso(300)],
    ]);
    expect(out[0]).toMatchObject({
      severity: 'critical',
      namespace: 'default',
      workload: { kind: 'Node', name: 'node-1' },
      summary: 'node/node-1: node problem — 1 node, 1 event since 00:00',
    });
  });

  it('an unknown Warning opens an incident of its own class; Normal events open nothing', () => {
    const out = feed(new Converger(), [
      k8s({ reason: 'FailedKillPod', message: 'error killing pod', t: 0 }),
      k8s({ reason: 'LeaderElection', type: 'Normal', t: 0 }),
    ]);
    expect(transitions(out)).toEqual(['other:FailedKillPod:opened', 'other:FailedKillPod:resolved']);
    expect(out[0]).toMatchObject({
      severity: 'info',
      summary: 'shop/cart: FailedKillPod — 1 pod, 1 event since 00:00',
    });
  });
});

describe('while open', () => {
  /** `pods` crash-looping pods, each backing off every 10 s for `seconds`, the next one `stagger` s later. */
  const storm = (pods: number, seconds: number, stagger = 0) =>
    Array.from({ length: pods }, (_, p) =>
      Array.from({ length: seconds / 10 }, (_, i) => backOff(p * stagger + i * 10, i + 1, `cart-7d9f8c6b5-p${p}`)),
    ).flat();

  it('publishes growth as `updated` at most once a minute, and nothing when nothing changes', () => {
    const out = feed(new Converger(), storm(1, 300));
    expect(transitions(out)).toEqual([
      'crash_loop:opened',
      ...Array<string>(5).fill('crash_loop:updated'),
      'crash_loop:resolved',
    ]);
    const times = out.map((r) => Date.parse(r.transitionAt));
    for (let i = 2; i < times.length - 1; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(60_000);
    expect(out.at(-1)).toMatchObject({
      count: 30,
      transitionAt: iso(290 + 600),
      summary: 'shop/cart: crash loop — 1 pod, 30 restarts since 00:00',
    });
  });

  it('escalates once, when the fifth pod joins a crash loop', () => {
    const out = feed(new Converger(), storm(6, 60, 15));
    expect(out.filter((r) => r.transition === 'escalated')).toHaveLength(1);
    expect(out[0]).toMatchObject({ transition: 'opened', severity: 'warning' });
    expect(out.find((r) => r.transition === 'escalated')).toMatchObject({
      severity: 'critical',
      transitionAt: iso(60),
    });
    expect(out.at(-1)).toMatchObject({ severity: 'critical', summary: expect.stringMatching(/— 6 pods, 36 restarts/) });
  });

  it('opens at the higher severity when the threshold is met at once', () => {
    const out = feed(new Converger(), storm(6, 60));
    expect(out[0]).toMatchObject({ transition: 'opened', severity: 'critical' });
    expect(out.filter((r) => r.transition === 'escalated')).toHaveLength(0);
  });

  it('names at most 50 objects, most affected first, and counts the rest', () => {
    const out = feed(new Converger(), storm(200, 30));
    const last = out.at(-1)!;
    expect(last.affected).toHaveLength(50);
    expect(last.affected[0]!.count).toBeGreaterThanOrEqual(last.affected[49]!.count);
    expect(last.affected.length + last.otherAffected).toBeGreaterThanOrEqual(180);
    expect(last.affected.length + last.otherAffected).toBeLessThanOrEqual(220);
    expect(Incident.safeParse(last).success).toBe(true);
  });
});

describe('reopen and flapping', () => {
  it('a recurrence within 30 minutes reopens the same id; the third reopen marks it flapping', () => {
    const out = feed(new Converger(), [oom({ t: 0 }), oom({ t: 900 }), oom({ t: 1800 }), oom({ t: 2700 })]);
    expect(out.map((r) => [r.transition, r.reopens, r.flapping])).toEqual([
      ['opened', 0, false],
      ['resolved', 0, false],
      ['reopened', 1, false],
      ['resolved', 1, false],
      ['reopened', 2, false],
      ['resolved', 2, false],
      ['reopened', 3, true],
      // The first reopen has left the window by now; flapping stays.
      ['resolved', 2, true],
    ]);
    expect(new Set(out.map((r) => r.id))).toEqual(new Set([cartId('oom_kill')]));
    const seqs = out.map((r) => r.seq);
    expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
  });

  it('a recurrence after the window opens the same id afresh, not flapping', () => {
    const out = feed(new Converger(), [
      oom({ t: 0 }),
      oom({ t: 900 }),
      oom({ t: 1800 }),
      oom({ t: 2700 }),
      oom({ t: 6000 }),
    ]);
    expect(out.at(-2)).toMatchObject({ id: cartId('oom_kill'), transition: 'opened', flapping: false, reopens: 0 });
    expect(out.at(-2)!.seq).toBeGreaterThan(out.at(-3)!.seq);
  });
});

describe('the cause wins', () => {
  it('OOM kills and the crash loop they cause are one OOM incident', () => {
    const out = feed(new Converger(), [
      oom({ t: 0 }),
      backOff(0, 1),
      oom({ t: 40 }),
      backOff(40, 2),
      oom({ t: 100 }),
      backOff(100, 3),
    ]);
    expect(new Set(out.map((r) => r.class))).toEqual(new Set(['oom_kill']));
    expect(out.at(-1)).toMatchObject({
      effects: ['crash_loop'],
      cause: 'oom_kill',
      count: 6,
      summary: 'shop/cart: OOM kill — 1 pod, 3 kills since 00:00 (causing crash loop)',
    });
  });

  it('a crash loop published before its OOM cause is superseded when the OOM incident opens', () => {
    const out = feed(new Converger(), [backOff(0, 1), backOff(10, 2), backOff(30, 3), oom({ t: 40 }), backOff(60, 4)]);
    expect(out.map((r) => [r.class, r.transition, r.transitionAt])).toEqual([
      ['crash_loop', 'opened', iso(30)],
      ['oom_kill', 'opened', iso(40)],
      ['crash_loop', 'resolved', iso(40)],
      ['oom_kill', 'updated', iso(100)],
      ['oom_kill', 'resolved', iso(660)],
    ]);
    expect(out[2]).toMatchObject({ supersededBy: cartId('oom_kill'), cause: 'oom_kill' });
    expect(out[1]).toMatchObject({ effects: ['crash_loop'], count: 4 });
  });

  it('liveness-probe kills and the restarts they cause are one probe-failure incident', () => {
    const events = [
      ...Array.from({ length: 14 }, (_, i) => liveness(i * 10, i + 1)),
      ...[0, 30, 50, 80, 100, 130].map((t, i) =>
        k8s({
          reason: 'Killing',
          type: 'Normal',
          message: 'Container cart failed liveness probe, will be restarted',
          t: t + 5,
          count: i + 1,
        }),
      ),
      ...[10, 40, 60, 90, 110].map((t, i) => backOff(t, i + 1)),
    ];
    const out = feed(new Converger(), events);
    expect(new Set(out.map((r) => r.class))).toEqual(new Set(['probe_failure']));
    expect(out[0]).toMatchObject({ transition: 'opened', transitionAt: iso(120), effects: ['crash_loop'] });
  });

  it('readiness failures do not claim a crash loop', () => {
    const out = feed(new Converger(), [
      readiness(0, 1),
      readiness(5, 2),
      backOff(10, 1),
      backOff(20, 2),
      backOff(30, 3),
    ]);
    expect(out[0]).toMatchObject({ class: 'crash_loop', transition: 'opened', effects: [] });
  });

  it('image pull failures and the pull back-off are one image-pull incident', () => {
    const backOffPulling = (t: number, count: number) =>
      k8s({ reason: 'BackOff', message: 'Back-off pulling image "registry.local/shop/cart:9.9"', t, count });
    const out = feed(new Converger(), [
      pullFailed(0, 1),
      backOffPulling(2, 1),
      pullFailed(30, 2),
      backOffPulling(32, 2),
    ]);
    expect(new Set(out.map((r) => r.class))).toEqual(new Set(['image_pull']));
  });

  it("a Job's OOM-killed pod and its BackoffLimitExceeded are one OOM incident of the CronJob", () => {
    const backup = { kind: 'CronJob', name: 'backup' };
    const out = feed(new Converger(), [
      oom({ t: 0, pod: 'backup-28954320-x7k2p', container: 'backup', workload: backup }),
      k8s({
        reason: 'BackoffLimitExceeded',
        kind: 'Job',
        name: 'backup-28954320',
        workload: backup,
        t: 30,
        message: 'Job has reached the specified backoff limit',
      }),
    ]);
    expect(new Set(out.map((r) => r.class))).toEqual(new Set(['oom_kill']));
    expect(out.at(-1)).toMatchObject({ workload: backup, effects: ['job_failure'] });
    expect(out.at(-1)!.affected.map((a) => [a.kind, a.count])).toEqual([
      ['Pod', 1],
      ['Job', 0],
    ]);
  });

  it('a failed Job without a cause is a job failure at once', () => {
    const out = feed(new Converger(), [
      k8s({ reason: 'BackoffLimitExceeded', kind: 'Job', name: 'backup-28954320', t: 0 }),
    ]);
    expect(out[0]).toMatchObject({ class: 'job_failure', transition: 'opened', transitionAt: iso(0) });
  });
});
