import { performance } from 'node:perf_hooks';
import type { ContainerMemory, LabelMemo } from '../memory.js';
import type { PodDirectory } from '../pods.js';
import type { MemorySnapshot, MemorySource } from '../source.js';
import { podWorkload, type WorkloadLookup } from '../workload.js';
import { CgroupReader, DescriptorBudget, type CgroupVersion } from './files.js';
import { containerCgroups, detectCgroupVersion, findPodCgroups, type PodCgroup } from './layout.js';

export interface CgroupSourceOptions {
  /** Where the cgroup filesystem is mounted (on a DaemonSet, the host's, mounted read-only). */
  root: string;
  node: string;
  version?: CgroupVersion;
}

/** A container found in its cgroup: its reader, the pod version its limit was read at, its writer's memo. */
interface Located {
  reader: CgroupReader;
  podVersion: string | undefined;
  memo: LabelMemo;
}

/** A cgroup that is gone: removed between the listing and the read (ENOENT), or while a file of it was open (ENODEV). */
function gone(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENODEV';
}

/**
 * Node mode: this node's containers (its pods' from the watch), read from their cgroup files at
 * every scrape. A container's cgroup is looked for (by listing the pod cgroups, then its pod's
 * directory) only until it is found; after that its files are read where it was, and one that
 * is gone fails to read and is dropped.
 */
export class CgroupMemorySource implements MemorySource {
  /** Container id → where it was found, as of the last scrape. */
  private located = new Map<string, Located>();
  private readonly budget = DescriptorBudget.forProcess();

  constructor(
    private readonly options: CgroupSourceOptions,
    private readonly pods: PodDirectory,
    private readonly owners: WorkloadLookup,
  ) {}

  async collect(): Promise<MemorySnapshot> {
    const start = performance.now();
    const { root, node } = this.options;
    const located = new Map<string, Located>();
    try {
      const version = this.options.version ?? detectCgroupVersion(root);
      const containers: ContainerMemory[] = [];
      // Listed only when a container is not located yet (a new pod or container): found ones
      // are read where they were, and a removed one fails to read (ENOENT).
      let podCgroups: Map<string, PodCgroup> | undefined;
      for (const pod of this.pods.all()) {
        let listed: Map<string, string> | undefined;
        // Pause sandboxes and terminated containers are not among the pod's containers.
        for (const [id, name] of pod.containers) {
          let found = this.located.get(id);
          if (found === undefined) {
            podCgroups ??= new Map(findPodCgroups(root, version).map((p) => [p.podUid, p]));
            const podCgroup = podCgroups.get(pod.uid);
            if (podCgroup === undefined) break;
            listed ??= new Map(containerCgroups(podCgroup).map((c) => [c.containerId, c.dir]));
            const dir = listed.get(id);
            if (dir === undefined) continue;
            found = { reader: new CgroupReader(dir, version, this.budget), podVersion: undefined, memo: {} };
          }
          const podVersion = pod.metadata.resourceVersion;
          let reading;
          try {
            reading = found.reader.read(found.podVersion !== podVersion || podVersion === undefined);
          } catch (err) {
            found.reader.close();
            if (gone(err)) continue;
            throw err;
          }
          found.podVersion = podVersion;
          located.set(id, found);
          const workload = podWorkload(this.owners, pod.namespace, pod.name);
          containers.push({
            namespace: pod.namespace,
            pod: pod.name,
            container: name,
            node,
            workloadKind: workload.kind,
            workload: workload.name,
            usage: reading.usage,
            cache: reading.cache,
            rss: reading.rss,
            shmem: reading.shmem,
            workingSet: reading.workingSet,
            limit: reading.limit,
            memo: found.memo,
          });
        }
      }
      const durationSeconds = (performance.now() - start) / 1000;
      return { containers, targets: [{ source: 'cgroup', node, up: true, durationSeconds }] };
    } catch (err) {
      const durationSeconds = (performance.now() - start) / 1000;
      return {
        containers: [],
        targets: [{ source: 'cgroup', node, up: false, durationSeconds, error: String(err) }],
      };
    } finally {
      // Containers gone (or not reached by a failed scrape) let go of their open files.
      for (const [id, old] of this.located) if (located.get(id) !== old) old.reader.close();
      this.located = located;
    }
  }

  /** Closes the files kept open. */
  stop(): void {
    for (const found of this.located.values()) found.reader.close();
    this.located.clear();
  }
}
