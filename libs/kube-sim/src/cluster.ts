import { randomUUID, randomBytes } from 'node:crypto';
import type { Clock } from './clock.js';
import { systemClock } from './clock.js';
import { coreToEventsV1, eventsV1ToCore } from './events-view.js';
import { jsonPatch, mergePatch } from './patch.js';
import { apiVersionOf, CORE_EVENTS_KEY, coreResourceFor, resourceForObject, type ResourceType } from './resources.js';
import { parseFieldSelector, parseLabelSelector } from './selectors.js';
import { alreadyExists, badRequest, conflict, notFound, StatusError } from './status.js';
import { objectKey, ObjectStore, type Change } from './store.js';
import type { KubeObject } from './types.js';

export interface ListQuery {
  namespace?: string;
  labelSelector?: string | null;
  fieldSelector?: string | null;
}

export type ObjectFilter = (obj: KubeObject) => boolean;

export type PatchType = 'merge' | 'strategic' | 'json';

export interface ClusterOptions {
  clock?: Clock;
  historyLimit?: number;
}

const NAME_RE = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

let lastSecond = -1;
let lastIso = '';
/** RFC 3339 at second precision, as metadata timestamps are; memoised since writes come in bursts. */
function isoSeconds(ms: number): string {
  const second = Math.floor(ms / 1000);
  if (second !== lastSecond) {
    lastSecond = second;
    lastIso = new Date(second * 1000).toISOString().replace('.000Z', 'Z');
  }
  return lastIso;
}

/** API-server semantics over the store: defaults, validation, optimistic concurrency, views, selectors. */
export class Cluster {
  readonly store: ObjectStore;
  readonly clock: Clock;

  constructor(options: ClusterOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.store = new ObjectStore({ historyLimit: options.historyLimit });
    // Every cluster has these; kube-system's uid is what tools use as the cluster's identity.
    for (const ns of ['default', 'kube-node-lease', 'kube-public', 'kube-system']) this.ensureNamespace(ns);
  }

  /** The object as `r` presents it (events.k8s.io Events are a view of core Events). */
  view(r: ResourceType, obj: KubeObject): KubeObject {
    return r.storeKey === CORE_EVENTS_KEY && r.group === 'events.k8s.io' ? coreToEventsV1(obj) : obj;
  }

  private toStored(r: ResourceType, obj: KubeObject): KubeObject {
    const stored = r.storeKey === CORE_EVENTS_KEY && r.group === 'events.k8s.io' ? eventsV1ToCore(obj) : obj;
    const core = coreResourceFor(r.storeKey);
    return { ...stored, apiVersion: apiVersionOf(core), kind: core.kind };
  }

  filter(r: ResourceType, query: ListQuery): ObjectFilter {
    const labels = parseLabelSelector(query.labelSelector);
    const fields = parseFieldSelector(query.fieldSelector);
    for (const f of fields) {
      if (f.field === 'metadata.name' || f.field === 'metadata.namespace') continue;
      if (!r.fields || !(f.field in r.fields({ metadata: {} }))) {
        throw badRequest(`field label not supported: ${f.field}`);
      }
    }
    const ns = r.namespaced ? query.namespace : undefined;
    return (obj) => {
      if (ns && obj.metadata.namespace !== ns) return false;
      if (labels && !labels(obj.metadata.labels)) return false;
      if (fields.length === 0) return true;
      const values = r.fields?.(obj) ?? {};
      return fields.every((f) => {
        const actual =
          f.field === 'metadata.name'
            ? obj.metadata.name
            : f.field === 'metadata.namespace'
              ? (obj.metadata.namespace ?? '')
              : (values[f.field] ?? '');
        return (actual === f.value) !== f.negate;
      });
    };
  }

  get(r: ResourceType, namespace: string | undefined, name: string): KubeObject {
    const obj = this.store.get(r.storeKey, objectKey(r.namespaced ? namespace : undefined, name));
    if (!obj) throw notFound(r.resource, name, r.group);
    return obj;
  }

  create(r: ResourceType, namespace: string | undefined, body: KubeObject): Change {
    const obj = this.prepareNew(r, namespace, body);
    const key = objectKey(obj.metadata.namespace, obj.metadata.name!);
    if (this.store.get(r.storeKey, key)) throw alreadyExists(r.resource, obj.metadata.name!, r.group);
    this.ensureNamespace(obj.metadata.namespace);
    return this.store.put(r.storeKey, key, obj);
  }

