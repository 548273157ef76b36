import { ScenarioBuilder, type PodRef } from './builder.js';

/*
 * K2's own scenarios, committed as scenarios/NAME.jsonl at the repository root beside their
 * NAME.expect.json. Each function builds one; scripts/write-scenarios.mjs writes the files from
 * the built package, and a test checks that the files and these functions never drift apart.
 * Times are whole seconds, as Kubernetes timestamps are.
 */

const s = (seconds: number) => seconds * 1000;

/**
 * node-3's kubelet is cut off from the API server for just under five minutes. The node
 * lifecycle controller marks the node NotReady (all conditions Unknown, unreachable taints) and
 * each of its pods "Node is not ready"; the node comes back before the pods' default 300 s
 * toleration of the unreachable taint runs out, so the taint-eviction controller cancels every
 * scheduled deletion. One problem: the node.
 */
export function nodeNotReady(): ScenarioBuilder {
  const b = new ScenarioBuilder(
    'node-notready',
    "node-3's kubelet stops posting status for 4 min 50 s: node NotReady, its pods marked not ready, no pod deleted",
  );
  const nodes = ['node-1', 'node-2', 'node-3', 'node-4'];
  for (const n of nodes) b.node(n);
  const pods = [
    ...b.deployment('shop', 'frontend', 4, nodes, 'registry.local/shop/frontend:3.4.1'),
    ...b.deployment('shop', 'cart', 4, nodes, 'registry.local/shop/cart:5.0.0'),
    ...b.deployment('payments', 'api', 2, ['node-3', 'node-1'], 'registry.local/payments/api:2.9.0', '1Gi'),
  ];
  const onNode3 = pods.filter((p) => p.node === 'node-3');
  // The kubelet goes quiet at 00:02:00; the controller notices after its grace period.
  b.nodeCondition('node-3', s(160), false, onNode3);
  b.nodeCondition('node-3', s(450), true, onNode3);
  return b;
}

/**
 * node-2 runs low on memory. The kubelet's eviction manager reports EvictionThresholdMet, evicts
 * the report-worker pod using most memory above its request, still under pressure evicts the
 * second one 30 s later, and the ReplicaSet recreates both on other nodes. MemoryPressure stays
 * on for the kubelet's 5 min pressure transition period. The frontend pod on node-2 stays.
 */
export function evictions(): ScenarioBuilder {
  const b = new ScenarioBuilder(
    'evictions',
    'the kubelet on node-2 evicts two analytics/report-worker pods for memory pressure; the ReplicaSet recreates them elsewhere',
  );
  for (const n of ['node-1', 'node-2', 'node-3']) b.node(n);
  const workers = b.deployment(
    'analytics',
    'report-worker',
    4,
    ['node-2', 'node-1', 'node-2', 'node-3'],
    'registry.local/analytics/report-worker:7.2.0',
    '4Gi',
  );
  b.deployment('web', 'frontend', 3, ['node-1', 'node-2', 'node-3'], 'registry.local/web/frontend:1.12.0');
  const [first, , second] = workers as [PodRef, PodRef, PodRef, PodRef];

  b.memoryPressure('node-2', s(300), true);
  b.nodeEvent('node-2', s(300), 'Warning', 'EvictionThresholdMet', 'Attempting to reclaim memory');
  b.evict(
    first,
    s(300),
    'The node was low on resource: memory. Threshold quantity: 100Mi, available: 87260Ki. ' +
      `Container ${first.container} was using 3512084Ki, request is 1Gi, has larger consumption of memory. `,
  );
  b.podStart(b.podCreate(first, s(302), 'node-1'), s(305));
  b.nodeEvent('node-2', s(320), 'Warning', 'EvictionThresholdMet', 'Attempting to reclaim memory');
  b.nodeEvent('node-2', s(330), 'Warning', 'EvictionThresholdMet', 'Attempting to reclaim memory');
  b.evict(
    second,
    s(330),
    'The node was low on resource: memory. Threshold quantity: 100Mi, available: 64112Ki. ' +
      `Container ${second.container} was using 3287540Ki, request is 1Gi, has larger consumption of memory. `,
  );
  b.podStart(b.podCreate(second, s(332), 'node-3'), s(335));
  b.memoryPressure('node-2', s(630), false);
  return b;
}

