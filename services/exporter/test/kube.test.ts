import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ExporterKubeConfig, PodDirectory, SlimInformer } from '@k2/exporter';
import { KubeSimulator, type KubeObject } from '@k2/kube-sim';
import { quietLog, until } from './harness.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function startSim(): Promise<KubeSimulator> {
  const sim = new KubeSimulator({ virtualTime: true });
  await sim.start();
  cleanups.push(() => sim.stop());
  return sim;
}

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'k2-exporter-kube-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const job = (name: string, parallelism = 1): KubeObject => ({
  apiVersion: 'batch/v1',
  kind: 'Job',
  metadata: { namespace: 'shop', name },
  spec: { parallelism, template: { spec: { containers: [{ name: 'run', image: 'r/run:1' }] } } },
});

/** Keeps only the name and version: what a slim informer keeps is up to its slimmer. */
const slim = (o: { metadata?: { name?: string; namespace?: string; resourceVersion?: string } }) => ({
  metadata: {
    name: o.metadata?.name ?? '',
    namespace: o.metadata?.namespace,
    resourceVersion: o.metadata?.resourceVersion,
  },
});

describe('ExporterKubeConfig', () => {
  it('reads a kubeconfig file whose CA and token files are named relative to it, and lists with it', async () => {
    const sim = await startSim();
    const dir = tempDir();
    writeFileSync(join(dir, 'ca.crt'), sim.caCert);
    writeFileSync(join(dir, 'token'), `${JSON.parse(sim.kubeconfig()).users[0].user.token}\n`);
    const path = join(dir, 'config');
    writeFileSync(
      path,
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters:',
        `- name: sim\n  cluster:\n    server: ${sim.url}\n    certificate-authority: ca.crt`,
        'users:',
        '- name: reader\n  user:\n    token-file: token',
        'contexts:',
        '- name: sim\n  context:\n    cluster: sim\n    user: reader',
        'current-context: sim',
      ].join('\n'),
    );
    sim.cluster.apply(job('a'));
    const informer = new SlimInformer(ExporterKubeConfig.fromFile(path), '/apis/batch/v1/jobs', slim);
    cleanups.push(() => informer.stop());
    await informer.start();
    expect(informer.get('a', 'shop')?.metadata.name).toBe('a');
  });

  it('reads the in-cluster service account: host and port from the environment, token and CA from files', async () => {
    const sim = await startSim();
    const dir = tempDir();
    writeFileSync(join(dir, 'ca.crt'), sim.caCert);
    writeFileSync(join(dir, 'token'), JSON.parse(sim.kubeconfig()).users[0].user.token);
    const { hostname, port } = new URL(sim.url);
    const env = { host: process.env.KUBERNETES_SERVICE_HOST, port: process.env.KUBERNETES_SERVICE_PORT };
    cleanups.push(() => {
      for (const [k, v] of [
        ['KUBERNETES_SERVICE_HOST', env.host],
        ['KUBERNETES_SERVICE_PORT', env.port],
      ] as const) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    });
    process.env.KUBERNETES_SERVICE_HOST = hostname;
    process.env.KUBERNETES_SERVICE_PORT = port;
    sim.cluster.apply(job('b'));
    const informer = new SlimInformer(ExporterKubeConfig.inCluster(dir), '/apis/batch/v1/jobs', slim);
    cleanups.push(() => informer.stop());
    await informer.start();
    expect(informer.get('b', 'shop')).toBeDefined();
  });

  it('refuses exec and auth-provider credential plugins and proxies when loaded, naming the entry', () => {
    const config = (user: string, cluster = '') =>
      JSON.stringify({
        clusters: [
          { name: 'c', cluster: { server: 'https://127.0.0.1:6443', ...(cluster ? { 'proxy-url': cluster } : {}) } },
        ],
        users: [{ name: 'u', user: JSON.parse(user) }],
        contexts: [{ name: 'x', context: { cluster: 'c', user: 'u' } }],
        'current-context': 'x',
      });
    expect(() => ExporterKubeConfig.fromString(config('{"exec":{"command":"aws"}}'))).toThrow(
      /user u: exec credential plugins are not supported by the exporter/,
    );
    expect(() => ExporterKubeConfig.fromString(config('{"auth-provider":{"name":"oidc"}}'))).toThrow(
      /user u: auth-provider/,
    );
    expect(() => ExporterKubeConfig.fromString(config('{"token":"t"}', 'http://proxy:3128'))).toThrow(
      /cluster c: proxy-url is not supported/,
    );
  });
});

