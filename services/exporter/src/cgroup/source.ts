import { performance } from 'node:perf_hooks';
import type { ContainerMemory } from '../memory.js';
import type { PodDirectory } from '../pods.js';
import type { MemorySnapshot, MemorySource } from '../source.js';
import { podWorkload, type WorkloadLookup } from '../workload.js';
import { readCgroupMemory, type CgroupVersion } from './files.js';
import { containerCgroups, detectCgroupVersion, findPodCgroups } from './layout.js';

export interface CgroupSourceOptions {
  /** Where the cgroup filesystem is mounted (on a DaemonSet, the host's, mounted read-only). */
  root: string;
  node: string;
  version?: CgroupVersion;
}

/**
 * Node mode: this node's containers, read from their cgroup files and named through the API.
 * Every scrape lists the pod cgroups and reads every container's files afresh; a pod's own
 * directory is listed only while one of its containers has not been found there yet.
 */
export class CgroupMemorySource implements MemorySource {
  /** Container id → its cgroup directory, as found by the last scrape. */
  private located = new Map<string, string>();

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
      const located = new Map<string, string>();
      for (const podCgroup of findPodCgroups(root, version)) {
        // Pods the watch has not delivered yet are skipped, as are pause sandboxes below.
        const pod = this.pods.get(podCgroup.podUid);
        if (!pod) continue;
        let listed: Map<string, string> | undefined;
        for (const [id, name] of pod.containers) {
          let dir = this.located.get(id);
          if (dir === undefined || !dir.startsWith(`${podCgroup.dir}/`)) {
            listed ??= new Map(containerCgroups(podCgroup).map((c) => [c.containerId, c.dir]));
            dir = listed.get(id);
          }
          if (dir === undefined) continue;
          let reading;
          try {
            reading = readCgroupMemory(dir, version);
          } catch (err) {
            // Removed between the listing and the read: the container is gone, not the source.
            if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
            throw err;
          }
          located.set(id, dir);
          const workload = podWorkload(this.owners, pod.namespace, pod.name);
          containers.push({
            namespace: pod.namespace,
            pod: pod.name,
            container: name,
            node,
            workloadKind: workload.kind,
            workload: workload.name,
            ...reading,
          });
        }
      }
      this.located = located;
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
