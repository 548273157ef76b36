import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import type { Logger } from '@k2/log';

/** The uid of kube-system, the usual identity of a cluster (as the eventer uses it); '' when unreadable. */
export async function clusterIdentity(kc: KubeConfig, log: Logger): Promise<string> {
  try {
    const ns = await kc.makeApiClient(CoreV1Api).readNamespace({ name: 'kube-system' });
    return ns.metadata?.uid ?? '';
  } catch (err) {
    log.warn({ err: String(err) }, 'cannot read kube-system to identify the cluster');
    return '';
  }
}
