import type { ResourceType } from './resources.js';
import type { KubeObject } from './types.js';

/** Server-side printing (meta.k8s.io/v1 Table), which kubectl asks for on `get`. */
interface Column {
  name: string;
  type: 'string' | 'integer' | 'date';
  format?: string;
  priority?: number;
  cell: (obj: KubeObject, now: number) => string | number;
}

type Any = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Like k8s.io/apimachinery duration.HumanDuration. */
export function humanDuration(ms: number): string {
  const sec = Math.max(0, Math.floor(ms / 1000));
  if (sec < 120) return `${sec}s`;
  const min = Math.floor(sec / 60);
  if (min < 10) return sec % 60 === 0 ? `${min}m` : `${min}m${sec % 60}s`;
  if (min < 180) return `${min}m`;
  const h = Math.floor(min / 60);
  if (h < 8) return min % 60 === 0 ? `${h}h` : `${h}h${min % 60}m`;
  if (h < 48) return `${h}h`;
  const d = Math.floor(h / 24);
  if (h < 24 * 8) return h % 24 === 0 ? `${d}d` : `${d}d${h % 24}h`;
  if (d < 365 * 2) return `${d}d`;
  const y = Math.floor(d / 365);
  if (d < 365 * 8) return d % 365 === 0 ? `${y}y` : `${y}y${d % 365}d`;
  return `${y}y`;
}

function since(ts: unknown, now: number): string {
  if (typeof ts !== 'string') return '<unknown>';
  const t = Date.parse(ts);
  return Number.isNaN(t) ? '<unknown>' : humanDuration(now - t);
}

const name: Column = { name: 'Name', type: 'string', format: 'name', cell: (o) => o.metadata.name ?? '' };
const age: Column = { name: 'Age', type: 'string', cell: (o, now) => since(o.metadata.creationTimestamp, now) };

function podStatus(p: Any): string {
  if (p.metadata?.deletionTimestamp) return 'Terminating';
  let reason: string = p.status?.reason ?? p.status?.phase ?? 'Unknown';
  for (const c of (p.status?.containerStatuses ?? []) as Any[]) {
    if (c.state?.waiting?.reason) reason = c.state.waiting.reason;
    else if (c.state?.terminated) {
      const t = c.state.terminated;
      reason = t.reason ?? (t.signal ? `Signal:${t.signal}` : `ExitCode:${t.exitCode}`);
    }
  }
  return reason;
}

function podRestarts(p: Any, now: number): string {
  let total = 0;
  let last = 0;
  for (const c of (p.status?.containerStatuses ?? []) as Any[]) {
    total += c.restartCount ?? 0;
    const finished = Date.parse(c.lastState?.terminated?.finishedAt ?? '');
    if (!Number.isNaN(finished)) last = Math.max(last, finished);
  }
  return total > 0 && last > 0 ? `${total} (${humanDuration(now - last)} ago)` : String(total);
}

function eventLastSeen(e: Any, now: number): string {
  const ts = e.series?.lastObservedTime ?? e.lastTimestamp ?? e.eventTime ?? e.metadata?.creationTimestamp;
  return since(ts, now);
}

