import { workloadFromOwnerChain, type ObjectRef, type OwnerReference, type Workload } from '@k2/contracts';
import type { Logger } from '@k2/log';
import type { KubeAccess } from './kube/access.js';
import { SlimInformer, slimMeta, type RawObject, type SlimMeta } from './kube/slim-informer.js';
import type { WorkloadLookup } from './workload.js';

type Owners = readonly OwnerReference[];

/** What the exporter keeps of an object: its controlling owner. */
interface Owned extends SlimMeta {
  owners: Owners;
}

/** The little the exporter needs of a pod to name a cgroup and its workload. */
export interface PodInfo extends Owned {
  uid: string;
  namespace: string;
  name: string;
  node: string;
  /** Container id (runtime prefix stripped) → container name, for the containers not terminated. */
  containers: Map<string, string>;
}

const NO_OWNERS: Owners = Object.freeze([]);

function ownersOf(o: RawObject): Owners {
  const refs = o.metadata?.ownerReferences ?? [];
  const ref = refs.find((r) => r.controller) ?? refs[0];
  return ref ? [{ kind: ref.kind, name: ref.name, controller: true }] : NO_OWNERS;
}

function owned(o: RawObject): Owned {
  return { metadata: slimMeta(o), owners: ownersOf(o) };
}

interface ContainerStatus {
  name: string;
  containerID?: string;
  state?: { terminated?: unknown };
}

function podInfo(pod: RawObject): PodInfo {
  const status = pod.status as { initContainerStatuses?: ContainerStatus[]; containerStatuses?: ContainerStatus[] };
  const containers = new Map<string, string>();
  for (const s of [...(status?.initContainerStatuses ?? []), ...(status?.containerStatuses ?? [])]) {
    // containerd://<id>, docker://<id>, cri-o://<id>; a terminated container has no cgroup left.
    const id = s.containerID?.replace(/^[a-z-]+:\/\//, '');
    if (id && !s.state?.terminated) containers.set(id, s.name);
  }
  const metadata = slimMeta(pod);
  return {
    metadata,
    owners: ownersOf(pod),
    uid: pod.metadata?.uid ?? '',
    namespace: metadata.namespace ?? '',
    name: metadata.name,
    node: (pod.spec as { nodeName?: string } | undefined)?.nodeName ?? '',
    containers,
  };
}

/**
 * Pods (of one node, when given), ReplicaSets and Jobs, from watches that keep only what the
 * exporter reads of each: node mode names each cgroup's pod and container by uid and id, and
 * both modes name each pod's workload (Deployment through its ReplicaSet, CronJob through its
 * Job), without an API call per scrape.
 */
export class PodDirectory implements WorkloadLookup {
  private readonly byUid = new Map<string, PodInfo>();
  private readonly informers: SlimInformer<Owned>[] = [];
  private pods: SlimInformer<PodInfo> | undefined;
  private replicaSets: SlimInformer<Owned> | undefined;
  private jobs: SlimInformer<Owned> | undefined;
  /** Changes with every ReplicaSet and Job the watches deliver: a pod's workload named before stays named. */
  private ownersVersion = 0;
  /** Each pod's workload, by its record (a changed pod is a new record), as of an owners version. */
  private readonly named = new WeakMap<PodInfo, { version: number; workload: Workload }>();

  constructor(
    private readonly kube: KubeAccess,
    private readonly log: Logger,
    private readonly nodeName?: string,
  ) {}

  /** Starts the watches and resolves once each has listed. */
  async start(): Promise<void> {
    const error = (err: unknown) => this.log.warn({ err: String(err) }, 'watch failed; listing again');
    this.pods = new SlimInformer(
      this.kube,
      '/api/v1/pods',
      podInfo,
      {
        add: (pod) => this.byUid.set(pod.uid, pod),
        update: (pod) => this.byUid.set(pod.uid, pod),
        delete: (pod) => this.byUid.delete(pod.uid),
        error,
      },
      { fieldSelector: this.nodeName ? `spec.nodeName=${this.nodeName}` : undefined },
    );
    const changed = () => this.ownersVersion++;
    const owners = { add: changed, update: changed, delete: changed, error };
    this.replicaSets = new SlimInformer(this.kube, '/apis/apps/v1/replicasets', owned, owners);
    this.jobs = new SlimInformer(this.kube, '/apis/batch/v1/jobs', owned, owners);
    this.informers.push(this.pods, this.replicaSets, this.jobs);
    try {
      await Promise.all(this.informers.map((i) => i.start()));
    } catch (err) {
      await this.stop();
      throw err;
    }
  }

  get(uid: string): PodInfo | undefined {
    return this.byUid.get(uid);
  }

  /** The pods watched (in node mode, the node's). */
  all(): IterableIterator<PodInfo> {
    return this.byUid.values();
  }

  get size(): number {
    return this.byUid.size;
  }

  private ownersOf(kind: string, namespace: string, name: string): Owners | undefined {
    const informer = kind === 'Pod' ? this.pods : kind === 'ReplicaSet' ? this.replicaSets : this.jobs;
    return kind === 'Pod' || kind === 'ReplicaSet' || kind === 'Job'
      ? informer?.get(name, namespace)?.owners
      : undefined;
  }

  /** An object's top workload, as the eventer's OwnerResolver names it; the object itself when it has no owner. */
  resolve(namespace: string, object: ObjectRef): Workload {
    // A scrape names every container's workload: a pod unchanged since, among owners unchanged, keeps its answer.
    const pod = object.kind === 'Pod' ? this.pods?.get(object.name, namespace) : undefined;
    if (!pod) return this.walk(namespace, object);
    const known = this.named.get(pod);
    if (known?.version === this.ownersVersion) return known.workload;
    const workload = this.walk(namespace, object);
    this.named.set(pod, { version: this.ownersVersion, workload });
    return workload;
  }

  private walk(namespace: string, object: ObjectRef): Workload {
    const lookup = (owner: OwnerReference) => this.ownersOf(owner.kind, namespace, owner.name);
    const self = { kind: object.kind, name: object.name };
    const owners = this.ownersOf(object.kind, namespace, object.name);
    if (owners === undefined && object.kind === 'Pod') {
      // A pod the watch has not delivered yet: a Deployment's pod is named <replicaset>-<suffix>.
      const rs = object.name.replace(/-[a-z0-9]{5}$/, '');
      if (rs !== object.name && this.ownersOf('ReplicaSet', namespace, rs) !== undefined) {
        return workloadFromOwnerChain(self, [{ kind: 'ReplicaSet', name: rs, controller: true }], lookup);
      }
    }
    return workloadFromOwnerChain(self, owners ?? NO_OWNERS, lookup);
  }

  async stop(): Promise<void> {
    for (const informer of this.informers) informer.stop();
  }
}
