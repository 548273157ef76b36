/**
 * A cluster for the eventer benchmark: a few Deployments with their ReplicaSets and Pods, and a
 * generator of distinct core/v1 Events about them as kubelet, the scheduler and the controllers
 * write them (BackOff, Unhealthy, FailedScheduling, Pulled, ...), with pod names, IPs and numbers.
 */

const DEPLOYMENTS = [
  { namespace: 'shop', name: 'cart', replicas: 40 },
  { namespace: 'shop', name: 'checkout', replicas: 30 },
  { namespace: 'web', name: 'portal', replicas: 50 },
  { namespace: 'payments', name: 'ledger', replicas: 40 },
  { namespace: 'search', name: 'indexer', replicas: 40 },
];
const NODES = 12;
const SAFE = 'bcdfghjklmnpqrstvwxz2456789';

/** Deterministic, so every run sees the same cluster and the same events. */
function mix(n) {
  let h = Math.imul(n ^ 0x9e3779b9, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

function safeString(seed, length) {
  let s = '';
  for (let i = 0; i < length; i++) s += SAFE[mix(seed * 31 + i) % SAFE.length];
  return s;
}

const uid = (kind, n) => `${kind.padEnd(8, '0').slice(0, 8)}-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;

/** The Deployments, ReplicaSets and Pods to apply before the events, and the pods as refs. */
export function workloads() {
  const objects = [];
  const pods = [];
  DEPLOYMENTS.forEach((d, di) => {
    const labels = { app: d.name };
    const depUid = uid('de', di);
    const rs = `${d.name}-${safeString(di, 10)}`;
    const rsUid = uid('ee', di);
    const image = `registry.local/${d.namespace}/${d.name}:1.4.${di}`;
    objects.push({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: d.name, namespace: d.namespace, uid: depUid, labels },
      spec: {
        replicas: d.replicas,
        selector: { matchLabels: labels },
        template: { metadata: { labels }, spec: { containers: [{ name: d.name, image }] } },
      },
    });
    objects.push({
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name: rs,
        namespace: d.namespace,
        uid: rsUid,
        labels,
        ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: d.name, uid: depUid, controller: true }],
      },
      spec: { replicas: d.replicas },
    });
    for (let i = 0; i < d.replicas; i++) {
      const n = pods.length;
      const pod = {
        namespace: d.namespace,
        name: `${rs}-${safeString(1000 + n, 5)}`,
        uid: uid('f0', n),
        container: d.name,
        image,
        rs,
        rsUid,
        deployment: d.name,
        depUid,
        replicas: d.replicas,
        node: `node-${String((n % NODES) + 1).padStart(2, '0')}`,
        ip: `10.244.${n % NODES}.${((n * 7) % 250) + 2}`,
      };
      pods.push(pod);
      objects.push({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: {
          name: pod.name,
          namespace: pod.namespace,
          uid: pod.uid,
          labels,
          ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: rs, uid: rsUid, controller: true }],
        },
        spec: { nodeName: pod.node, containers: [{ name: pod.container, image }] },
        status: { phase: 'Running', podIP: pod.ip },
      });
    }
  });
  return { objects, pods };
}

const podRef = (p, fieldPath) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  name: p.name,
  namespace: p.namespace,
  uid: p.uid,
  ...(fieldPath ? { fieldPath } : {}),
});
const kubelet = (p) => ({ component: 'kubelet', host: p.node });

/** What event `i` is about and says; most messages recur per pod, some carry per-event numbers. */
function occurrence(i, p) {
  const r = mix(i);
  const container = `spec.containers{${p.container}}`;
  switch (r % 10) {
    case 0:
    case 1:
      return {
        reason: 'BackOff',
        type: 'Warning',
        source: kubelet(p),
        object: podRef(p, container),
        message: `Back-off restarting failed container ${p.container} in pod ${p.name}_${p.namespace}(${p.uid})`,
      };
    case 2:
      return {
        reason: 'Unhealthy',
        type: 'Warning',
        source: kubelet(p),
        object: podRef(p, container),
        message: `Readiness probe failed: Get "http://${p.ip}:8080/healthz": dial tcp ${p.ip}:8080: connect: connection refused`,
      };
    case 3:
      return {
        reason: 'Unhealthy',
        type: 'Warning',
        source: kubelet(p),
        object: podRef(p, container),
        message: `Liveness probe failed: HTTP probe failed with statuscode: ${[500, 502, 503][r % 3]}`,
      };
    case 4: {
      const mem = (r >>> 4) % NODES;
      return {
        reason: 'FailedScheduling',
        type: 'Warning',
        source: { component: 'default-scheduler' },
        object: podRef(p),
        message: `0/${NODES} nodes are available: ${mem} Insufficient memory, ${NODES - mem} node(s) didn't match pod anti-affinity rules. preemption: 0/${NODES} nodes are available: ${NODES} No preemption victims found for incoming pod.`,
      };
    }
    case 5: {
      const ms = 300 + ((r >>> 3) % 4000);
      return {
        reason: 'Pulled',
        type: 'Normal',
        source: kubelet(p),
        object: podRef(p, container),
        message: `Successfully pulled image "${p.image}" in ${ms}ms (${ms + ((r >>> 9) % 900)}ms including waiting). Image size: ${40_000_000 + ((r >>> 5) % 9_000_000)} bytes.`,
      };
    }
    case 6:
      return {
        reason: 'Killing',
        type: 'Normal',
        source: kubelet(p),
        object: podRef(p, container),
        message: `Container ${p.container} failed liveness probe, will be restarted`,
      };
    case 7:
      return {
        reason: 'FailedMount',
        type: 'Warning',
        source: kubelet(p),
        object: podRef(p),
        message: `MountVolume.SetUp failed for volume "kube-api-access-${safeString(r, 5)}" : object "${p.namespace}"/"kube-root-ca.crt" not registered`,
      };
    case 8:
      return {
        reason: 'SuccessfulCreate',
        type: 'Normal',
        source: { component: 'replicaset-controller' },
        object: { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: p.rs, namespace: p.namespace, uid: p.rsUid },
        message: `Created pod: ${p.name}`,
      };
    default: {
      const from = 1 + ((r >>> 4) % p.replicas);
      return {
        reason: 'ScalingReplicaSet',
        type: 'Normal',
        source: { component: 'deployment-controller' },
        object: {
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          name: p.deployment,
          namespace: p.namespace,
          uid: p.depUid,
        },
        message: `Scaled up replica set ${p.rs} from ${from} to ${from + 1}`,
      };
    }
  }
}

/** Event `i` (a distinct object: its own uid) about one of `pods`, last seen at `nowIso`. */
export function coreEvent(i, pods, nowIso) {
  const p = pods[mix(i + 0x51ed) % pods.length];
  const o = occurrence(i, p);
  const count = 1 + (mix(i + 7) % 5);
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: {
      name: `${o.object.name}.${(0x18a2f00000000 + i).toString(16)}`,
      namespace: p.namespace,
      uid: uid('e0', i),
    },
    involvedObject: o.object,
    reason: o.reason,
    message: o.message,
    source: o.source,
    firstTimestamp: nowIso,
    lastTimestamp: nowIso,
    count,
    type: o.type,
    eventTime: null,
    reportingComponent: o.source.component,
    reportingInstance: o.source.host ?? '',
  };
}
