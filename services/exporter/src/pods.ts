import { CoreV1Api, makeInformer, type Informer, type KubeConfig, type V1Pod } from '@kubernetes/client-node';
import type { Logger } from '@k2/log';

/** The little the exporter needs of a pod to name a cgroup. */
export interface PodInfo {
  uid: string;
  namespace: string;
  name: string;
  node: string;
  /** Container id (runtime prefix stripped) → container name. */
  containers: Map<string, string>;
}

function podInfo(pod: V1Pod): PodInfo {
  const containers = new Map<string, string>();
  const statuses = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
  for (const s of statuses) {
    // containerd://<id>, docker://<id>, cri-o://<id>
    const id = s.containerID?.replace(/^[a-z-]+:\/\//, '');
    if (id) containers.set(id, s.name);
  }
  return {
    uid: pod.metadata?.uid ?? '',
    namespace: pod.metadata?.namespace ?? '',
    name: pod.metadata?.name ?? '',
    node: pod.spec?.nodeName ?? '',
    containers,
  };
}

/**
 * Pods by uid, from an informer (list, then watch): node mode maps each cgroup's pod uid and
 * container id to names without an API call per scrape. Limited to one node when given.
 */
export class PodDirectory {
  private readonly byUid = new Map<string, PodInfo>();
  private informer: Informer<V1Pod> | undefined;
  private stopped = false;

  constructor(
    private readonly kc: KubeConfig,
    private readonly log: Logger,
    private readonly nodeName?: string,
  ) {}

  async start(): Promise<void> {
    const core = this.kc.makeApiClient(CoreV1Api);
    // The client's informer takes no field selector, so other nodes' pods are skipped here.
    const informer = makeInformer<V1Pod>(this.kc, '/api/v1/pods', () => core.listPodForAllNamespaces());
    const put = (pod: V1Pod) => {
      const info = podInfo(pod);
      if (!info.uid || (this.nodeName && info.node !== this.nodeName)) return;
      this.byUid.set(info.uid, info);
    };
    informer.on('add', put);
    informer.on('update', put);
    informer.on('delete', (pod) => this.byUid.delete(pod.metadata?.uid ?? ''));
    informer.on('error', (err) => {
      if (this.stopped) return;
      this.log.warn({ err: String(err) }, 'pod watch failed; restarting');
      setTimeout(() => void informer.start().catch(() => {}), 1_000);
    });
    this.informer = informer;
    await informer.start();
  }

  get(uid: string): PodInfo | undefined {
    return this.byUid.get(uid);
  }

  get size(): number {
    return this.byUid.size;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.informer?.stop();
  }
}
