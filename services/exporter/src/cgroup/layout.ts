import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { CgroupVersion } from './files.js';

/** A container's cgroup directory and the ids its path names. */
export interface ContainerCgroup {
  podUid: string;
  containerId: string;
  dir: string;
}

// cgroupfs driver: pod<uid>; systemd driver: kubepods-<qos>-pod<uid with _ for ->.slice
const POD_DIR = /^(?:pod([0-9a-f-]{36})|kubepods(?:-burstable|-besteffort)?-pod([0-9a-f_]{36})\.slice)$/;
// cgroupfs: the bare id; systemd: <runtime>-<id>.scope (crio-conmon-… scopes are not containers)
const CONTAINER_DIR = /^(?:(?:cri-containerd|docker|crio)-)?([0-9a-f]{64})(?:\.scope)?$/;
const QOS_DIR = /^(?:burstable|besteffort|kubepods-burstable\.slice|kubepods-besteffort\.slice)$/;

/** cgroup v2 when the unified hierarchy's root file is there; v1 otherwise. */
export function detectCgroupVersion(root: string): CgroupVersion {
  return existsSync(join(root, 'cgroup.controllers')) ? 2 : 1;
}

function subdirs(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name);
  } catch {
    // A pod or container removed while we walk: it simply is not there any more.
    return [];
  }
}

/**
 * Every container cgroup under the kubelet's `kubepods` tree, with either driver: guaranteed pods
 * sit directly under it, burstable and best-effort ones one level down.
 */
export function findContainerCgroups(root: string, version: CgroupVersion): ContainerCgroup[] {
  const hierarchy = version === 2 ? root : join(root, 'memory');
  const found: ContainerCgroup[] = [];
  for (const top of ['kubepods', 'kubepods.slice']) {
    const kubepods = join(hierarchy, top);
    if (!existsSync(kubepods)) continue;
    const podDirs: string[] = [];
    for (const name of subdirs(kubepods)) {
      if (POD_DIR.test(name)) podDirs.push(join(kubepods, name));
      else if (QOS_DIR.test(name)) {
        for (const pod of subdirs(join(kubepods, name))) if (POD_DIR.test(pod)) podDirs.push(join(kubepods, name, pod));
      }
    }
    for (const podDir of podDirs) {
      const m = POD_DIR.exec(podDir.slice(podDir.lastIndexOf('/') + 1))!;
      const podUid = m[1] ?? m[2]!.replaceAll('_', '-');
      for (const name of subdirs(podDir)) {
        const c = CONTAINER_DIR.exec(name);
        if (c) found.push({ podUid, containerId: c[1]!, dir: join(podDir, name) });
      }
    }
  }
  return found;
}
