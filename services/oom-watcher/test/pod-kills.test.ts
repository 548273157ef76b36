import { describe, expect, it } from 'vitest';
import { killsInPod } from '../src/pod-kills.js';

const meta = { namespace: 'billing', name: 'ledger-abc12', uid: 'u-1' };

function pod(
  status: unknown,
  spec: unknown = { nodeName: 'node-1', containers: [{ name: 'ledger', resources: { limits: { memory: '2Gi' } } }] },
) {
  return { metadata: meta, spec, status };
}

const oom = (finishedAt: unknown) => ({ terminated: { reason: 'OOMKilled', exitCode: 137, finishedAt } });

describe('killsInPod', () => {
  it('finds the last termination of a restarted container', () => {
    const scan = killsInPod(
      pod({
        containerStatuses: [
          { name: 'ledger', restartCount: 2, state: { running: {} }, lastState: oom('2026-01-01T00:06:00Z') },
        ],
      }),
    );
    expect(scan.pod).toEqual({ ...meta, node: 'node-1' });
    expect(scan.kills).toEqual([
      {
        container: 'ledger',
        init: false,
        identity: '2026-01-01T00:06:00.000Z',
        finishedAt: '2026-01-01T00:06:00.000Z',
        restartCount: 2,
        limit: { kind: 'set', bytes: 2147483648, text: '2Gi' },
      },
    ]);
    expect(scan.problems).toEqual([]);
  });

  it('finds the current termination of a container that is not restarted, and init containers', () => {
    const scan = killsInPod(
      pod(
        {
          containerStatuses: [{ name: 'job', restartCount: 0, state: oom('2026-01-01T00:01:00Z') }],
          initContainerStatuses: [{ name: 'migrate', restartCount: 1, lastState: oom('2026-01-01T00:00:30Z') }],
        },
        {
          containers: [{ name: 'job' }],
          initContainers: [{ name: 'migrate', resources: { limits: { memory: '256Mi' } } }],
        },
      ),
    );
    expect(scan.kills.map((k) => [k.container, k.init, k.identity, k.limit.kind])).toEqual([
      ['job', false, '2026-01-01T00:01:00.000Z', 'none'],
      ['migrate', true, '2026-01-01T00:00:30.000Z', 'set'],
    ]);
  });

  it('identifies a kill by the restart it produced when finishedAt is unusable', () => {
    const restarted = killsInPod(
      pod({ containerStatuses: [{ name: 'ledger', restartCount: 3, lastState: oom('2026-13-45T99:00:00Z') }] }),
    );
    expect(restarted.kills[0]!.identity).toBe(3);
    expect(restarted.problems).toEqual(['timestamp']);
    // Before the restart, the terminated container's count does not include the kill yet.
    const terminated = killsInPod(
      pod({ containerStatuses: [{ name: 'ledger', restartCount: 2, state: oom(undefined) }] }),
    );
    expect(terminated.kills[0]!.identity).toBe(3);
  });

  it('ignores other terminations', () => {
    const scan = killsInPod(
      pod({
        containerStatuses: [
          { name: 'ledger', restartCount: 1, lastState: { terminated: { reason: 'Error', exitCode: 1 } } },
        ],
      }),
    );
    expect(scan.kills).toEqual([]);
  });

  it.each([
    ['no status', { metadata: meta }],
    ['status null', { metadata: meta, status: null }],
    ['statuses not a list', pod({ containerStatuses: 'ledger' })],
    ['a status without name', pod({ containerStatuses: [{ lastState: oom('2026-01-01T00:00:00Z') }, 42, null] })],
    ['no metadata', { status: { containerStatuses: [{ name: 'x', lastState: oom('2026-01-01T00:00:00Z') }] } }],
    ['not an object', 'pod'],
    ['null', null],
    [
      'weird quantity',
      pod(
        { containerStatuses: [{ name: 'ledger', restartCount: 1, lastState: oom('2026-01-01T00:00:00Z') }] },
        { containers: [{ name: 'ledger', resources: { limits: { memory: '2Gx' } } }] },
      ),
    ],
    [
      'unidentifiable kill',
      pod({ containerStatuses: [{ name: 'ledger', restartCount: 'many', lastState: oom('soon') }] }),
    ],
  ])('never throws on a malformed pod: %s', (_name, input) => {
    const scan = killsInPod(input);
    expect(Array.isArray(scan.kills)).toBe(true);
    for (const k of scan.kills) expect(k.container.length).toBeGreaterThan(0);
  });

  it('reports what it could not read', () => {
    expect(killsInPod({ status: {} }).problems).toEqual(['pod_metadata']);
    expect(
      killsInPod(
        pod(
          { containerStatuses: [{}, { name: 'ledger', restartCount: 1, lastState: oom('2026-01-01T00:00:00Z') }] },
          { containers: [{ name: 'ledger', resources: { limits: { memory: 'lots' } } }] },
        ),
      ).problems,
    ).toEqual(['container_status', 'quantity']);
    expect(killsInPod(pod({ containerStatuses: [{ name: 'ledger', lastState: oom(undefined) }] })).problems).toEqual([
      'unidentifiable',
    ]);
  });
});
