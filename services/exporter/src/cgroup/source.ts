import { performance } from 'node:perf_hooks';
import type { ContainerMemory } from '../memory.js';
import type { PodDirectory } from '../pods.js';
import type { MemorySnapshot, MemorySource } from '../source.js';
import { podWorkload, type WorkloadLookup } from '../workload.js';
import { readCgroupMemory, type CgroupVersion } from './files.js';
import { detectCgroupVersion, findContainerCgroups } from './layout.js';

export interface CgroupSourceOptions {
  /** Where the cgroup filesystem is mounted (on a DaemonSet, the host's, mounted read-only). */
  root: string;
  node: string;
  version?: CgroupVersion;
}

/** Node mode: this node's containers, read from their cgroup files and named through the API. */
export class CgroupMemorySource implements MemorySource {
  constructor(
    private readonly options: CgroupSourceOptions,
    private readonly pods: PodDirectory,
    private readonly owners: WorkloadLookup,
  ) {}

  async collect(): Promise<MemorySnapshot> {
    const start = performance.now();
    const { root, node } = this.options;
    try {
      const version = this.options.version ?? detectCgroupVersion(root);
      const containers: ContainerMemory[] = [];
      for (const cg of findContainerCgroups(root, version)) {
        const pod = this.pods.get(cg.podUid);
        // The pause sandbox, or a container whose pod the watch has not delivered yet.
        const container = pod?.containers.get(cg.containerId);
        if (!pod || !container) continue;
        let reading;
        try {
          reading = readCgroupMemory(cg.dir, version);
        } catch (err) {
          // Removed between the walk and the read: the container is gone, not the source.
          if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
          throw err;
        }
        const workload = podWorkload(this.owners, pod.namespace, pod.name);
        containers.push({
          namespace: pod.namespace,
          pod: pod.name,
          container,
          node,
          workloadKind: workload.kind,
          workload: workload.name,
          ...reading,
        });
      }
      const durationSeconds = (performance.now() - start) / 1000;
      return { containers, targets: [{ source: 'cgroup', node, up: true, durationSeconds }] };
    } catch (err) {
      const durationSeconds = (performance.now() - start) / 1000;
      return {
        containers: [],
        targets: [{ source: 'cgroup', node, up: false, durationSeconds, error: String(err) }],
      };
    }
  }
}
