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
      metadata: { name, uid: uid(`node/${name}`), creationTimestamp: this.ts(-86_400_000), labels: { 'kubernetes.io/hostname': name } },
      status: {
        conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', lastTransitionTime: this.ts(-86_400_000) }],
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
        template: { metadata: { labels }, spec: { containers: [{ name, image, resources: { limits: { memory: memoryLimit } } }] } },
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
      waiting: { reason: 'CrashLoopBackOff', message: `back-off restarting failed container=${pod.container} pod=${pod.name}` },
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
    this.podEvent(pod, at + 200, 'Warning', 'BackOff', `Back-off restarting failed container ${pod.container} in pod ${pod.name}_${pod.namespace}(${pod.uid})`);
    this.podStatus(pod, at + backoffMs, { ready: true, restartCount, lastTerminated });
    this.podEvent(pod, at + backoffMs, 'Normal', 'Started', `Started container ${pod.container}`);
    return this;
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
    return [header, ...this.build().lines.map((l) => JSON.stringify({ at: l.at, verb: l.verb, object: l.object }))].join('\n') + '\n';
  }
}
