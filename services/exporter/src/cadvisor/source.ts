import { performance } from 'node:perf_hooks';
import { CoreV1Api, type KubeConfig, type V1Node } from '@kubernetes/client-node';
import pLimit from 'p-limit';
import type { ContainerMemory } from '../memory.js';
import type { MemorySnapshot, MemorySource, TargetResult } from '../source.js';
import { podWorkload, type WorkloadLookup } from '../workload.js';
import { fetchWithKubeConfig, keepAliveAgents } from '../kube/fetch.js';
import { LabelSetCache, parseCadvisor } from './parse.js';

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

function nodeAddress(node: V1Node): string {
  const addresses = node.status?.addresses ?? [];
  return (addresses.find((a) => a.type === 'InternalIP') ?? addresses[0])?.address ?? node.metadata?.name ?? '';
}

/** Cluster mode: every node's kubelet `/metrics/cadvisor`, read at each scrape. */
export class CadvisorMemorySource implements MemorySource {
  private readonly core: CoreV1Api;
  private readonly limit: ReturnType<typeof pLimit>;
  private readonly agents: ReturnType<typeof keepAliveAgents>;
  /** Each node's parsed label sets, from one scrape to the next. */
  private labelSets = new Map<string, LabelSetCache>();

  constructor(
    private readonly kc: KubeConfig,
    private readonly owners: WorkloadLookup,
    private readonly options: CadvisorSourceOptions,
  ) {
    this.core = kc.makeApiClient(CoreV1Api);
    this.limit = pLimit(options.concurrency);
    this.agents = keepAliveAgents(options.concurrency);
  }

  private urlFor(node: V1Node): string {
    const name = node.metadata?.name ?? '';
    const template = this.options.kubeletUrlTemplate;
    if (template) return template.replaceAll('{node}', name).replaceAll('{address}', nodeAddress(node));
    const server = this.kc.getCurrentCluster()?.server.replace(/\/+$/, '') ?? '';
    return `${server}/api/v1/nodes/${encodeURIComponent(name)}/proxy/metrics/cadvisor`;
  }

  async collect(): Promise<MemorySnapshot> {
    const nodes = (await this.core.listNode()).items;
    const labelSets = new Map<string, LabelSetCache>();
    for (const node of nodes) {
      const name = node.metadata?.name ?? '';
      labelSets.set(name, this.labelSets.get(name) ?? new LabelSetCache());
    }
    // Nodes gone from the cluster take their label sets with them.
    this.labelSets = labelSets;
    const results = await Promise.all(nodes.map((node) => this.limit(() => this.readNode(node, labelSets))));
    return {
      containers: results.flatMap((r) => r.containers),
      targets: results.map((r) => r.target),
    };
  }

  /** Closes the kept-alive kubelet connections. */
  stop(): void {
    this.agents.destroy();
  }

  private async readNode(
    node: V1Node,
    labelSets: Map<string, LabelSetCache>,
  ): Promise<{ containers: ContainerMemory[]; target: TargetResult }> {
    const name = node.metadata?.name ?? '';
    const start = performance.now();
    try {
      const text = await fetchWithKubeConfig(this.kc, this.urlFor(node), this.options.timeoutMs, {
        agents: this.agents,
      });
      const containers = parseCadvisor(text, labelSets.get(name)).map((c): ContainerMemory => {
        const workload = podWorkload(this.owners, c.namespace, c.pod);
        return {
          namespace: c.namespace,
          pod: c.pod,
          container: c.container,
          node: name,
          workloadKind: workload.kind,
          workload: workload.name,
          usage: c.usage,
          cache: c.cache,
          rss: c.rss,
          shmem: c.shmem,
          workingSet: c.workingSet,
          limit: c.limit,
        };
      });
      const durationSeconds = (performance.now() - start) / 1000;
      return { containers, target: { source: 'cadvisor', node: name, up: true, durationSeconds } };
    } catch (err) {
      const durationSeconds = (performance.now() - start) / 1000;
      return {
        containers: [],
        target: { source: 'cadvisor', node: name, up: false, durationSeconds, error: String(err) },
      };
    }
  }
}
