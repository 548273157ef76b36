import { describe, expect, it } from 'vitest';
import { classify, defaultPolicy, PolicySchema } from '../src/index.js';
import { k8s, oom, type EventSpec } from './events.js';

const policy = defaultPolicy();
const verdict = (spec: Omit<EventSpec, 't'>) => classify(k8s({ t: 0, ...spec }), policy);
const cls = (spec: Omit<EventSpec, 't'>) => {
  const v = verdict(spec);
  return v.kind === 'problem' ? v.class : v.kind;
};

describe('problem classes', () => {
  it.each([
    [
      'oom_kill',
      {
        reason: 'OOMKilling',
        message: 'Memory cgroup out of memory: Killed process 4242 (java)',
        kind: 'Node',
        name: 'node-1',
      },
    ],
    ['crash_loop', { reason: 'BackOff', message: 'Back-off restarting failed container cart in pod cart-x_shop(uid)' }],
    ['crash_loop', { reason: 'CrashLoopBackOff' }],
    [
      'crash_loop',
      { reason: 'Failed', message: 'Error: failed to create containerd task: exec: "/app": executable file not found' },
    ],
    ['image_pull', { reason: 'Failed', message: 'Failed to pull image "registry.local/api/gateway:4.2.0": not found' }],
    ['image_pull', { reason: 'Failed', message: 'Error: ErrImagePull' }],
    ['image_pull', { reason: 'Failed', message: 'Error: ImagePullBackOff' }],
    ['image_pull', { reason: 'BackOff', message: 'Back-off pulling image "registry.local/api/gateway:4.2.0"' }],
    ['image_pull', { reason: 'InspectFailed', message: 'Failed to apply default image tag' }],
    ['image_pull', { reason: 'ErrImageNeverPull' }],
    ['scheduling', { reason: 'FailedScheduling', message: '0/6 nodes are available: 6 Insufficient memory.' }],
    ['volume_mount', { reason: 'FailedMount', message: 'MountVolume.SetUp failed for volume "data"' }],
    ['volume_mount', { reason: 'FailedAttachVolume' }],
    [
      'probe_failure',
      { reason: 'Unhealthy', message: 'Liveness probe failed: HTTP probe failed with statuscode: 500' },
    ],
    ['probe_failure', { reason: 'Unhealthy', message: 'Readiness probe failed: connection refused' }],
    ['probe_failure', { reason: 'Unhealthy', message: 'Startup probe failed: timeout' }],
    [
      'probe_failure',
      { reason: 'Killing', type: 'Normal', message: 'Container cart failed liveness probe, will be restarted' },
    ],
    [
      'node_problem',
      {
        reason: 'NodeNotReady',
        type: 'Normal',
        kind: 'Node',
        name: 'node-1',
        message: 'Node node-1 status is now: NodeNotReady',
      },
    ],
    ['node_problem', { reason: 'NodeHasDiskPressure', type: 'Normal', kind: 'Node', name: 'node-1' }],
    ['node_problem', { reason: 'NodeHasMemoryPressure', type: 'Normal', kind: 'Node', name: 'node-1' }],
    ['node_problem', { reason: 'SystemOOM', kind: 'Node', name: 'node-1' }],
    ['node_problem', { reason: 'Rebooted', kind: 'Node', name: 'node-1' }],
    ['node_problem', { reason: 'KernelDeadlock', kind: 'Node', name: 'node-1' }],
    ['node_problem', { reason: 'ContainerGCFailed', kind: 'Node', name: 'node-1' }],
    ['eviction', { reason: 'Evicted', message: 'The node was low on resource: memory.' }],
    ['eviction', { reason: 'Preempting', type: 'Normal' }],
    ['eviction', { reason: 'TaintManagerEviction', type: 'Normal', message: 'Marking for deletion Pod shop/cart-x' }],
    ['job_failure', { reason: 'BackoffLimitExceeded', kind: 'Job', name: 'backup-2895' }],
    ['job_failure', { reason: 'DeadlineExceeded', kind: 'Job', name: 'backup-2895' }],
    ['config_error', { reason: 'Failed', message: 'Error: configmap "cart-config" not found' }],
    ['config_error', { reason: 'CreateContainerConfigError' }],
    ['config_error', { reason: 'FailedCreatePodSandBox', message: 'Failed to create pod sandbox: rpc error' }],
    ['config_error', { reason: 'FailedCreate', kind: 'ReplicaSet', name: 'cart-7d9f8c6b5', message: 'exceeded quota' }],
  ] as const)('%s: %o', (expected, spec) => {
    expect(cls(spec)).toBe(expected);
  });

  it('counts an OOM K2Event as an OOM kill that kills', () => {
    expect(classify(oom({ t: 0 }), policy)).toEqual({ kind: 'problem', class: 'oom_kill', kills: true });
  });

  it('tells probe failures that kill (liveness, startup) from readiness failures', () => {
    expect(verdict({ reason: 'Unhealthy', message: 'Liveness probe failed: timeout' })).toMatchObject({ kills: true });
    expect(verdict({ reason: 'Unhealthy', message: 'Readiness probe failed: timeout' })).toMatchObject({
      kills: false,
    });
    expect(
      verdict({ reason: 'Killing', type: 'Normal', message: 'Container cart failed startup probe, will be restarted' }),
    ).toMatchObject({
      kills: true,
    });
  });

  it('gives an unknown Warning reason a class of its own, never dropping it', () => {
    expect(cls({ reason: 'FailedKillPod', message: 'error killing pod' })).toBe('other:FailedKillPod');
    expect(cls({ reason: 'Failed', message: 'something nobody anticipated' })).toBe('other:Failed');
    expect(cls({ reason: 'BackOff', message: 'Back-off something else' })).toBe('other:BackOff');
    expect(cls({ reason: '' })).toBe('other:unknown');
  });
});