const PV = 'pvc-5f0c9a52-8a5e-4c63-9b8e-2f5b1d7e3a41';
const NFS = '10.20.0.15';

/**
 * node-3 is drained for a kernel upgrade. postgres-2 (StatefulSet data/postgres) comes back on
 * node-1, whose address the NFS export does not yet allow: its volume fails to mount, with the
 * kubelet's retry back-off and its "timed out waiting for the condition" every 2 min 3 s, until
 * the storage admin fixes the export and the next retry mounts it, six minutes on. redis-2
 * (StatefulSet data/redis) comes back on node-2, where the kubelet's ConfigMap cache is slow to
 * sync after the burst of pods: its "config" volume fails for 30 s, then mounts.
 */
export function failedMount(): ScenarioBuilder {
  const b = new ScenarioBuilder(
    'failed-mount',
    'data/postgres-2 cannot mount its NFS volume for six minutes after a drain; data/redis-2 fails to mount its ConfigMap for 30 s',
  );
  for (const n of ['node-1', 'node-2', 'node-3']) b.node(n);
  const postgres = b.statefulSet(
    'data',
    'postgres',
    3,
    ['node-1', 'node-2', 'node-3'],
    'registry.local/data/postgres:16.4',
    '4Gi',
  );
  const redis = b.statefulSet(
    'data',
    'redis',
    3,
    ['node-1', 'node-2', 'node-3'],
    'registry.local/data/redis:7.4.1',
    '2Gi',
  );
  b.deployment('data', 'pgbouncer', 2, ['node-1', 'node-2'], 'registry.local/data/pgbouncer:1.23.1', '256Mi');

  b.podDelete(postgres[2]!, s(60));
  b.podDelete(redis[2]!, s(60));

  const pg = b.podCreate(postgres[2]!, s(75), 'node-1');
  const mountPath = `/var/lib/kubelet/pods/${pg.uid}/volumes/kubernetes.io~csi/${PV}/mount`;
  const setUpFailed =
    `MountVolume.SetUp failed for volume "${PV}" : rpc error: code = Internal desc = mount failed: exit status 32\n` +
    'Mounting command: mount\n' +
    `Mounting arguments: -t nfs -o nfsvers=4.1 ${NFS}:/exports/${PV} ${mountPath}\n` +
    `Output: mount.nfs: access denied by server while mounting ${NFS}:/exports/${PV}\n`;
  // The kubelet's operation back-off: 0.5 s doubling, at most 2 min 2 s between attempts.
  for (const at of [76, 77, 78, 80, 84, 92, 108, 140, 204, 326]) b.failedMount(pg, s(at), setUpFailed);
  b.mountTimeout(pg, s(75 + 123), ['data']);
  b.mountTimeout(pg, s(75 + 2 * 123 + 1), ['data']);
  b.mountTimeout(pg, s(75 + 3 * 123 + 2), ['data']);
  // The export is fixed at about 00:07:00; the retry at 00:07:28 mounts the volume.
  b.podStart(pg, s(450));

  const rd = b.podCreate(redis[2]!, s(75), 'node-2');
  const configSync =
    'MountVolume.SetUp failed for volume "config" : failed to sync configmap cache: timed out waiting for the condition';
  for (const at of [77, 78, 79, 81, 85, 93]) b.failedMount(rd, s(at), configSync);
  b.podStart(rd, s(106));
  return b;
}

/**
 * payments/checkout's /healthz answers 500 while its database connection pool is exhausted. The
 * kubelet kills each container after three failed liveness probes and restarts it, with growing
 * back-off (BackOff) once it has restarted before; readiness fails alongside. The database
 * recovers after eight minutes and the pods stay up. The cause is the probe, not a crash.
 */
