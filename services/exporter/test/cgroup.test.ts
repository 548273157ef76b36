import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  detectCgroupVersion,
  findContainerCgroups,
  readCgroupMemory,
  usageMinusCache,
  type CgroupVersion,
} from '@k2/exporter';
import { MiB } from './harness.js';

const FIXTURES = join(import.meta.dirname, 'fixtures', 'cgroup');
const POD_UID = '8f3c2a51-6d2e-4b7a-9c1e-2f5d7a8b9c01';
const APP = '3f9a1c7e5b2d4f6081a3c5e7f9b1d3a5c7e9f1b3d5a7c9e1f3b5d7a9c1e3f5a7';
const PAUSE = '9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c8b7a6f5e4d3c2b1a0f9e8d';

/**
 * One container in each layout: 600 MiB anon and 900 MiB page cache, of which 400 MiB is active
 * file and 100 MiB is shmem (so 400 MiB of inactive file); limit 2 GiB.
 */
const LAYOUTS: [name: string, version: CgroupVersion][] = [
  ['v1-cgroupfs', 1],
  ['v1-systemd', 1],
  ['v2-cgroupfs', 2],
  ['v2-systemd', 2],
];

describe.each(LAYOUTS)('cgroup %s', (layout, version) => {
  const root = join(FIXTURES, layout);

  it('is detected as the right cgroup version', () => {
    expect(detectCgroupVersion(root)).toBe(version);
  });

  it('finds the pod uid and the container ids (the pause sandbox included) from the path', () => {
    const found = findContainerCgroups(root, version).map(({ podUid, containerId }) => ({ podUid, containerId }));
    expect(found.sort((a, b) => a.containerId.localeCompare(b.containerId))).toEqual([
      { podUid: POD_UID, containerId: APP },
      { podUid: POD_UID, containerId: PAUSE },
    ]);
  });

  it('reads usage minus cache (shmem added back), working set and cache by the definitions', () => {
    const app = findContainerCgroups(root, version).find((c) => c.containerId === APP)!;
    const m = readCgroupMemory(app.dir, version);
    // usage 1500 MiB (600 anon + 900 cache); minus 900 cache, plus 100 shmem
    expect(usageMinusCache(m)).toBe(700 * MiB);
    // usage minus 400 MiB inactive file
    expect(m.workingSet).toBe(1100 * MiB);
    expect(m.cache).toBe(900 * MiB);
    expect(m.rss).toBe(600 * MiB);
    expect(m.limit).toBe(2048 * MiB);
  });

  it('reports no limit for an unlimited cgroup', () => {
    const pause = findContainerCgroups(root, version).find((c) => c.containerId === PAUSE)!;
    expect(readCgroupMemory(pause.dir, version).limit).toBeUndefined();
  });
});

describe('usage minus cache', () => {
  it('never goes below zero when cache is read after usage dropped', () => {
    expect(usageMinusCache({ usage: 10 * MiB, cache: 12 * MiB, shmem: 0 })).toBe(0);
  });
});
