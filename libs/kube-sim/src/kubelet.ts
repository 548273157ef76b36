import { z } from 'zod';
import type { Cluster } from './cluster.js';
import type { KubeObject } from './types.js';

const bytes = z.number().int().nonnegative();

/**
 * A scenario line that sets one container's memory, as its kubelet's cAdvisor will report it:
 * `{"at": 2000, "memory": {"namespace": "shop", "pod": "cart-1", "container": "app", "usage": 1572864000, "cache": 943718400}}`.
 * Bytes. `rss` defaults to usage − cache, `workingSet` to usage, `shmem` to 0 and `limit` to the
 * container's resources.limits.memory.
 */
export const memoryLineSchema = z.strictObject({
  namespace: z.string().min(1),
  pod: z.string().min(1),
  container: z.string().min(1),
  usage: bytes,
  cache: bytes.default(0),
  rss: bytes.optional(),
  workingSet: bytes.optional(),
  shmem: bytes.default(0),
  limit: bytes.optional(),
});
export type ContainerMemoryLine = z.infer<typeof memoryLineSchema>;

const SUFFIX: Record<string, number> = {
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
};

/** A memory quantity ("512Mi", "1G", "1073741824") in bytes, or undefined. */
function quantityBytes(q: unknown): number | undefined {
  const m = /^(\d+(?:\.\d+)?)([kMGT]i?|Ki)?$/.exec(String(q ?? ''));
  if (!m) return undefined;
  return Math.round(Number(m[1]) * (SUFFIX[m[2] ?? ''] ?? 1));
}

interface PodSpec {
  nodeName?: string;
  containers?: { name: string; image?: string; resources?: { limits?: { memory?: string } } }[];
}

interface PodStatus {
  phase?: string;
  containerStatuses?: { name: string; containerID?: string }[];
}

/**
 * Memory for a container no scenario line mentions, so every running container has series as on
 * a real node: steady, derived from its name and limit (40–80% of it, or 64–320 MiB without one),
 * a third of it page cache.
 */
function defaultMemory(
  key: string,
  limit: number | undefined,
): Omit<ContainerMemoryLine, 'namespace' | 'pod' | 'container'> {
  let h = 2166136261;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 16777619);
  const share = 0.4 + ((h >>> 0) % 1000) / 2500;
  const usage = Math.round(limit ? limit * share : (64 + ((h >>> 0) % 256)) * 2 ** 20);
  const cache = Math.round(usage / 3);
  return { usage, cache, shmem: 0, workingSet: usage - Math.round(cache / 2) };
}

const esc = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');

const FAMILIES: [
  name: string,
  help: string,
  value: (m: Required<Omit<ContainerMemoryLine, 'limit'>> & { limit: number }) => number,
][] = [
  [
    'container_memory_usage_bytes',
    'Current memory usage in bytes, including all memory regardless of when it was accessed',
    (m) => m.usage,
  ],
  ['container_memory_cache', 'Number of bytes of page cache memory.', (m) => m.cache],
  ['container_memory_rss', 'Size of RSS in bytes.', (m) => m.rss],
  ['container_memory_working_set_bytes', 'Current working set in bytes.', (m) => m.workingSet],
  // Not a stock cAdvisor series: the simulator reports shmem so usage-minus-cache can add it back.
  ['container_memory_shmem', 'Size of tmpfs and shared memory in bytes.', (m) => m.shmem],
  ['container_spec_memory_limit_bytes', 'Memory limit for the container.', (m) => m.limit],
];

/**
 * The kubelet side of the simulator: container memory set by scenario lines, served per node as
 * `/metrics/cadvisor` text (through the API server's nodes/proxy). Every container of the pods
 * that exist and run on the node is reported (with steady made-up figures unless a scenario line
 * set them), so a deleted pod's series disappear as on a real node.
 */
export class SimKubelet {
  private readonly memory = new Map<string, ContainerMemoryLine>();
  /** Pods by node as of one store version: listing all pods for each node's request sorts them all each time. */
  private podsByNode: { cluster: Cluster; rv: number; byNode: Map<string, KubeObject[]> } | undefined;

  /** Each node's last text and what it was made of: unchanged pods, memory and clock make the same text. */
  private readonly texts = new Map<
    string,
    { cluster: Cluster; rv: number; memoryVersion: number; now: number; text: string }
  >();
  private memoryVersion = 0;

  set(line: ContainerMemoryLine): void {
    this.memory.set(`${line.namespace}/${line.pod}/${line.container}`, line);
    this.memoryVersion++;
  }

  private podsOn(cluster: Cluster, node: string): KubeObject[] {
    const rv = cluster.store.resourceVersion;
    if (this.podsByNode?.cluster !== cluster || this.podsByNode.rv !== rv) {
      const byNode = new Map<string, KubeObject[]>();
      for (const pod of cluster.store.list('core/pods')) {
        const name = (pod as KubeObject & { spec?: PodSpec }).spec?.nodeName ?? '';
        let pods = byNode.get(name);
        if (!pods) byNode.set(name, (pods = []));
        pods.push(pod);
      }
      this.podsByNode = { cluster, rv, byNode };
    }
    return this.podsByNode.byNode.get(node) ?? [];
  }

  cadvisorText(cluster: Cluster, node: string, now: number): string {
    const { memoryVersion } = this;
    const rv = cluster.store.resourceVersion;
    const last = this.texts.get(node);
    if (last?.cluster === cluster && last.rv === rv && last.memoryVersion === memoryVersion && last.now === now) {
      return last.text;
    }
    const text = this.render(cluster, node, now);
    this.texts.set(node, { cluster, rv, memoryVersion, now, text });
    return text;
  }

  private render(cluster: Cluster, node: string, now: number): string {
    const rows: { labels: string; values: Parameters<(typeof FAMILIES)[0][2]>[0] }[] = [];
    for (const pod of this.podsOn(cluster, node)) {
      const spec = (pod as KubeObject & { spec?: PodSpec }).spec;
      if (!spec) continue;
      const status = (pod as KubeObject & { status?: PodStatus }).status;
      if (status?.phase === 'Succeeded' || status?.phase === 'Failed') continue;
      const ns = pod.metadata.namespace ?? '';
      const name = pod.metadata.name!;
      for (const c of spec.containers ?? []) {
        const key = `${ns}/${name}/${c.name}`;
        const specLimit = quantityBytes(c.resources?.limits?.memory);
        const m = this.memory.get(key) ?? {
          namespace: ns,
          pod: name,
          container: c.name,
          ...defaultMemory(key, specLimit),
        };
        const id = status?.containerStatuses?.find((s) => s.name === c.name)?.containerID?.replace(/^[a-z-]+:\/\//, '');
        const uid = pod.metadata.uid ?? '';
        const cgroup = `/kubepods/burstable/pod${uid}/${id ?? c.name}`;
        rows.push({
          labels: `container="${esc(c.name)}",id="${esc(cgroup)}",image="${esc(c.image ?? '')}",name="${esc(id ?? c.name)}",namespace="${esc(ns)}",pod="${esc(name)}"`,
          values: {
            ...m,
            rss: m.rss ?? Math.max(0, m.usage - m.cache),
            workingSet: m.workingSet ?? m.usage,
            limit: m.limit ?? specLimit ?? 0,
          },
        });
      }
    }
    const out: string[] = [];
    for (const [family, help, value] of FAMILIES) {
      out.push(`# HELP ${family} ${help}`, `# TYPE ${family} gauge`);
      for (const r of rows) out.push(`${family}{${r.labels}} ${value(r.values)} ${now}`);
    }
    return out.join('\n') + '\n';
  }
}
