import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { InProcessBus } from '@k2/bus';
import { configSchema } from '@k2/config';
import { startExporterService } from '@k2/exporter';
import { KubeSimulator, type KubeObject } from '@k2/kube-sim';
import { kubeConfigFor } from '../../../libs/kube-sim/test/helpers.js';
import { MiB, quietLog, sample, scrape } from './harness.js';

const FIXTURES = join(import.meta.dirname, 'fixtures', 'cgroup');
const POD_UID = '8f3c2a51-6d2e-4b7a-9c1e-2f5d7a8b9c01';
const APP = '3f9a1c7e5b2d4f6081a3c5e7f9b1d3a5c7e9f1b3d5a7c9e1f3b5d7a9c1e3f5a7';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const objects = (node: string): KubeObject[] => [
  { apiVersion: 'v1', kind: 'Node', metadata: { name: node } },
  { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { namespace: 'shop', name: 'api', uid: 'd-1' } },
  {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      namespace: 'shop',
      name: 'api-5d8f7c9b4',
      uid: 'rs-1',
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'api', uid: 'd-1', controller: true }],
    },
  },
  {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      namespace: 'shop',
      name: 'api-5d8f7c9b4-x7k2p',
      uid: POD_UID,
      ownerReferences: [
        { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'api-5d8f7c9b4', uid: 'rs-1', controller: true },
      ],
    },
    spec: { nodeName: node, containers: [{ name: 'api', image: 'registry.local/api:2' }] },
    status: { phase: 'Running', containerStatuses: [{ name: 'api', containerID: `containerd://${APP}`, ready: true }] },
  },
];

describe.each(['v1-cgroupfs', 'v1-systemd', 'v2-cgroupfs', 'v2-systemd'])('exporter, node mode on %s', (layout) => {
  it('names the container through the API and reports the fixture container by the definitions', async () => {
    const sim = new KubeSimulator({ virtualTime: true });
    await sim.start();
    cleanups.push(() => sim.stop());
    for (const o of objects('node-f')) sim.cluster.apply(o);
    const bus = new InProcessBus();
    cleanups.push(() => bus.close());
    const config = configSchema.parse({
      exporter: { mode: 'node', nodeName: 'node-f', cgroupRoot: join(FIXTURES, layout), http: { port: 0 } },
    }).exporter;
    const service = await startExporterService({
      config,
      cluster: 'test',
      bus,
      kc: kubeConfigFor(sim),
      log: quietLog,
      partitions: 1,
    });
    cleanups.push(() => service.stop());

    const m = await scrape(service.url);
    const labels = {
      cluster: 'test',
      namespace: 'shop',
      pod: 'api-5d8f7c9b4-x7k2p',
      container: 'api',
      workload_kind: 'Deployment',
      workload: 'api',
      node: 'node-f',
    };
    expect(sample(m, 'k2_container_memory_usage_minus_cache_bytes', labels)).toBe(700 * MiB);
    expect(sample(m, 'k2_container_memory_working_set_bytes', labels)).toBe(1100 * MiB);
    expect(sample(m, 'k2_container_memory_cache_bytes', labels)).toBe(900 * MiB);
    expect(sample(m, 'k2_container_memory_rss_bytes', labels)).toBe(600 * MiB);
    expect(sample(m, 'k2_container_memory_limit_bytes', labels)).toBe(2048 * MiB);
    // the pause sandbox is not a container of the pod's status: not reported
    expect(m.get('k2_container_memory_usage_minus_cache_bytes')).toHaveLength(1);
    expect(sample(m, 'k2_exporter_source_up', { source: 'cgroup', node: 'node-f' })).toBe(1);
  });
});

describe('exporter, node mode between scrapes', () => {
  it('reads every container afresh at each scrape, and drops one whose cgroup is gone', async () => {
    const root = mkdtempSync(join(tmpdir(), 'k2-exporter-cgroup-'));
    cleanups.push(async () => rmSync(root, { recursive: true, force: true }));
    cpSync(join(FIXTURES, 'v2-systemd'), root, { recursive: true });
    const sim = new KubeSimulator({ virtualTime: true });
    await sim.start();
    cleanups.push(() => sim.stop());
    for (const o of objects('node-f')) sim.cluster.apply(o);
    const bus = new InProcessBus();
    cleanups.push(() => bus.close());
    const config = configSchema.parse({
      exporter: { mode: 'node', nodeName: 'node-f', cgroupRoot: root, http: { port: 0 } },
    }).exporter;
    const service = await startExporterService({
      config,
      cluster: 'test',
      bus,
      kc: kubeConfigFor(sim),
      log: quietLog,
      partitions: 1,
    });
    cleanups.push(() => service.stop());
    const usage = async () => sample(await scrape(service.url), 'k2_container_memory_usage_minus_cache_bytes');

    expect(await usage()).toBe(700 * MiB);
    const app = join(
      root,
      'kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod8f3c2a51_6d2e_4b7a_9c1e_2f5d7a8b9c01.slice',
      `cri-containerd-${APP}.scope`,
    );
    // 100 MiB more anonymous memory
    writeFileSync(join(app, 'memory.current'), `${1600 * MiB}\n`);
    expect(await usage()).toBe(800 * MiB);
    rmSync(app, { recursive: true });
    expect(await usage()).toBeUndefined();
    expect(sample(await scrape(service.url), 'k2_exporter_source_up', { source: 'cgroup' })).toBe(1);
  });
});

describe('exporter, node mode config', () => {
  it('refuses node mode without a node name, naming the field', () => {
    const parsed = configSchema.safeParse({ exporter: { mode: 'node' } });
    expect(parsed.success).toBe(false);
    expect(JSON.stringify(parsed.error?.issues)).toContain('nodeName');
  });
});