const COLUMNS: Record<string, Column[]> = {
  'core/pods': [
    name,
    {
      name: 'Ready',
      type: 'string',
      cell: (p: Any) => {
        const cs: Any[] = p.status?.containerStatuses ?? [];
        const total = (p.spec?.containers ?? cs).length;
        return `${cs.filter((c) => c.ready).length}/${total}`;
      },
    },
    { name: 'Status', type: 'string', cell: podStatus },
    { name: 'Restarts', type: 'string', cell: podRestarts },
    age,
    { name: 'IP', type: 'string', priority: 1, cell: (p: Any) => p.status?.podIP ?? '<none>' },
    { name: 'Node', type: 'string', priority: 1, cell: (p: Any) => p.spec?.nodeName ?? '<none>' },
    { name: 'Nominated Node', type: 'string', priority: 1, cell: (p: Any) => p.status?.nominatedNodeName ?? '<none>' },
    { name: 'Readiness Gates', type: 'string', priority: 1, cell: () => '<none>' },
  ],
  'core/events': [
    { name: 'Last Seen', type: 'string', cell: eventLastSeen },
    { name: 'Type', type: 'string', cell: (e: Any) => e.type ?? '' },
    { name: 'Reason', type: 'string', cell: (e: Any) => e.reason ?? '' },
    {
      name: 'Object',
      type: 'string',
      cell: (e: Any) => `${String(e.involvedObject?.kind ?? '').toLowerCase()}/${e.involvedObject?.name ?? ''}`,
    },
    { name: 'Subobject', type: 'string', priority: 1, cell: (e: Any) => e.involvedObject?.fieldPath ?? '' },
    {
      name: 'Source',
      type: 'string',
      priority: 1,
      cell: (e: Any) => [e.source?.component, e.source?.host].filter(Boolean).join(', '),
    },
    { name: 'Message', type: 'string', cell: (e: Any) => e.message ?? '' },
    { name: 'First Seen', type: 'string', priority: 1, cell: (e: Any, now) => since(e.firstTimestamp, now) },
    { name: 'Count', type: 'string', priority: 1, cell: (e: Any) => String(e.series?.count ?? e.count ?? 1) },
    { name: 'Name', type: 'string', priority: 1, cell: (e: Any) => e.metadata?.name ?? '' },
  ],
  'core/nodes': [
    name,
    {
      name: 'Status',
      type: 'string',
      cell: (n: Any) => {
        const ready = ((n.status?.conditions ?? []) as Any[]).find((c) => c.type === 'Ready');
        return ready?.status === 'True' ? 'Ready' : 'NotReady';
      },
    },
    {
      name: 'Roles',
      type: 'string',
      cell: (n: Any) =>
        Object.keys(n.metadata?.labels ?? {})
          .filter((l) => l.startsWith('node-role.kubernetes.io/'))
          .map((l) => l.slice('node-role.kubernetes.io/'.length))
          .join(',') || '<none>',
    },
    age,
    { name: 'Version', type: 'string', cell: (n: Any) => n.status?.nodeInfo?.kubeletVersion ?? '' },
  ],
  'core/namespaces': [name, { name: 'Status', type: 'string', cell: (n: Any) => n.status?.phase ?? 'Active' }, age],
  'apps/deployments': [
    name,
    {
      name: 'Ready',
      type: 'string',
      cell: (d: Any) => `${d.status?.readyReplicas ?? 0}/${d.spec?.replicas ?? 1}`,
    },
    { name: 'Up-to-date', type: 'integer', cell: (d: Any) => d.status?.updatedReplicas ?? 0 },
    { name: 'Available', type: 'integer', cell: (d: Any) => d.status?.availableReplicas ?? 0 },
    age,
  ],
  'apps/replicasets': [
    name,
    { name: 'Desired', type: 'integer', cell: (r: Any) => r.spec?.replicas ?? 0 },
    { name: 'Current', type: 'integer', cell: (r: Any) => r.status?.replicas ?? 0 },
    { name: 'Ready', type: 'integer', cell: (r: Any) => r.status?.readyReplicas ?? 0 },
    age,
  ],
  'apps/statefulsets': [
    name,
    { name: 'Ready', type: 'string', cell: (s: Any) => `${s.status?.readyReplicas ?? 0}/${s.spec?.replicas ?? 1}` },
    age,
  ],
  'apps/daemonsets': [
    name,
    { name: 'Desired', type: 'integer', cell: (d: Any) => d.status?.desiredNumberScheduled ?? 0 },
    { name: 'Current', type: 'integer', cell: (d: Any) => d.status?.currentNumberScheduled ?? 0 },
    { name: 'Ready', type: 'integer', cell: (d: Any) => d.status?.numberReady ?? 0 },
    age,
  ],
  'batch/jobs': [
    name,
    {
      name: 'Completions',
      type: 'string',
      cell: (j: Any) => `${j.status?.succeeded ?? 0}/${j.spec?.completions ?? 1}`,
    },
    age,
  ],
  'batch/cronjobs': [
    name,
    { name: 'Schedule', type: 'string', cell: (c: Any) => c.spec?.schedule ?? '' },
    { name: 'Suspend', type: 'string', cell: (c: Any) => (c.spec?.suspend ? 'True' : 'False') },
    { name: 'Active', type: 'integer', cell: (c: Any) => (c.status?.active ?? []).length },
    age,
  ],
  'coordination.k8s.io/leases': [
    name,
    { name: 'Holder', type: 'string', cell: (l: Any) => l.spec?.holderIdentity ?? '' },
    age,
  ],
};

export function wantsTable(accept: string | undefined): boolean {
  return !!accept && /as=Table/.test(accept);
}

function columnsFor(r: ResourceType): Column[] {
  return COLUMNS[r.storeKey] ?? [name, age];
}

/** A Table of `objects` in the shape kubectl's printer reads. */
export function toTable(
  r: ResourceType,
  objects: KubeObject[],
  now: number,
  opts: { includeObject?: string | null; resourceVersion?: string; continueToken?: string; withColumns?: boolean },
): Record<string, unknown> {
  const columns = columnsFor(r);
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: {
      ...(opts.resourceVersion ? { resourceVersion: opts.resourceVersion } : {}),
      ...(opts.continueToken ? { continue: opts.continueToken } : {}),
    },
    ...(opts.withColumns === false
      ? {}
      : {
          columnDefinitions: columns.map((c) => ({
            name: c.name,
            type: c.type,
            format: c.format ?? '',
            description: '',
            priority: c.priority ?? 0,
          })),
        }),
    rows: objects.map((o) => ({
      cells: columns.map((c) => c.cell(o, now)),
      object:
        opts.includeObject === 'Object'
          ? o
          : opts.includeObject === 'None'
            ? undefined
            : { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata },
    })),
  };
}
