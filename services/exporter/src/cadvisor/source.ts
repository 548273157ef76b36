import { performance } from 'node:perf_hooks';
import pLimit from 'p-limit';
import type { ContainerMemory } from '../memory.js';
import type { MemorySnapshot, MemorySource, TargetResult } from '../source.js';
import { podWorkload, type WorkloadLookup } from '../workload.js';
import type { KubeAccess } from '../kube/access.js';
import { BulkGets, type BulkGet } from '../kube/bulk-get.js';
import { SlimInformer, slimMeta, type RawObject, type SlimMeta } from '../kube/slim-informer.js';
import { CadvisorParser, LabelSetCache } from './parse.js';

export interface CadvisorSourceOptions {
  /**
   * Read each kubelet directly instead of through the API server's nodes/proxy: a URL with
   * `{node}` (the node's name) and `{address}` (its InternalIP), e.g. `https://{address}:10250/metrics/cadvisor`.
   */
  kubeletUrlTemplate?: string;
  /** Kubelets read at once. */
  concurrency: number;
  timeoutMs: number;
}

/** What the source keeps of a Node. */
interface NodeRef extends SlimMeta {
  name: string;
  address: string;
}

function nodeRef(o: RawObject): NodeRef {
  const metadata = slimMeta(o);
  const addresses = (o.status as { addresses?: { type: string; address: string }[] } | undefined)?.addresses ?? [];
  const address = (addresses.find((a) => a.type === 'InternalIP') ?? addresses[0])?.address ?? metadata.name;
  return { metadata, name: metadata.name, address };
}

/** Cluster mode: every node's kubelet `/metrics/cadvisor`, read at each scrape. */
export class CadvisorMemorySource implements MemorySource {
  private readonly limit: ReturnType<typeof pLimit>;
  private readonly gets: BulkGets;
  /** Each node's parsed label sets, from one scrape to the next. */
  private labelSets = new Map<string, LabelSetCache>();
  /** The cluster's nodes, watched: a scrape starts reading kubelets at once, with no list first. */
  private readonly nodes: SlimInformer<NodeRef>;

  constructor(
    private readonly kube: KubeAccess,
    private readonly owners: WorkloadLookup,
    private readonly options: CadvisorSourceOptions,
  ) {
    this.limit = pLimit(options.concurrency);
    this.gets = new BulkGets(kube, options.concurrency, options.timeoutMs);
    this.nodes = new SlimInformer(kube, '/api/v1/nodes', nodeRef);
  }

  /** Lists the nodes, then watches them. */
  async start(): Promise<void> {
    await this.nodes.start();
  }

  private get server(): string {
    return this.kube.getCurrentCluster()?.server.replace(/\/+$/, '') ?? '';
  }

  private urlFor(node: NodeRef): string {
    const template = this.options.kubeletUrlTemplate;
    if (template) return template.replaceAll('{node}', node.name).replaceAll('{address}', node.address);
    return `${this.server}/api/v1/nodes/${encodeURIComponent(node.name)}/proxy/metrics/cadvisor`;
  }

  async collect(): Promise<MemorySnapshot> {
    const nodes = [...this.nodes.values()];
    const labelSets = new Map<string, LabelSetCache>();
    for (const node of nodes) labelSets.set(node.name, this.labelSets.get(node.name) ?? new LabelSetCache());
    // Nodes gone from the cluster take their label sets with them.
    this.labelSets = labelSets;
    const get = await this.gets.round();
    const results = await Promise.all(nodes.map((node) => this.limit(() => this.readNode(get, node, labelSets))));
    return {
      containers: results.flatMap((r) => r.containers),
      targets: results.map((r) => r.target),
    };
  }

  /** Stops watching nodes and closes the kept-alive connections. */
  async stop(): Promise<void> {
    this.nodes.stop();
    await this.gets.close();
  }

  /** One kubelet's containers, parsed as the response arrives. */
  private async read(get: BulkGet, node: NodeRef, cache: LabelSetCache | undefined): Promise<ContainerMemory[]> {
    const parser = new CadvisorParser(cache);
    await get(this.urlFor(node), (chunk) => parser.push(chunk));
    const containers = parser.end();
    for (const c of containers) {
      const workload = podWorkload(this.owners, c.namespace, c.pod);
      c.node = node.name;
      c.workloadKind = workload.kind;
      c.workload = workload.name;
    }
    return containers;
  }

  private async readNode(
    get: BulkGet,
    node: NodeRef,
    labelSets: Map<string, LabelSetCache>,
  ): Promise<{ containers: ContainerMemory[]; target: TargetResult }> {
    const start = performance.now();
    try {
      const containers = await this.read(get, node, labelSets.get(node.name));
      const durationSeconds = (performance.now() - start) / 1000;
      return { containers, target: { source: 'cadvisor', node: node.name, up: true, durationSeconds } };
    } catch (err) {
      const durationSeconds = (performance.now() - start) / 1000;
      return {
        containers: [],
        target: { source: 'cadvisor', node: node.name, up: false, durationSeconds, error: String(err) },
      };
    }
  }
}
