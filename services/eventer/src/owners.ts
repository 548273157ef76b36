import {
  BatchV1Api,
  CoreV1Api,
  AppsV1Api,
  makeInformer,
  type KubeConfig,
  type KubernetesObject,
  type Informer,
} from '@kubernetes/client-node';
import { workloadFromOwnerChain, type ObjectRef, type OwnerReference, type Workload } from '@k2/contracts';
import type { Logger } from '@k2/log';
import { OwnerIndex, type Owners } from './owner-index.js';

interface Cache {
  owners: OwnerIndex;
  informer: Informer<KubernetesObject>;
}

const NO_OWNERS: Owners = Object.freeze([]);

/** Only the controlling owner is kept per object: a few dozen bytes, however large the object. */
function controllerOf(obj: KubernetesObject): Owners {
  const refs = obj.metadata?.ownerReferences ?? [];
  const ref = refs.find((r) => r.controller) ?? refs[0];
  return ref ? [{ kind: ref.kind, name: ref.name, controller: true }] : NO_OWNERS;
}

/**
 * Resolves the workload that owns an event's object from informer caches of Pods, ReplicaSets
 * and Jobs: no API call per event, and memory bounded by the cluster's object count, not its
 * event rate.
 */
export class OwnerResolver {
  private readonly caches = new Map<string, Cache>();
  private stopped = false;
  /** Pods waited for in vain: deleted long ago, so later events about them do not wait again. */
  private readonly gone = new Set<string>();

  constructor(
    private readonly kc: KubeConfig,
    private readonly log: Logger,
  ) {}

  /** Starts the informers and resolves once each has listed. */
  async start(): Promise<void> {
    const core = this.kc.makeApiClient(CoreV1Api);
    const apps = this.kc.makeApiClient(AppsV1Api);
    const batch = this.kc.makeApiClient(BatchV1Api);
    await Promise.all([
      this.cache('Pod', '/api/v1/pods', () => core.listPodForAllNamespaces()),
      this.cache('ReplicaSet', '/apis/apps/v1/replicasets', () => apps.listReplicaSetForAllNamespaces()),
      this.cache('Job', '/apis/batch/v1/jobs', () => batch.listJobForAllNamespaces()),
    ]);
  }

  private async cache(kind: string, path: string, list: () => Promise<{ items: KubernetesObject[] }>): Promise<void> {
    const owners = new OwnerIndex();
    const informer = makeInformer(this.kc, path, list as never);
    const put = (o: KubernetesObject) =>
      owners.set(o.metadata?.namespace ?? '', o.metadata?.name ?? '', controllerOf(o));
    informer.on('add', put);
    informer.on('update', put);
    informer.on('delete', (o) => owners.delete(o.metadata?.namespace ?? '', o.metadata?.name ?? ''));
    informer.on('error', (err) => {
      if (this.stopped) return;
      this.log.warn({ kind, err: String(err) }, 'owner cache watch failed; restarting');
      setTimeout(() => void informer.start().catch(() => {}), 1_000);
    });
    this.caches.set(kind, { owners, informer });
    await informer.start();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all([...this.caches.values()].map((c) => c.informer.stop()));
  }

  /** How many objects the caches hold, for the memory-bound metric. */
  get size(): number {
    let n = 0;
    for (const c of this.caches.values()) n += c.owners.size;
    return n;
  }

  private ownersOf(kind: string, namespace: string, name: string): Owners | undefined {
    return this.caches.get(kind)?.owners.get(namespace, name);
  }

  /**
   * Like `resolve`, but a Pod the cache does not know yet (its watch can lag the event watch) is
   * waited for up to `waitMs` once; a pod that never shows up is remembered and not waited for again.
   * Answers at once, without a promise, when there is nothing to wait for: the usual case.
   */
  resolveWaiting(namespace: string, object: ObjectRef, waitMs: number): Workload | Promise<Workload> {
    if (object.kind !== 'Pod' || waitMs <= 0 || this.ownersOf('Pod', namespace, object.name) !== undefined) {
      return this.resolve(namespace, object);
    }
    const key = `${namespace}/${object.name}`;
    return this.gone.has(key) ? this.resolve(namespace, object) : this.waitForPod(namespace, object, key, waitMs);
  }

  private async waitForPod(namespace: string, object: ObjectRef, key: string, waitMs: number): Promise<Workload> {
    const deadline = Date.now() + waitMs;
    while (this.ownersOf('Pod', namespace, object.name) === undefined && Date.now() < deadline && !this.stopped) {
      await new Promise((r) => setTimeout(r, 25));
    }
    if (this.ownersOf('Pod', namespace, object.name) === undefined) {
      this.gone.add(key);
      if (this.gone.size > 10_000) this.gone.delete(this.gone.values().next().value as string);
    }
    return this.resolve(namespace, object);
  }

  /** The top workload of an event's involved object in `namespace`. */
  resolve(namespace: string, object: ObjectRef): Workload {
    const lookup = (owner: OwnerReference) => this.ownersOf(owner.kind, namespace, owner.name);
    const self = { kind: object.kind, name: object.name };
    if (object.kind === 'Pod') {
      const owners = this.ownersOf('Pod', namespace, object.name);
      if (owners !== undefined) return workloadFromOwnerChain(self, owners, lookup);
      // A pod the cache has not seen yet (its event can arrive first): a Deployment's pod is
      // named <replicaset>-<suffix>, so try that ReplicaSet.
      const rs = object.name.replace(/-[a-z0-9]{5}$/, '');
      if (rs !== object.name && this.ownersOf('ReplicaSet', namespace, rs) !== undefined) {
        return workloadFromOwnerChain(self, [{ kind: 'ReplicaSet', name: rs, controller: true }], lookup);
      }
      return self;
    }
    if (object.kind === 'ReplicaSet' || object.kind === 'Job') {
      return workloadFromOwnerChain(self, this.ownersOf(object.kind, namespace, object.name) ?? NO_OWNERS, lookup);
    }
    return self;
  }
}
