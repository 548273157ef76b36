import type { KubeObject } from './types.js';

/** One served REST resource, as discovery describes it. */
export interface ResourceType {
  group: string;
  version: string;
  /** Plural, lower-case: the path segment. */
  resource: string;
  singular: string;
  kind: string;
  namespaced: boolean;
  shortNames?: string[];
  verbs: string[];
  /** Resources that are views of one stored collection share a store key (core and events.k8s.io Events). */
  storeKey: string;
  /** Field selector values this resource supports beyond metadata.name and metadata.namespace. */
  fields?: (obj: KubeObject) => Record<string, string | undefined>;
}

const ALL_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

export const CORE_EVENTS_KEY = 'core/events';

function s(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

const coreEventFields = (e: KubeObject): Record<string, string | undefined> => {
  const io = (e.involvedObject ?? {}) as Record<string, unknown>;
  const source = (e.source ?? {}) as Record<string, unknown>;
  return {
    'involvedObject.kind': s(io.kind),
    'involvedObject.namespace': s(io.namespace),
    'involvedObject.name': s(io.name),
    'involvedObject.uid': s(io.uid),
    'involvedObject.apiVersion': s(io.apiVersion),
    'involvedObject.resourceVersion': s(io.resourceVersion),
    'involvedObject.fieldPath': s(io.fieldPath),
    reason: s(e.reason),
    reportingComponent: s(e.reportingComponent),
    source: s(source.component),
    type: s(e.type),
  };
};

/** events.k8s.io field names, computed on the core object the view is built from. */
const eventsV1Fields = (e: KubeObject): Record<string, string | undefined> => {
  const core = coreEventFields(e);
  return {
    'regarding.kind': core['involvedObject.kind'],
    'regarding.namespace': core['involvedObject.namespace'],
    'regarding.name': core['involvedObject.name'],
    'regarding.uid': core['involvedObject.uid'],
    'regarding.apiVersion': core['involvedObject.apiVersion'],
    'regarding.resourceVersion': core['involvedObject.resourceVersion'],
    'regarding.fieldPath': core['involvedObject.fieldPath'],
    reason: core.reason,
    reportingController: s(e.reportingComponent) ?? core.source,
    type: core.type,
  };
};

const podFields = (p: KubeObject): Record<string, string | undefined> => {
  const spec = (p.spec ?? {}) as Record<string, unknown>;
  const status = (p.status ?? {}) as Record<string, unknown>;
  return {
    'spec.nodeName': s(spec.nodeName) ?? '',
    'spec.restartPolicy': s(spec.restartPolicy),
    'spec.schedulerName': s(spec.schedulerName),
    'spec.serviceAccountName': s(spec.serviceAccountName),
    'status.phase': s(status.phase),
    'status.podIP': s(status.podIP),
    'status.nominatedNodeName': s(status.nominatedNodeName),
  };
};

function res(
  group: string,
  version: string,
  resource: string,
  kind: string,
  namespaced: boolean,
  extra: Partial<ResourceType> = {},
): ResourceType {
  return {
    group,
    version,
    resource,
    singular: kind.toLowerCase(),
    kind,
    namespaced,
    verbs: ALL_VERBS,
    storeKey: `${group || 'core'}/${resource}`,
    ...extra,
  };
}

export const RESOURCES: readonly ResourceType[] = [
  res('', 'v1', 'events', 'Event', true, { shortNames: ['ev'], fields: coreEventFields }),
  res('', 'v1', 'pods', 'Pod', true, { shortNames: ['po'], fields: podFields }),
  res('', 'v1', 'nodes', 'Node', false, { shortNames: ['no'] }),
  res('', 'v1', 'namespaces', 'Namespace', false, { shortNames: ['ns'] }),
  res('apps', 'v1', 'replicasets', 'ReplicaSet', true, { shortNames: ['rs'] }),
  res('apps', 'v1', 'deployments', 'Deployment', true, { shortNames: ['deploy'] }),
  res('apps', 'v1', 'statefulsets', 'StatefulSet', true, { shortNames: ['sts'] }),
  res('apps', 'v1', 'daemonsets', 'DaemonSet', true, { shortNames: ['ds'] }),
  res('batch', 'v1', 'jobs', 'Job', true),
  res('batch', 'v1', 'cronjobs', 'CronJob', true, { shortNames: ['cj'] }),
  res('events.k8s.io', 'v1', 'events', 'Event', true, {
    shortNames: ['ev'],
    storeKey: CORE_EVENTS_KEY,
    fields: eventsV1Fields,
  }),
  res('coordination.k8s.io', 'v1', 'leases', 'Lease', true),
];

export function apiVersionOf(r: ResourceType): string {
  return r.group ? `${r.group}/${r.version}` : r.version;
}

export function findResource(group: string, version: string, resource: string): ResourceType | undefined {
  return RESOURCES.find((r) => r.group === group && r.version === version && r.resource === resource);
}

/** The resource a scenario or a write stores an object of this apiVersion/kind under (core Events for both Event APIs). */
export function resourceForObject(apiVersion: string, kind: string): ResourceType | undefined {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  return RESOURCES.find((r) => r.group === group && r.version === version && r.kind === kind);
}

export function coreResourceFor(storeKey: string): ResourceType {
  const r = RESOURCES.find((x) => x.storeKey === storeKey && (x.storeKey !== CORE_EVENTS_KEY || x.group === ''));
  if (!r) throw new Error(`no resource for store key ${storeKey}`);
  return r;
}

export function apiGroups(): { group: string; versions: string[] }[] {
  const groups = new Map<string, Set<string>>();
  for (const r of RESOURCES) {
    if (!r.group) continue;
    if (!groups.has(r.group)) groups.set(r.group, new Set());
    groups.get(r.group)!.add(r.version);
  }
  return [...groups].map(([group, versions]) => ({ group, versions: [...versions] }));
}