describe('recovery signals and noise', () => {
  it.each(['Started', 'Pulled', 'Scheduled', 'SuccessfulMountVolume', 'SuccessfulCreate'])(
    '%s is a recovery signal',
    (reason) => {
      expect(verdict({ reason, type: 'Normal' })).toEqual({ kind: 'recovery', reason });
    },
  );

  it('NodeReady is a recovery signal', () => {
    expect(verdict({ reason: 'NodeReady', type: 'Normal', kind: 'Node', name: 'node-1' })).toEqual({
      kind: 'recovery',
      reason: 'NodeReady',
    });
  });

  it.each([
    { reason: 'Pulling', type: 'Normal' as const },
    { reason: 'Created', type: 'Normal' as const },
    { reason: 'ScalingReplicaSet', type: 'Normal' as const, kind: 'Deployment', name: 'cart' },
    { reason: 'SuccessfulDelete', type: 'Normal' as const, kind: 'ReplicaSet', name: 'cart-7d9f8c6b5' },
    { reason: 'Killing', type: 'Normal' as const, message: 'Stopping container cart' },
    { reason: 'DNSConfigForming', message: 'Nameserver limits were exceeded' },
    { reason: 'OOMKilling', component: 'k2-oom-watcher', message: 'Container cart was OOM-killed' },
    { reason: 'NodeNotReady', message: 'Node is not ready' },
    { reason: 'TaintManagerEviction', type: 'Normal' as const, message: 'Cancelling deletion of Pod shop/cart-x' },
  ])('%o is benign', (spec) => {
    expect(verdict(spec)).toEqual({ kind: 'ignored', why: 'benign' });
  });

  it('ignores Normal events it does not know, unless told not to', () => {
    expect(verdict({ reason: 'LeaderElection', type: 'Normal' })).toEqual({ kind: 'ignored', why: 'normal' });
    const loud = PolicySchema.parse({ noise: { ignoreNormal: false } });
    expect(classify(k8s({ t: 0, reason: 'LeaderElection', type: 'Normal' }), loud)).toMatchObject({
      class: 'other:LeaderElection',
    });
  });

  it('lets a policy silence even a known problem, narrowed by message', () => {
    const quiet = PolicySchema.parse({ noise: { benign: [{ reason: 'FailedMount', message: 'kube-api-access' }] } });
    const mount = (message: string) => classify(k8s({ t: 0, reason: 'FailedMount', message }), quiet);
    expect(mount('MountVolume.SetUp failed for volume "kube-api-access-x2"')).toEqual({
      kind: 'ignored',
      why: 'benign',
    });
    expect(mount('MountVolume.SetUp failed for volume "data"')).toMatchObject({ class: 'volume_mount' });
  });
});
