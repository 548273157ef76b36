import { BatchV1Api, CoreV1Api, AppsV1Api, makeInformer, type KubeConfig, type KubernetesObject, type Informer } from '@kubernetes/client-node';
import { workloadFromOwnerChain, type ObjectRef, type OwnerReference, type Workload } from '@k2/contracts';
import type { Logger } from '@k2/log';

/** Only the controlling owner is kept per object: a few dozen bytes, however large the object. */
type Owner = { kind: string; name: string } | null;

interface Cache {
  owners: Map<string, Owner>;
  informer: Informer<KubernetesObject>;
}

function controllerOf(obj: KubernetesObject): Owner {
  const refs = obj.metadata?.ownerReferences ?? [];
  const ref = refs.find((r) => r.controller) ?? refs[0];
  return ref ? { kind: ref.kind, name: ref.name } : null;
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
    const owners = new Map<string, Owner>();
    const informer = makeInformer(this.kc, path, list as never);
    const key = (o: KubernetesObject) => `${o.metadata?.namespace}/${o.metadata?.name}`;
    informer.on('add', (o) => owners.set(key(o), controllerOf(o)));
    informer.on('update', (o) => owners.set(key(o), controllerOf(o)));
    informer.on('delete', (o) => owners.delete(key(o)));
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

  private ownerOf(kind: string, namespace: string, name: string): Owner | undefined {
    return this.caches.get(kind)?.owners.get(`${namespace}/${name}`);
  }

  /**
   * Like `resolve`, but a Pod the cache does not know yet (its watch can lag the event watch) is
   * waited for up to `waitMs` once; a pod that never shows up is remembered and not waited for again.
   */
  async resolveWaiting(namespace: string, object: ObjectRef, waitMs: number): Promise<Workload> {
    const key = `${namespace}/${object.name}`;
    if (object.kind === 'Pod' && waitMs > 0 && !this.gone.has(key) && this.ownerOf('Pod', namespace, object.name) === undefined) {
      const deadline = Date.now() + waitMs;
      while (this.ownerOf('Pod', namespace, object.name) === undefined && Date.now() < deadline && !this.stopped) {
        await new Promise((r) => setTimeout(r, 25));
      }
      if (this.ownerOf('Pod', namespace, object.name) === undefined) {
        this.gone.add(key);
        if (this.gone.size > 10_000) this.gone.delete(this.gone.values().next().value as string);
      }
    }
    return this.resolve(namespace, object);
  }

  /** The top workload of an event's involved object in `namespace`. */
  resolve(namespace: string, object: ObjectRef): Workload {
    const lookup = (owner: OwnerReference): OwnerReference[] | undefined => {
      const found = this.ownerOf(owner.kind, namespace, owner.name);
      return found === undefined ? undefined : found ? [{ ...found, controller: true }] : [];
    };
    const self = { kind: object.kind, name: object.name };
    if (object.kind === 'Pod') {
      const owner = this.ownerOf('Pod', namespace, object.name);
      if (owner !== undefined) return workloadFromOwnerChain(self, owner ? [{ ...owner, controller: true }] : [], lookup);
      // A pod the cache has not seen yet (its event can arrive first): a Deployment's pod is
      // named <replicaset>-<suffix>, so try that ReplicaSet.
      const rs = object.name.replace(/-[a-z0-9]{5}$/, '');
      if (rs !== object.name && this.ownerOf('ReplicaSet', namespace, rs) !== undefined) {
        return workloadFromOwnerChain(self, [{ kind: 'ReplicaSet', name: rs, controller: true }], lookup);
      }
      return self;
    }
    if (object.kind === 'ReplicaSet' || object.kind === 'Job') {
      const owner = this.ownerOf(object.kind, namespace, object.name);
      return workloadFromOwnerChain(self, owner ? [{ ...owner, controller: true }] : [], lookup);
    }
    return self;
  }
}
