import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { CgroupVersion } from './files.js';

/** A pod's cgroup directory and the uid its name carries. */
export interface PodCgroup {
  podUid: string;
  dir: string;
}

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
 * Every pod cgroup under the kubelet's `kubepods` tree, with either driver: guaranteed pods sit
 * directly under it, burstable and best-effort ones one level down.
 */
export function findPodCgroups(root: string, version: CgroupVersion): PodCgroup[] {
  const hierarchy = version === 2 ? root : join(root, 'memory');
  const found: PodCgroup[] = [];
  const add = (parent: string, name: string) => {
    const m = POD_DIR.exec(name);
    if (m) found.push({ podUid: m[1] ?? m[2]!.replaceAll('_', '-'), dir: `${parent}/${name}` });
  };
  for (const top of ['kubepods', 'kubepods.slice']) {
    const kubepods = join(hierarchy, top);
    if (!existsSync(kubepods)) continue;
    for (const name of subdirs(kubepods)) {
      if (QOS_DIR.test(name)) for (const pod of subdirs(`${kubepods}/${name}`)) add(`${kubepods}/${name}`, pod);
      else add(kubepods, name);
    }
  }
  return found;
}

/** The container cgroups (the pause sandbox's included) in one pod's cgroup directory. */
export function containerCgroups(pod: PodCgroup): ContainerCgroup[] {
  const found: ContainerCgroup[] = [];
  for (const name of subdirs(pod.dir)) {
    const c = CONTAINER_DIR.exec(name);
    if (c) found.push({ podUid: pod.podUid, containerId: c[1]!, dir: `${pod.dir}/${name}` });
  }
  return found;
}

/** Every container cgroup under the kubelet's `kubepods` tree. */
export function findContainerCgroups(root: string, version: CgroupVersion): ContainerCgroup[] {
  return findPodCgroups(root, version).flatMap(containerCgroups);
}