describe('SlimInformer', () => {
  it('follows adds, changes and deletes, and after a cut connection and expired history lists again', async () => {
    const sim = await startSim();
    sim.cluster.apply(job('a'));
    sim.cluster.apply(job('b'));
    const seen: string[] = [];
    const informer = new SlimInformer(
      ExporterKubeConfig.fromString(sim.kubeconfig()),
      '/apis/batch/v1/jobs',
      slim,
      {
        add: (o) => seen.push(`add ${o.metadata.name}`),
        update: (o) => seen.push(`update ${o.metadata.name}`),
        delete: (o) => seen.push(`delete ${o.metadata.name}`),
      },
      { retryMs: 50 },
    );
    cleanups.push(() => informer.stop());
    await informer.start();
    expect(informer.size).toBe(2);

    sim.cluster.apply(job('c'));
    sim.cluster.apply(job('a', 2));
    sim.cluster.remove(job('b'));
    await until(async () => (informer.size === 2 && seen.includes('delete b') ? true : undefined), 'watch events');
    expect(seen).toEqual(['add a', 'add b', 'add c', 'update a', 'delete b']);

    // While the watch is down, c goes and d comes, and the history it would resume from is gone.
    sim.dropConnections();
    sim.cluster.remove(job('c'));
    sim.cluster.apply(job('d'));
    sim.cluster.store.compact();
    await until(async () => (informer.get('d', 'shop') && !informer.get('c', 'shop') ? true : undefined), 'relist');
    expect(seen.slice(5).sort()).toEqual(['add d', 'delete c']);
  });
});

describe('PodDirectory', () => {
  const replicaSet = (deployment: string): KubeObject => ({
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      namespace: 'shop',
      name: 'web-6d9f',
      ownerReferences: [
        { apiVersion: 'apps/v1', kind: 'Deployment', name: deployment, uid: `uid-${deployment}`, controller: true },
      ],
    },
    spec: { replicas: 0, selector: { matchLabels: { app: 'web' } }, template: { spec: { containers: [] } } },
  });
  const pod: KubeObject = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      namespace: 'shop',
      name: 'web-6d9f-x1x2y',
      ownerReferences: [
        { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-6d9f', uid: 'uid-rs', controller: true },
      ],
    },
    spec: { nodeName: 'node-1', containers: [{ name: 'app', image: 'r/web:1' }] },
  };

  it("names a pod's workload anew once an owner in its chain changes", async () => {
    const sim = await startSim();
    sim.cluster.apply(replicaSet('web'));
    sim.cluster.apply(pod);
    const directory = new PodDirectory(ExporterKubeConfig.fromString(sim.kubeconfig()), quietLog);
    cleanups.push(() => directory.stop());
    await directory.start();
    const named = () => directory.resolve('shop', { kind: 'Pod', name: 'web-6d9f-x1x2y', uid: '' });
    expect(named()).toEqual({ kind: 'Deployment', name: 'web' });
    expect(named()).toEqual({ kind: 'Deployment', name: 'web' });

    // The ReplicaSet is adopted by another Deployment; the pod itself does not change.
    sim.cluster.apply(replicaSet('web-v2'));
    await until(async () => (named().name === 'web-v2' ? true : undefined), 'the new owner named');
    expect(named()).toEqual({ kind: 'Deployment', name: 'web-v2' });
  });
});
