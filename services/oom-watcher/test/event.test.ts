import { describe, expect, it } from 'vitest';
import { K2Event } from '@k2/contracts';
import { killEvent, killMessage, type KillFacts } from '../src/event.js';
import { reportEventName } from '../src/report.js';

const facts: KillFacts = {
  pod: {
    namespace: 'billing',
    name: 'ledger-cddp9h684m-lzjzc',
    uid: 'c349779e-e99d-4a3f-aa48-961c7a1a4af7',
    node: 'node-1',
  },
  container: 'ledger',
  init: false,
  identity: '2026-01-01T00:02:00.000Z',
  limit: { kind: 'set', bytes: 2 ** 31, text: '2Gi' },
  restartCount: 1,
  finishedAt: '2026-01-01T00:02:00.000Z',
  at: '2026-01-01T00:02:00.000Z',
};
const deployment = { kind: 'Deployment', name: 'ledger' };

describe('kill events', () => {
  it('builds a valid K2Event', () => {
    const built = killEvent('prod', facts, deployment);
    expect(built.ok).toBe(true);
    if (!built.ok) return;
    expect(K2Event.parse(built.event)).toEqual(built.event);
    expect(built.event).toMatchObject({
      count: 1,
      occurrence: 1,
      firstSeen: facts.at,
      lastSeen: facts.at,
      workload: deployment,
    });
  });

  it('gives a container the same fingerprint whichever mode saw the kill, and a new id per kill', () => {
    const fromStatus = killEvent('prod', facts, deployment);
    const fromKernel = killEvent(
      'prod',
      {
        ...facts,
        identity: 'node-1:boot:20332',
        process: { name: 'java', pid: 4242 },
        restartCount: undefined,
        finishedAt: undefined,
      },
      deployment,
    );
    const otherPod = killEvent(
      'prod',
      { ...facts, pod: { ...facts.pod, name: 'ledger-cddp9h684m-2q86v', uid: 'u2' } },
      deployment,
    );
    if (!fromStatus.ok || !fromKernel.ok || !otherPod.ok) throw new Error('invalid');
    expect(fromKernel.event.fingerprint).toBe(fromStatus.event.fingerprint);
    expect(otherPod.event.fingerprint).toBe(fromStatus.event.fingerprint);
    expect(new Set([fromStatus.event.id, fromKernel.event.id, otherPod.event.id]).size).toBe(3);
  });

  it('names the process in the write-back message when the kernel did', () => {
    expect(killMessage(facts, true)).toBe('Container ledger was OOM-killed (limit 2Gi)');
    expect(killMessage({ ...facts, process: { name: 'java', pid: 4242 } }, true)).toBe(
      'Container ledger was OOM-killed (limit 2Gi); process java (pid 4242) killed',
    );
    expect(killMessage({ ...facts, limit: { kind: 'none' } }, false)).toBe(
      'Container ledger was OOM-killed (no memory limit)',
    );
    expect(killMessage({ ...facts, process: { name: '\uD800'.repeat(40_000), pid: 1 } }, true)).not.toMatch(
      /[\uD800-\uDFFF]/,
    );
  });

  it('reports what makes a kill an invalid event instead of throwing', () => {
    const built = killEvent('prod', { ...facts, container: '' }, deployment);
    expect(built).toMatchObject({ ok: false, error: expect.stringContaining('oom.container') });
  });

  it('names the write-back Event per pod and container, within the 253-character limit', () => {
    const name = reportEventName('ledger-cddp9h684m-lzjzc', facts.pod.uid, 'ledger');
    expect(name).toMatch(/^ledger-cddp9h684m-lzjzc\.k2oom\.[0-9a-f]{10}$/);
    expect(reportEventName('ledger-cddp9h684m-lzjzc', facts.pod.uid, 'ledger')).toBe(name);
    expect(reportEventName('ledger-cddp9h684m-lzjzc', facts.pod.uid, 'sidecar')).not.toBe(name);
    expect(reportEventName('p'.repeat(253), facts.pod.uid, 'ledger')).toHaveLength(253);
  });
});
