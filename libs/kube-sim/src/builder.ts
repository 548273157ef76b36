import { createHash } from 'node:crypto';
import type { Scenario, ScenarioLine } from './scenario.js';
import type { KubeObject } from './types.js';

/** Deterministic uid from a name, so generated scenarios are identical run after run. */
function uid(seed: string): string {
  const h = createHash('sha1').update(seed).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

function hash(seed: string, length: number): string {
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  const bytes = createHash('sha1').update(seed).digest();
  return [...bytes.subarray(0, length)].map((b) => alphabet[b % alphabet.length]).join('');
}

export interface PodRef {
  namespace: string;
  name: string;
  uid: string;
  node: string;
  container: string;
  image: string;
  memoryLimit: string;
  owner: { kind: string; name: string; uid: string };
}

/** The object an Event is about, as its involvedObject names it. */
export interface EventTarget {
  kind: string;
  name: string;
  /** Absent for cluster-scoped objects (Nodes); their Events go to the namespace "default". */
  namespace?: string;
  uid?: string;
  apiVersion?: string;
  fieldPath?: string;
}

export interface ContainerState {
  ready: boolean;
  restartCount: number;
  waiting?: { reason: string; message?: string };
  lastTerminated?: { reason: string; exitCode: number; finishedAt: number };
}

/**
 * Builds scenarios in code: workloads, pods, and the events and status changes a kubelet or
 * controller would produce. Times are scenario milliseconds; object timestamps are epoch + at.
 */
export class ScenarioBuilder {
  private readonly lines: ScenarioLine[] = [];
  private readonly eventCounts = new Map<string, { count: number; first: number }>();
  private readonly podsCreated = new Set<string>();
  readonly epoch: number;

  constructor(
    readonly name: string,
    readonly description = '',
    epoch = '2026-01-01T00:00:00Z',
  ) {
    this.epoch = Date.parse(epoch);
  }

  private ts(at: number): string {
    return new Date(this.epoch + at).toISOString().replace('.000Z', 'Z');
  }

  private push(at: number, verb: ScenarioLine['verb'], object: KubeObject): void {
    this.lines.push({ at, verb, object, source: `${this.name}#${this.lines.length + 1}` });
  }

  node(name: string): this {
    this.push(0, 'create', {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: {
        name,
        uid: uid(`node/${name}`),
        creationTimestamp: this.ts(-86_400_000),
        labels: { 'kubernetes.io/hostname': name },
      },
      status: {
        conditions: [
          { type: 'Ready', status: 'True', reason: 'KubeletReady', lastTransitionTime: this.ts(-86_400_000) },
        ],
        capacity: { cpu: '16', memory: '64Gi', pods: '110' },
        nodeInfo: { kubeletVersion: 'v1.32.0' },
      },
    });
    return this;
  }

  /** A Deployment with its ReplicaSet and running pods spread over `nodes`. */
  deployment(
    namespace: string,
    name: string,
    replicas: number,
    nodes: string[],
    image = `registry.local/${namespace}/${name}:1.0.0`,
    memoryLimit = '512Mi',
  ): PodRef[] {
    const depUid = uid(`deploy/${namespace}/${name}`);
    const template = hash(`${namespace}/${name}`, 10);
    const rsName = `${name}-${template}`;
    const rsUid = uid(`rs/${namespace}/${rsName}`);
    const labels = { app: name };
    this.push(0, 'create', {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name, namespace, uid: depUid, creationTimestamp: this.ts(-3_600_000), labels },
      spec: {
        replicas,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: { containers: [{ name, image, resources: { limits: { memory: memoryLimit } } }] },
        },
      },
      status: { replicas, readyReplicas: replicas, updatedReplicas: replicas, availableReplicas: replicas },
    });
    this.push(0, 'create', {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name: rsName,
        namespace,
        uid: rsUid,
        creationTimestamp: this.ts(-3_600_000),
        labels: { ...labels, 'pod-template-hash': template },
        ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name, uid: depUid, controller: true }],
      },
      spec: { replicas },
      status: { replicas, readyReplicas: replicas },
    });
    const pods: PodRef[] = [];
    for (let i = 0; i < replicas; i++) {
      const podName = `${rsName}-${hash(`${rsName}/${i}`, 5)}`;
      const pod: PodRef = {
        namespace,
        name: podName,
        uid: uid(`pod/${namespace}/${podName}`),
        node: nodes[i % nodes.length]!,
        container: name,
        image,
        memoryLimit,
        owner: { kind: 'ReplicaSet', name: rsName, uid: rsUid },
      };
      pods.push(pod);
      this.podStatus(pod, 100 + i, { ready: true, restartCount: 0 });
    }
    return pods;
  }

  /** Creates or updates a pod with one container in the given state. */
  podStatus(pod: PodRef, at: number, state: ContainerState): this {
    const containerStatus: Record<string, unknown> = {
      name: pod.container,
      image: pod.image,
      ready: state.ready,
      restartCount: state.restartCount,
      containerID: `containerd://${createHash('sha256').update(pod.uid).digest('hex')}`,
      state: state.waiting ? { waiting: state.waiting } : { running: { startedAt: this.ts(at) } },
      lastState: state.lastTerminated
        ? {
            terminated: {
              reason: state.lastTerminated.reason,
              exitCode: state.lastTerminated.exitCode,
              startedAt: this.ts(Math.max(0, state.lastTerminated.finishedAt - 30_000)),
              finishedAt: this.ts(state.lastTerminated.finishedAt),
            },
          }
        : {},
    };
    const exists = this.podsCreated.has(pod.uid);
    this.podsCreated.add(pod.uid);
    this.push(at, exists ? 'update' : 'create', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: pod.name,
        namespace: pod.namespace,
        uid: pod.uid,
        creationTimestamp: this.ts(0),
        labels: { app: pod.container },
        ownerReferences: [{ apiVersion: 'apps/v1', ...pod.owner, controller: true }],
      },
      spec: {
        nodeName: pod.node,
        containers: [{ name: pod.container, image: pod.image, resources: { limits: { memory: pod.memoryLimit } } }],
      },
      status: {
        phase: 'Running',
        hostIP: `10.0.0.${Number(pod.node.replace(/\D/g, '')) || 1}`,
        podIP: `172.16.${parseInt(pod.uid.slice(0, 2), 16)}.${parseInt(pod.uid.slice(2, 4), 16)}`,
        startTime: this.ts(0),
        containerStatuses: [containerStatus],
      },
    });
    return this;
  }

  /**
   * A kubelet-style event about a pod. Repeating the same reason and message on the same pod
   * updates the existing Event (count and lastTimestamp), as the event recorder does.
   */
  podEvent(pod: PodRef, at: number, type: 'Normal' | 'Warning', reason: string, message: string): this {
    const key = `${pod.uid}/${reason}/${message}`;
    const prior = this.eventCounts.get(key);
    const name = `${pod.name}.${createHash('sha1').update(key).digest('hex').slice(0, 16)}`;
    const count = (prior?.count ?? 0) + 1;
    const first = prior?.first ?? at;
    const obj: KubeObject = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name, namespace: pod.namespace, uid: uid(`event/${key}`), creationTimestamp: this.ts(first) },
      involvedObject: {
        apiVersion: 'v1',
        kind: 'Pod',
        name: pod.name,
        namespace: pod.namespace,
        uid: pod.uid,
        fieldPath: `spec.containers{${pod.container}}`,
      },
      reason,
      message,
      source: { component: 'kubelet', host: pod.node },
      firstTimestamp: this.ts(first),
      lastTimestamp: this.ts(at),
      count,
      type,
      eventTime: null,
      reportingComponent: 'kubelet',
      reportingInstance: pod.node,
    };
    this.eventCounts.set(key, { count, first });
    this.push(at, prior ? 'update' : 'create', obj);
    return this;
  }

  /** A container that exited with an error at `at` and waits in CrashLoopBackOff, with the kubelet's BackOff event. */
  crashLoop(pod: PodRef, at: number, restartCount: number, exitCode = 1): this {
    this.podStatus(pod, at, {
      ready: false,
      restartCount,
      waiting: {
        reason: 'CrashLoopBackOff',
        message: `back-off restarting failed container=${pod.container} pod=${pod.name}`,
      },
      lastTerminated: { reason: 'Error', exitCode, finishedAt: at },
    });
    return this.podEvent(
      pod,
      at + 10,
      'Warning',
      'BackOff',
      `Back-off restarting failed container ${pod.container} in pod ${pod.name}_${pod.namespace}(${pod.uid})`,
    );
  }

  /** A container OOM-killed at `at` and back to running after `backoffMs`, with its events. */
  oomKill(pod: PodRef, at: number, restartCount: number, backoffMs = 20_000): this {
    const lastTerminated = { reason: 'OOMKilled', exitCode: 137, finishedAt: at };
    this.podStatus(pod, at, {
      ready: false,
      restartCount,
      waiting: { reason: 'CrashLoopBackOff', message: `back-off restarting failed container=${pod.container}` },
      lastTerminated,
    });
    this.podEvent(
      pod,
      at + 200,
      'Warning',
      'BackOff',
      `Back-off restarting failed container ${pod.container} in pod ${pod.name}_${pod.namespace}(${pod.uid})`,
    );
    this.podStatus(pod, at + backoffMs, { ready: true, restartCount, lastTerminated });
    this.podEvent(pod, at + backoffMs, 'Normal', 'Started', `Started container ${pod.container}`);
    return this;
  }

  // ---- Nodes, controllers and more workload kinds -------------------------------------------------
  // Times passed to these methods should be whole seconds: Event timestamps have second precision.

  /** When each pod made by `podCreate` was created; its later status lines keep that time. */
  private readonly podCreatedAt = new Map<string, number>();
  /** The conditions and taints each node has now, so that a change to one keeps the others. */
  private readonly nodeStates = new Map<
    string,
    { ready: boolean; memoryPressure: boolean; since: Record<string, number> }
  >();

  /** A second-precision Kubernetes Time, as Events and object timestamps carry. */
  private time(at: number): string {
    return this.ts(Math.floor(at / 1000) * 1000);
  }

  /**
   * Any core/v1 Event, written the way client-go's event recorder writes it: a repeat of the same
   * source, object, reason and message updates the existing Event (count and lastTimestamp).
   * Events about cluster-scoped objects (Nodes) live in the namespace "default".
   */
  event(
    at: number,
    involved: EventTarget,
    type: 'Normal' | 'Warning',
    reason: string,
    message: string,
    source: { component: string; host?: string },
  ): this {
    const namespace = involved.namespace ?? 'default';
    const key = [
      source.component,
      source.host ?? '',
      involved.kind,
      namespace,
      involved.name,
      involved.uid ?? '',
      involved.fieldPath ?? '',
      reason,
      message,
    ].join('/');
    const prior = this.eventCounts.get(key);
    const count = (prior?.count ?? 0) + 1;
    const first = prior?.first ?? at;
    const involvedObject: Record<string, unknown> = { kind: involved.kind, name: involved.name };
    if (involved.apiVersion) involvedObject.apiVersion = involved.apiVersion;
    if (involved.namespace) involvedObject.namespace = involved.namespace;
    if (involved.uid) involvedObject.uid = involved.uid;
    if (involved.fieldPath) involvedObject.fieldPath = involved.fieldPath;
    this.eventCounts.set(key, { count, first });
    this.push(at, prior ? 'update' : 'create', {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: {
        name: `${involved.name}.${createHash('sha1').update(key).digest('hex').slice(0, 16)}`,
        namespace,
        uid: uid(`event/${key}`),
        creationTimestamp: this.time(first),
      },
      involvedObject,
      reason,
      message,
      source: { component: source.component, ...(source.host ? { host: source.host } : {}) },
      firstTimestamp: this.time(first),
      lastTimestamp: this.time(at),
      count,
      type,
      eventTime: null,
      reportingComponent: source.component,
      reportingInstance: source.host ?? '',
    });
    return this;
  }

  /** The object reference of a pod, as controllers put it in their Events (no container field path). */
  podTarget(pod: PodRef, fieldPath?: string): EventTarget {
    return {
      apiVersion: 'v1',
      kind: 'Pod',
      namespace: pod.namespace,
      name: pod.name,
      uid: pod.uid,
      ...(fieldPath ? { fieldPath } : {}),
    };
  }

  /**
   * An Event about a node. The kubelet refers to its node with the node's name as uid (as the real
   * kubelet does); controllers use the Node object's uid.
   */
  nodeEvent(
    node: string,
    at: number,
    type: 'Normal' | 'Warning',
    reason: string,
    message: string,
    component = 'kubelet',
  ): this {
    const kubelet = component === 'kubelet';
    return this.event(
      at,
      kubelet
        ? { kind: 'Node', name: node, uid: node }
        : { apiVersion: 'v1', kind: 'Node', name: node, uid: uid(`node/${node}`) },
      type,
      reason,
      message,
      kubelet ? { component, host: node } : { component },
    );
  }

  private nodeState(node: string): { ready: boolean; memoryPressure: boolean; since: Record<string, number> } {
    let state = this.nodeStates.get(node);
    if (!state) this.nodeStates.set(node, (state = { ready: true, memoryPressure: false, since: {} }));
    return state;
  }

  /** The Node object as its current conditions and taints make it. */
  private pushNode(node: string, at: number): void {
    const s = this.nodeState(node);
    const since = (type: string) => this.time(s.since[type] ?? -86_400_000);
    const heartbeat = this.time(s.ready ? at : (s.since.Ready ?? at) - 40_000);
    // Coming back from Unknown is a transition for every condition.
    const back = (type: string) => this.time(Math.max(s.since[type] ?? -86_400_000, s.since.Ready ?? -86_400_000));
    const pressure = (
      type: string,
      on: boolean,
      [reason, message]: [string, string],
      [okReason, okMessage]: [string, string],
    ) =>
      s.ready
        ? {
            type,
            status: on ? 'True' : 'False',
            reason: on ? reason : okReason,
            message: on ? message : okMessage,
            lastHeartbeatTime: heartbeat,
            lastTransitionTime: back(type),
          }
        : {
            type,
            status: 'Unknown',
            reason: 'NodeStatusUnknown',
            message: 'Kubelet stopped posting node status.',
            lastHeartbeatTime: heartbeat,
            lastTransitionTime: since('Ready'),
          };
    const conditions = [
      pressure(
        'MemoryPressure',
        s.memoryPressure,
        ['KubeletHasInsufficientMemory', 'kubelet has insufficient memory available'],
        ['KubeletHasSufficientMemory', 'kubelet has sufficient memory available'],
      ),
      pressure(
        'DiskPressure',
        false,
        ['KubeletHasDiskPressure', 'kubelet has disk pressure'],
        ['KubeletHasNoDiskPressure', 'kubelet has no disk pressure'],
      ),
      pressure(
        'PIDPressure',
        false,
        ['KubeletHasInsufficientPID', 'kubelet has insufficient PID available'],
        ['KubeletHasSufficientPID', 'kubelet has sufficient PID available'],
      ),
      s.ready
        ? {
            type: 'Ready',
            status: 'True',
            reason: 'KubeletReady',
            message: 'kubelet is posting ready status',
            lastHeartbeatTime: heartbeat,
            lastTransitionTime: since('Ready'),
          }
        : {
            type: 'Ready',
            status: 'Unknown',
            reason: 'NodeStatusUnknown',
            message: 'Kubelet stopped posting node status.',
            lastHeartbeatTime: heartbeat,
            lastTransitionTime: since('Ready'),
          },
    ];
    const taints: Record<string, unknown>[] = [];
    if (!s.ready) {
      taints.push({ key: 'node.kubernetes.io/unreachable', effect: 'NoSchedule', timeAdded: since('Ready') });
      taints.push({ key: 'node.kubernetes.io/unreachable', effect: 'NoExecute', timeAdded: since('Ready') });
    }
    if (s.ready && s.memoryPressure) {
      taints.push({
        key: 'node.kubernetes.io/memory-pressure',
        effect: 'NoSchedule',
        timeAdded: since('MemoryPressure'),
      });
    }
    this.push(at, 'update', {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: {
        name: node,
        uid: uid(`node/${node}`),
        creationTimestamp: this.ts(-86_400_000),
        labels: { 'kubernetes.io/hostname': node },
      },
      spec: taints.length ? { taints } : {},
      status: {
        conditions,
        capacity: { cpu: '16', memory: '64Gi', pods: '110' },
        nodeInfo: { kubeletVersion: 'v1.32.0' },
      },
    });
  }

  /**
   * A node's kubelet stops posting status (ready=false) or posts it again (ready=true). Going away:
   * the node lifecycle controller sets every condition Unknown, taints the node unreachable and
   * records NodeNotReady (Normal) on the node and, on each of `pods`, "Node is not ready". Coming
   * back: the kubelet records NodeReady, the taints go, and the taint-eviction controller cancels
   * the pods' scheduled deletions (their default 300 s toleration had not run out).
   */
  nodeCondition(node: string, at: number, ready: boolean, pods: readonly PodRef[] = []): this {
    const s = this.nodeState(node);
    if (s.ready === ready) return this;
    s.ready = ready;
    s.since.Ready = at;
    this.pushNode(node, at);
    if (!ready) {
      this.nodeEvent(node, at, 'Normal', 'NodeNotReady', `Node ${node} status is now: NodeNotReady`, 'node-controller');
      for (const pod of pods) {
        this.event(at, this.podTarget(pod), 'Warning', 'NodeNotReady', 'Node is not ready', {
          component: 'node-controller',
        });
      }
    } else {
      this.nodeEvent(node, at, 'Normal', 'NodeReady', `Node ${node} status is now: NodeReady`);
      for (const pod of pods) {
        const target = { apiVersion: 'v1', kind: 'Pod', namespace: pod.namespace, name: pod.name };
        this.event(
          at + 1_000,
          target,
          'Normal',
          'TaintManagerEviction',
          `Cancelling deletion of Pod ${pod.namespace}/${pod.name}`,
          {
            component: 'taint-eviction-controller',
          },
        );
      }
    }
    return this;
  }

  /**
   * The kubelet's MemoryPressure condition turns on or off, with its NodeHasInsufficientMemory /
   * NodeHasSufficientMemory event and the memory-pressure NoSchedule taint.
   */
  memoryPressure(node: string, at: number, pressure: boolean): this {
    const s = this.nodeState(node);
    if (s.memoryPressure === pressure) return this;
    s.memoryPressure = pressure;
    s.since.MemoryPressure = at;
    this.pushNode(node, at);
    const status = pressure ? 'NodeHasInsufficientMemory' : 'NodeHasSufficientMemory';
    return this.nodeEvent(node, at, 'Normal', status, `Node ${node} status is now: ${status}`);
  }

  /** A pod status line; pods made by podCreate keep their creation time, and `patch` adjusts the rest. */
  private status(
    pod: PodRef,
    at: number,
    state: ContainerState,
    patch?: (status: Record<string, unknown>) => void,
  ): void {
    this.podStatus(pod, at, state);
    const object = this.lines[this.lines.length - 1]!.object;
    const created = this.podCreatedAt.get(pod.uid);
    const status = object.status as Record<string, unknown>;
    if (created !== undefined) {
      object.metadata.creationTimestamp = this.time(created);
      status.startTime = this.time(created);
    }
    const running = (
      (status.containerStatuses as Record<string, unknown>[])[0]!.state as { running?: { startedAt: string } }
    ).running;
    if (running) running.startedAt = this.time(at);
    patch?.(status);
  }

  /**
   * A new pod of the same controller as `like`, created at `at` and bound to `node`: the
   * controller's SuccessfulCreate, the scheduler's Scheduled, and the pod Pending in
   * ContainerCreating. A ReplicaSet's pod gets a new name; a StatefulSet's keeps its name (new uid).
   */
  podCreate(like: PodRef, at: number, node: string): PodRef {
    const statefulSet = like.owner.kind === 'StatefulSet';
    const name = statefulSet ? like.name : `${like.owner.name}-${hash(`${like.owner.name}/${like.name}@${at}`, 5)}`;
    const pod: PodRef = { ...like, name, node, uid: uid(`pod/${like.namespace}/${name}@${at}`) };
    this.podCreatedAt.set(pod.uid, at);
    const owner = {
      apiVersion: 'apps/v1',
      kind: like.owner.kind,
      namespace: like.namespace,
      name: like.owner.name,
      uid: like.owner.uid,
    };
    const controller = statefulSet ? 'statefulset-controller' : 'replicaset-controller';
    const created = statefulSet
      ? `create Pod ${name} in StatefulSet ${like.owner.name} successful`
      : `Created pod: ${name}`;
    this.event(at, owner, 'Normal', 'SuccessfulCreate', created, { component: controller });
    this.scheduled(pod, at);
    this.status(pod, at, { ready: false, restartCount: 0, waiting: { reason: 'ContainerCreating' } }, (status) => {
      status.phase = 'Pending';
      delete status.podIP;
      // No container exists yet.
      delete (status.containerStatuses as Record<string, unknown>[])[0]!.containerID;
    });
    return pod;
  }

  /**
   * The scheduler's Scheduled event. The scheduler writes events.k8s.io/v1 Events; read through
   * core/v1 they have no source and no first/last timestamps, only eventTime (a MicroTime).
   */
  scheduled(pod: PodRef, at: number): this {
    const key = `scheduled/${pod.uid}`;
    this.push(at, 'create', {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: {
        name: `${pod.name}.${createHash('sha1').update(key).digest('hex').slice(0, 16)}`,
        namespace: pod.namespace,
        uid: uid(`event/${key}`),
        creationTimestamp: this.time(at),
      },
      involvedObject: { apiVersion: 'v1', kind: 'Pod', namespace: pod.namespace, name: pod.name, uid: pod.uid },
      reason: 'Scheduled',
      message: `Successfully assigned ${pod.namespace}/${pod.name} to ${pod.node}`,
      source: {},
      firstTimestamp: null,
      lastTimestamp: null,
      eventTime: new Date(this.epoch + at).toISOString().replace('Z', '000Z'),
      type: 'Normal',
      action: 'Binding',
      reportingComponent: 'default-scheduler',
      reportingInstance: 'default-scheduler-control-plane-1',
    });
    return this;
  }

  /** The kubelet starts the pod's container (image already present): Pulled, Created, Started, and the pod Running and ready. */
  podStart(pod: PodRef, at: number, restartCount = 0, lastTerminated?: ContainerState['lastTerminated']): this {
    const target = this.podTarget(pod, `spec.containers{${pod.container}}`);
    const kubelet = { component: 'kubelet', host: pod.node };
    this.event(at, target, 'Normal', 'Pulled', `Container image "${pod.image}" already present on machine`, kubelet);
    this.event(at, target, 'Normal', 'Created', `Created container: ${pod.container}`, kubelet);
    this.event(at, target, 'Normal', 'Started', `Started container ${pod.container}`, kubelet);
    this.status(pod, at, { ready: true, restartCount, ...(lastTerminated ? { lastTerminated } : {}) });
    return this;
  }

  /** The pod is deleted (drain, rollout, eviction clean-up): the kubelet stops its container first. */
  podDelete(pod: PodRef, at: number): this {
    this.event(
      at,
      this.podTarget(pod, `spec.containers{${pod.container}}`),
      'Normal',
      'Killing',
      `Stopping container ${pod.container}`,
      {
        component: 'kubelet',
        host: pod.node,
      },
    );
    this.push(at + 1_000, 'delete', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { namespace: pod.namespace, name: pod.name, uid: pod.uid },
    });
    return this;
  }

  /**
   * The kubelet's eviction manager evicts a pod: Evicted (with the manager's message), the
   * container stopped, and the pod Failed with reason Evicted and a DisruptionTarget condition.
   * The pod object stays until something deletes it, as evicted pods do.
   */
  evict(pod: PodRef, at: number, message: string, restartCount = 0): this {
    const kubelet = { component: 'kubelet', host: pod.node };
    this.event(at, this.podTarget(pod), 'Warning', 'Evicted', message, kubelet);
    this.event(
      at,
      this.podTarget(pod, `spec.containers{${pod.container}}`),
      'Normal',
      'Killing',
      `Stopping container ${pod.container}`,
      kubelet,
    );
    this.status(pod, at + 1_000, { ready: false, restartCount }, (status) => {
      status.phase = 'Failed';
      status.reason = 'Evicted';
      status.message = message;
      status.conditions = [
        {
          type: 'DisruptionTarget',
          status: 'True',
          reason: 'TerminationByKubelet',
          message,
          lastTransitionTime: this.time(at),
        },
        { type: 'Ready', status: 'False', reason: 'PodFailed', lastTransitionTime: this.time(at + 1_000) },
      ];
      const container = (status.containerStatuses as Record<string, unknown>[])[0]!;
      container.state = {
        terminated: {
          exitCode: 137,
          reason: 'Error',
          startedAt: this.time(this.podCreatedAt.get(pod.uid) ?? 0),
          finishedAt: this.time(at + 1_000),
        },
      };
    });
    return this;
  }

  /**
   * The kubelet fails to mount a pod volume: one FailedMount with `message`. While a mount keeps
   * failing the kubelet repeats it (the same Event, counted) on its retry back-off, and every
   * 2 min 3 s it also gives up waiting: see mountTimeout.
   */
  failedMount(pod: PodRef, at: number, message: string): this {
    return this.event(at, this.podTarget(pod), 'Warning', 'FailedMount', message, {
      component: 'kubelet',
      host: pod.node,
    });
  }

  /** The kubelet's "timed out waiting for the condition" after 2 min 3 s without `volumes` mounted. */
  mountTimeout(pod: PodRef, at: number, volumes: readonly string[]): this {
    return this.failedMount(
      pod,
      at,
      `Unable to attach or mount volumes: unmounted volumes=[${volumes.join(' ')}], unattached volumes=[], failed to process volumes=[]: timed out waiting for the condition`,
    );
  }

  /**
   * A liveness probe fails `failureThreshold` times, `periodMs` apart, ending at `at`; the kubelet
   * kills the container (Killing "failed liveness probe") and restarts it. With `backoffMs` the
   * restart waits in CrashLoopBackOff first, with the kubelet's BackOff event.
   */
  livenessKill(
    pod: PodRef,
    at: number,
    restartCount: number,
    backoffMs = 0,
    failure = 'HTTP probe failed with statuscode: 500',
    failureThreshold = 3,
    periodMs = 10_000,
  ): this {
    const field = `spec.containers{${pod.container}}`;
    const kubelet = { component: 'kubelet', host: pod.node };
    for (let i = failureThreshold - 1; i >= 0; i--) {
      this.event(
        at - i * periodMs,
        this.podTarget(pod, field),
        'Warning',
        'Unhealthy',
        `Liveness probe failed: ${failure}`,
        kubelet,
      );
    }
    this.event(
      at,
      this.podTarget(pod, field),
      'Normal',
      'Killing',
      `Container ${pod.container} failed liveness probe, will be restarted`,
      kubelet,
    );
    const killedAt = at + 1_000;
    const lastTerminated = { reason: 'Error', exitCode: 137, finishedAt: killedAt };
    if (backoffMs > 0) {
      this.status(pod, killedAt, {
        ready: false,
        restartCount,
        waiting: {
          reason: 'CrashLoopBackOff',
          message: `back-off ${backoffMs / 1000}s restarting failed container=${pod.container} pod=${pod.name}_${pod.namespace}(${pod.uid})`,
        },
        lastTerminated,
      });
      this.event(
        killedAt,
        this.podTarget(pod, field),
        'Warning',
        'BackOff',
        `Back-off restarting failed container ${pod.container} in pod ${pod.name}_${pod.namespace}(${pod.uid})`,
        kubelet,
      );
    }
    return this.podStart(pod, killedAt + backoffMs, restartCount, lastTerminated);
  }

  /**
   * A StatefulSet with `replicas` running pods NAME-0 … NAME-(n-1) spread over `nodes`, its
   * volumeClaimTemplates naming one claim, `volume`, mounted by its container. (The simulator
   * serves no PersistentVolumeClaims, so none are created.)
   */
  statefulSet(
    namespace: string,
    name: string,
    replicas: number,
    nodes: string[],
    image = `registry.local/${namespace}/${name}:1.0.0`,
    memoryLimit = '1Gi',
    volume = 'data',
  ): PodRef[] {
    const stsUid = uid(`sts/${namespace}/${name}`);
    const labels = { app: name };
    const revision = `${name}-${hash(`${namespace}/${name}/revision`, 10)}`;
    this.push(0, 'create', {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name, namespace, uid: stsUid, creationTimestamp: this.ts(-3_600_000), labels },
      spec: {
        replicas,
        serviceName: name,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            containers: [
              {
                name,
                image,
                resources: { limits: { memory: memoryLimit } },
                volumeMounts: [{ name: volume, mountPath: `/var/lib/${name}` }],
              },
            ],
          },
        },
        volumeClaimTemplates: [
          {
            metadata: { name: volume },
            spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '20Gi' } } },
          },
        ],
        updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } },
      },
      status: {
        replicas,
        readyReplicas: replicas,
        currentReplicas: replicas,
        updatedReplicas: replicas,
        currentRevision: revision,
        updateRevision: revision,
      },
    });
    const pods: PodRef[] = [];
    for (let i = 0; i < replicas; i++) {
      const podName = `${name}-${i}`;
      const pod: PodRef = {
        namespace,
        name: podName,
        uid: uid(`pod/${namespace}/${podName}`),
        node: nodes[i % nodes.length]!,
        container: name,
        image,
        memoryLimit,
        owner: { kind: 'StatefulSet', name, uid: stsUid },
      };
      pods.push(pod);
      this.podStatus(pod, 100 + i, { ready: true, restartCount: 0 });
    }
    return pods;
  }

  build(): Scenario {
    const lines = [...this.lines].sort((a, b) => a.at - b.at);
    return {
      name: this.name,
      description: this.description,
      epoch: this.epoch,
      lines,
      duration: lines.length ? lines[lines.length - 1]!.at : 0,
    };
  }

  /** The scenario as JSON Lines, header first: the file format of DESIGN.md. */
  toJsonl(): string {
    const header = JSON.stringify({ scenario: { name: this.name, description: this.description, epoch: this.ts(0) } });
    return (
      [header, ...this.build().lines.map((l) => JSON.stringify({ at: l.at, verb: l.verb, object: l.object }))].join(
        '\n',
      ) + '\n'
    );
  }
}