  update(r: ResourceType, namespace: string | undefined, name: string, body: KubeObject): Change {
    const current = this.get(r, namespace, name);
    if (body.metadata?.name && body.metadata.name !== name) {
      throw badRequest(`the name of the object (${body.metadata.name}) does not match the name on the URL (${name})`);
    }
    const expected = body.metadata?.resourceVersion;
    if (expected && expected !== current.metadata.resourceVersion) throw conflict(r.resource, name, r.group);
    const obj = this.toStored(r, {
      ...body,
      metadata: {
        ...body.metadata,
        name,
        namespace: current.metadata.namespace,
        uid: current.metadata.uid,
        creationTimestamp: current.metadata.creationTimestamp,
      },
    });
    return this.store.put(r.storeKey, objectKey(current.metadata.namespace, name), obj);
  }

  patch(r: ResourceType, namespace: string | undefined, name: string, type: PatchType, patch: unknown): Change {
    const current = this.view(r, this.get(r, namespace, name));
    const patched = (
      type === 'json' ? jsonPatch(current, patch) : mergePatch(current, patch, type === 'strategic')
    ) as KubeObject;
    if (typeof patched !== 'object' || patched === null || typeof patched.metadata !== 'object') {
      throw new StatusError(422, 'Invalid', 'the patch removed the object metadata');
    }
    return this.update(r, namespace, name, patched);
  }

  delete(r: ResourceType, namespace: string | undefined, name: string): Change {
    this.get(r, namespace, name);
    return this.store.remove(r.storeKey, objectKey(r.namespaced ? namespace : undefined, name))!;
  }

  /** Scenario writes: create or replace the object as given (uid and timestamps kept). */
  apply(obj: KubeObject): Change {
    const r = this.resourceOf(obj);
    const ns = r.namespaced ? (obj.metadata.namespace ?? 'default') : undefined;
    const name = obj.metadata.name;
    if (!name || !NAME_RE.test(name)) {
      throw new StatusError(422, 'Invalid', `${obj.kind} "${name ?? ''}" is invalid: metadata.name: Invalid value`);
    }
    const key = objectKey(ns, name);
    const current = this.store.get(r.storeKey, key);
    const stored = this.toStored(r, {
      ...obj,
      metadata: {
        ...obj.metadata,
        namespace: ns,
        uid: obj.metadata.uid ?? current?.metadata.uid ?? randomUUID(),
        creationTimestamp:
          obj.metadata.creationTimestamp ?? current?.metadata.creationTimestamp ?? isoSeconds(this.clock.now()),
      },
    });
    if (!ns) delete stored.metadata.namespace;
    this.ensureNamespace(ns);
    return this.store.put(r.storeKey, key, stored);
  }

  /** Scenario deletes: only apiVersion, kind and metadata namespace/name matter. */
  remove(obj: KubeObject): Change | undefined {
    const r = this.resourceOf(obj);
    const ns = r.namespaced ? (obj.metadata.namespace ?? 'default') : undefined;
    return this.store.remove(r.storeKey, objectKey(ns, obj.metadata.name ?? ''));
  }

  resourceOf(obj: KubeObject): ResourceType {
    const r = resourceForObject(obj.apiVersion ?? '', obj.kind ?? '');
    if (!r) throw badRequest(`the simulator does not serve ${obj.apiVersion}/${obj.kind}`);
    return r;
  }

  private prepareNew(r: ResourceType, namespace: string | undefined, body: KubeObject): KubeObject {
    if (typeof body !== 'object' || body === null || typeof body.metadata !== 'object' || body.metadata === null) {
      throw badRequest('the object has no metadata');
    }
    const meta = { ...body.metadata };
    if (r.namespaced) {
      if (meta.namespace && namespace && meta.namespace !== namespace) {
        throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
      }
      meta.namespace = namespace ?? meta.namespace ?? 'default';
    } else delete meta.namespace;
    if (!meta.name && meta.generateName) meta.name = meta.generateName + randomBytes(3).toString('hex').slice(0, 5);
    if (!meta.name) throw new StatusError(422, 'Invalid', `${r.kind} is invalid: metadata.name: Required value`);
    if (!NAME_RE.test(meta.name) || meta.name.length > 253) {
      throw new StatusError(422, 'Invalid', `${r.kind} "${meta.name}" is invalid: metadata.name: Invalid value`);
    }
    meta.uid = randomUUID();
    meta.creationTimestamp = isoSeconds(this.clock.now());
    delete meta.resourceVersion;
    return this.toStored(r, { ...body, metadata: meta });
  }

  /** Namespaces come into being when first used, so scenarios need not create them. */
  private ensureNamespace(ns: string | undefined): void {
    if (!ns || this.store.get('core/namespaces', objectKey(undefined, ns))) return;
    this.store.put('core/namespaces', objectKey(undefined, ns), {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: {
        name: ns,
        uid: randomUUID(),
        creationTimestamp: isoSeconds(this.clock.now()),
        labels: { 'kubernetes.io/metadata.name': ns },
      },
      spec: { finalizers: ['kubernetes'] },
      status: { phase: 'Active' },
    });
  }
}