export function livenessKills(): ScenarioBuilder {
  const b = new ScenarioBuilder(
    'liveness-kills',
    'payments/checkout fails its liveness probe (HTTP 500) for eight minutes: kills, restarts and back-off on all three pods',
  );
  for (const n of ['node-1', 'node-2', 'node-3']) b.node(n);
  const checkout = b.deployment(
    'payments',
    'checkout',
    3,
    ['node-1', 'node-2', 'node-3'],
    'registry.local/payments/checkout:4.1.0',
    '1Gi',
  );
  b.deployment('payments', 'fraud-check', 2, ['node-2', 'node-3'], 'registry.local/payments/fraud-check:2.0.3');

  checkout.forEach((pod, i) => {
    const offset = i * 7;
    let at = 150 + offset;
    [0, 10, 20, 40, 80].forEach((backoff, k) => {
      // Readiness shares the endpoint, so it fails with liveness.
      b.event(
        s(at - 20),
        b.podTarget(pod, `spec.containers{${pod.container}}`),
        'Warning',
        'Unhealthy',
        'Readiness probe failed: HTTP probe failed with statuscode: 500',
        { component: 'kubelet', host: pod.node },
      );
      b.livenessKill(pod, s(at), k + 1, s(backoff));
      // Restarted: 30 s initial delay, then three failures 10 s apart.
      at += 1 + backoff + 60;
    });
  });
  return b;
}

/**
 * search/indexer has 200 replicas. A bad configuration makes every one of them exit with code 1
 * seconds after it starts; the kubelet restarts them with back-off doubling from 10 s to 300 s,
 * for 15 minutes, until the configuration is fixed and the next restart of each pod stays up.
 */
export function crashloop200(): ScenarioBuilder {
  const b = new ScenarioBuilder(
    'crashloop-200',
    'all 200 pods of search/indexer crash-loop for 15 minutes after a bad configuration push',
  );
  const nodes = Array.from({ length: 20 }, (_, i) => `node-${i + 1}`);
  for (const n of nodes) b.node(n);
  const indexers = b.deployment('search', 'indexer', 200, nodes, 'registry.local/search/indexer:9.3.0', '2Gi');
  b.deployment('search', 'query-api', 3, nodes, 'registry.local/search/query-api:9.3.0');

  const fixedAt = 60 + 15 * 60;
  indexers.forEach((pod, i) => {
    let crash = 60 + Math.floor((i * 45) / 100);
    for (let restart = 1; ; restart++) {
      const backoff = Math.min(10 * 2 ** (restart - 1), 300);
      const lastTerminated = { reason: 'Error', exitCode: 1, finishedAt: s(crash) };
      b.podStatus(pod, s(crash), {
        ready: false,
        restartCount: restart,
        waiting: {
          reason: 'CrashLoopBackOff',
          message: `back-off ${backoff}s restarting failed container=${pod.container} pod=${pod.name}_${pod.namespace}(${pod.uid})`,
        },
        lastTerminated,
      });
      b.event(
        s(crash),
        b.podTarget(pod, `spec.containers{${pod.container}}`),
        'Warning',
        'BackOff',
        `Back-off restarting failed container ${pod.container} in pod ${pod.name}_${pod.namespace}(${pod.uid})`,
        { component: 'kubelet', host: pod.node },
      );
      const start = crash + backoff;
      b.podStart(pod, s(start), restart, lastTerminated);
      if (start >= fixedAt) break;
      crash = start + 5;
    }
  });
  return b;
}

/** Every own scenario by file name (scenarios/NAME.jsonl). */
export const OWN_SCENARIOS = {
  'node-notready': nodeNotReady,
  evictions,
  'failed-mount': failedMount,
  'liveness-kills': livenessKills,
  'crashloop-200': crashloop200,
} as const satisfies Record<string, () => ScenarioBuilder>;

export type OwnScenarioName = keyof typeof OWN_SCENARIOS;

/** Scenarios too large to keep as files (crashloop-200 is 7.5 MB): code builds them; `scripts/write-scenarios.mjs NAME` writes one. */
export const GENERATED_SCENARIOS: ReadonlySet<string> = new Set(['crashloop-200']);
