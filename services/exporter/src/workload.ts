import type { ObjectRef, Workload } from '@k2/contracts';

/** Names the workload that owns a pod (the eventer's OwnerResolver fits). */
export interface WorkloadLookup {
  resolve(namespace: string, object: ObjectRef): Workload;
}

export function podWorkload(owners: WorkloadLookup, namespace: string, pod: string): Workload {
  return owners.resolve(namespace, { kind: 'Pod', name: pod, uid: '' });
}
