import { fingerprint } from './fingerprint.js';
import type { K2Event, Workload } from './schema.js';

/** metadata.ownerReferences[] as the API returns it. */
export interface OwnerReference {
  apiVersion?: string;
  kind: string;
  name: string;
  uid?: string;
  controller?: boolean | null;
}

/**
 * Returns the ownerReferences of a ReplicaSet or Job, or undefined when the caller does not know
 * the object (not yet in its cache, or already deleted).
 */
export type OwnerLookup = (owner: OwnerReference) => readonly OwnerReference[] | null | undefined;

/** Owners that are themselves usually owned: ReplicaSet by a Deployment, Job by a CronJob. */
const INTERMEDIATE_KINDS = new Set(['ReplicaSet', 'Job']);

/** Real chains are at most two owners deep (Pod → ReplicaSet → Deployment); this guards against cycles. */
const MAX_DEPTH = 4;

function controllerOf(owners: readonly OwnerReference[] | null | undefined): OwnerReference | undefined {
  return owners?.find((o) => o.controller) ?? owners?.[0];
}

/**
 * The top workload of an object: Pod → ReplicaSet → Deployment, Pod → Job → CronJob, Pod →
 * StatefulSet / DaemonSet / any other controller. Stops at the furthest owner it can see: a
 * ReplicaSet the lookup does not know stays a ReplicaSet; an object without owners is its own workload.
 */
export function workloadFromOwnerChain(
  self: Workload,
  ownerReferences: readonly OwnerReference[] | null | undefined,
  lookup: OwnerLookup,
): Workload {
  let workload: Workload = { kind: self.kind, name: self.name };
  let owners = ownerReferences;
  for (let depth = 0; depth < MAX_DEPTH; depth++) {
    const owner = controllerOf(owners);
    if (!owner) break;
    workload = { kind: owner.kind, name: owner.name };
    if (!INTERMEDIATE_KINDS.has(owner.kind)) break;
    owners = lookup(owner);
  }
  return workload;
}

/** A K2Event but for its workload and the fingerprint that follows from it. */
export type UnresolvedK2Event = Omit<K2Event, 'workload' | 'fingerprint'>;

/** Set by withWorkload itself, ahead of the rest of the event. */
const LEADING_KEYS = new Set([
  'schemaVersion',
  'id',
  'fingerprint',
  'cluster',
  'namespace',
  'involvedObject',
  'workload',
  'reason',
  'message',
]);

/** The event with its resolved workload, and the fingerprint that follows from it. */
export function withWorkload(event: UnresolvedK2Event, workload: Workload): K2Event {
  const resolved = { kind: workload.kind, name: workload.name };
  const { schemaVersion, id, cluster, namespace, involvedObject, reason, message } = event;
  // Whether or not `event` had a workload (and so a fingerprint) already, the result has its
  // keys in the order normalised events are written in: these first, then the rest in its order.
  // (Copied key by key: an object rest pattern costs several times as much, and this runs per event.)
  const result: Record<string, unknown> = {
    schemaVersion,
    id,
    fingerprint: fingerprint({ cluster, namespace, workload: resolved, involvedObject, reason, message }),
    cluster,
    namespace,
    involvedObject,
    workload: resolved,
    reason,
    message,
  };
  const rest = event as unknown as Record<string, unknown>;
  for (const key of Object.keys(rest)) {
    if (LEADING_KEYS.has(key)) continue;
    // Assigning "__proto__" would set the prototype; as in an object literal, it is a property here.
    if (key === '__proto__')
      Object.defineProperty(result, key, { value: rest[key], enumerable: true, writable: true, configurable: true });
    else result[key] = rest[key];
  }
  return result as unknown as K2Event;
}
