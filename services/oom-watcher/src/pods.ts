import { CoreV1Api, ListWatch, Watch, type KubeConfig, type V1Pod } from '@kubernetes/client-node';
import type { Logger } from '@k2/log';
import type { OomWatcherMetrics } from './metrics.js';
import { bareContainerId, containerStatuses, podSummary } from './pod-shape.js';

const PAGE = 500;

export interface PodHooks {
  /** Every pod of a full list, before the informer reports them one by one; `first` for the first list. */
  onList?(pods: readonly V1Pod[], first: boolean): void;
  /** A pod added or changed (also for each pod of a list). */
  onPod?(pod: V1Pod): void;
  onDelete?(pod: V1Pod): void;
}

export interface ContainerRef {
  pod: V1Pod;
  container: string;
  init: boolean;
}

/**
 * An informer of Pods (all of them, or one node's) indexed by uid and by container id, the
 * keys kernel messages name. The informer is restarted after errors; a 410 makes it relist.
 */
export class PodIndex {
  private readonly byUid = new Map<string, V1Pod>();
  private readonly byContainer = new Map<string, { uid: string; container: string; init: boolean }>();
  private readonly containerIds = new Map<string, string[]>();
  private readonly informer: ListWatch<V1Pod>;
  private listed = false;
  private stopped = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private failures = 0;

  constructor(
    kc: KubeConfig,
    options: { nodeName?: string },
    private readonly hooks: PodHooks,
    private readonly metrics: OomWatcherMetrics,
    private readonly log: Logger,
  ) {
    const core = kc.makeApiClient(CoreV1Api);
    const fieldSelector = options.nodeName ? `spec.nodeName=${options.nodeName}` : undefined;
    const list = async () => {
      // In pages, as one consistent snapshot: a large cluster's pods in one response would be huge.
      const result = await core.listPodForAllNamespaces({ fieldSelector, limit: PAGE });
      for (let cont = result.metadata?._continue; cont;) {
        const page = await core.listPodForAllNamespaces({ fieldSelector, limit: PAGE, _continue: cont });
        result.items.push(...page.items);
        cont = page.metadata?._continue;
      }
      this.metrics.podLists.inc();
      this.guard(() => this.hooks.onList?.(result.items, !this.listed));
      this.listed = true;
      this.failures = 0;
      return result;
    };
    this.informer = new ListWatch<V1Pod>('/api/v1/pods', new Watch(kc), list, false, undefined, fieldSelector);
    this.informer.on('add', (p) => this.guard(() => this.upsert(p)));
    this.informer.on('update', (p) => this.guard(() => this.upsert(p)));
    this.informer.on('delete', (p) => this.guard(() => this.remove(p)));
    this.informer.on('error', (err) => this.restart(err));
  }

  /** True once the first list has been read. */
  get synced(): boolean {
    return this.listed;
  }

  async start(): Promise<void> {
    this.stopped = false;
    // A failed list is reported through 'error'; a failed watch request rejects here instead.
    await this.informer.start().catch((err: unknown) => this.restart(err));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    await this.informer.stop();
  }

  pod(uid: string): V1Pod | undefined {
    return this.byUid.get(uid);
  }

  /** The pod and container a container id (bare hex) belongs to, current or last terminated. */
  container(id: string): ContainerRef | undefined {
    const ref = this.byContainer.get(id.toLowerCase());
    const pod = ref && this.byUid.get(ref.uid);
    return ref && pod ? { pod, container: ref.container, init: ref.init } : undefined;
  }

  private restart(err: unknown): void {
    if (this.stopped) return;
    this.metrics.informerRestarts.inc();
    const delay = Math.min(30_000, 250 * 2 ** Math.min(this.failures++, 7));
    this.log.warn({ err: String(err), retryInMs: delay }, 'pod watch failed; restarting');
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => void this.informer.start().catch((e: unknown) => this.restart(e)), delay);
  }

  /** A pod we fail on is skipped and counted; it must not break the informer that delivered it. */
  private guard(handle: () => void): void {
    try {
      handle();
    } catch (err) {
      this.metrics.malformed.inc({ reason: 'pod_error' });
      this.log.warn({ err: String(err) }, 'pod skipped');
    }
  }

  private upsert(pod: V1Pod): void {
    const uid = podSummary(pod)?.uid;
    if (!uid) {
      this.hooks.onPod?.(pod);
      return;
    }
    this.forget(uid);
    this.byUid.set(uid, pod);
    // The running container's id, and the one before it: the kernel may report a kill before the
    // kubelet has restarted the container, or after.
    const ids: string[] = [];
    for (const s of containerStatuses(pod).statuses) {
      for (const id of [s.containerId, s.terminated?.containerId, s.lastTerminated?.containerId]) {
        if (!id) continue;
        const bare = bareContainerId(id);
        ids.push(bare);
        this.byContainer.set(bare, { uid, container: s.name, init: s.init });
      }
    }
    this.containerIds.set(uid, ids);
    this.hooks.onPod?.(pod);
  }

  private remove(pod: V1Pod): void {
    const uid = podSummary(pod)?.uid;
    if (uid) this.forget(uid);
    this.hooks.onDelete?.(pod);
  }

  private forget(uid: string): void {
    for (const id of this.containerIds.get(uid) ?? []) {
      if (this.byContainer.get(id)?.uid === uid) this.byContainer.delete(id);
    }
    this.containerIds.delete(uid);
    this.byUid.delete(uid);
  }
}
