/**
 * `npm run bench -- exporter`: one Prometheus scrape of the exporter's /metrics at
 * K2_BENCH_EXPORTER_CONTAINERS (10,000) containers, and the exporter's RSS:
 *   - cluster mode: 100 nodes of 100 containers, each node's kubelet /metrics/cadvisor read
 *     through the simulator's nodes/proxy, parsed, named and served; the baseline is the raw
 *     parse (parse-prometheus-text-format) of the same cAdvisor text, in the same run;
 *   - node mode: 10,000 containers on one node, read from a cgroup v2 tree (systemd driver) of
 *     real-looking files; the baseline is merely reading the same files.
 * The simulator (this file, forked) and the exporter (exporter-process.js, with the heap flags
 * `k2 exporter` runs with) each run in a child process, so the RSS is the exporter process's own
 * (after a full GC) and a scrape is an HTTP request to it, as Prometheus makes; each mode's
 * exporter is a fresh process.
 */
import { fork } from 'node:child_process';
import http from 'node:http';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { ExporterKubeConfig, findContainerCgroups } from '@k2/exporter';

const CONTAINERS = Number(process.env.K2_BENCH_EXPORTER_CONTAINERS ?? 10_000);
const NODES = 100;
const SCRAPES = 5;
const MiB = 2 ** 20;

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const round = (x, d = 1) => Math.round(x * 10 ** d) / 10 ** d;

/** Child process: a simulator with `containers` pods of one container spread over `nodes` nodes. */
async function simulator() {
  const { KubeSimulator, ScenarioBuilder } = await import('@k2/kube-sim');
  const { containers, nodes } = JSON.parse(process.env.K2_BENCH_EXPORTER_SIM);
  const b = new ScenarioBuilder('exporter-bench');
  const names = Array.from({ length: nodes }, (_, i) => `node-${i + 1}`);
  for (const n of names) b.node(n);
  const pods = [];
  const perDeployment = 100;
  for (let d = 0; d * perDeployment < containers; d++) {
    const replicas = Math.min(perDeployment, containers - d * perDeployment);
    pods.push(...b.deployment(`team-${d % 50}`, `app-${d}`, replicas, names, undefined, '1Gi'));
  }
  const sim = new KubeSimulator({ virtualTime: true, scenarios: [b.build()] });
  await sim.start();
  sim.advance(1_000);
  process.send({ type: 'ready', kubeconfig: sim.kubeconfig(), pods: pods.map((p) => p.uid) });
  process.on('message', async (m) => {
    if (m.type === 'stop') {
      await sim.stop();
      process.exit(0);
    }
  });
}

async function startSim(containers, nodes) {
  const child = fork(fileURLToPath(import.meta.url), [], {
    env: { ...process.env, K2_BENCH_EXPORTER_SIM: JSON.stringify({ containers, nodes }) },
  });
  const ready = await new Promise((resolve, reject) => {
    child.once('message', resolve);
    child.once('exit', (code) => reject(new Error(`simulator exited (${code}) before it was ready`)));
  });
  return {
    kubeconfig: ready.kubeconfig,
    kube: ExporterKubeConfig.fromString(ready.kubeconfig),
    podUids: ready.pods,
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', resolve);
        child.send({ type: 'stop' });
      }),
  };
}

async function exporter(kubeconfig, overrides) {
  const child = fork(fileURLToPath(new URL('./exporter-process.js', import.meta.url)), [], {
    // K2_BENCH_EXPORTER_NODE_ARGS adds node flags to the exporter process, e.g. `--cpu-prof`.
    execArgv: process.env.K2_BENCH_EXPORTER_NODE_ARGS?.split(' ').filter(Boolean) ?? [],
    env: { ...process.env, K2_BENCH_EXPORTER_PROC: JSON.stringify({ kubeconfig, overrides }) },
  });
  const reply = () =>
    new Promise((resolve, reject) => {
      child.once('message', resolve);
      child.once('exit', (code) => reject(new Error(`exporter exited (${code})`)));
    });
  const { url } = await reply();
  const ask = async (type) => {
    const answer = reply();
    child.send({ type });
    return answer;
  };
  return {
    url,
    /** RSS a second after a full GC (and right after it). */
    rss: async () => {
      const { rss, atGc } = await ask('rss');
      return { rss, atGc };
    },
    /** CPU time the exporter process has used so far, ms. */
    cpu: async () => (await ask('cpu')).ms,
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', resolve);
        child.send({ type: 'stop' });
      }),
  };
}

/**
 * One scrape as Prometheus makes it: a GET whose body is read as bytes and then decoded whole.
 * (Through fetch's web streams, reading 15 MB cost this process about 40 ms more per scrape.)
 */
function scrape(url) {
  return new Promise((resolve, reject) => {
    http
      .get(url, (res) => {
        if (res.statusCode !== 200) reject(new Error(`GET ${url}: HTTP ${res.statusCode}`));
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
        res.on('error', reject);
      })
      .on('error', reject);
  });
}

/**
 * Times SCRAPES scrapes after one warm-up; returns the median ms, the exporter's CPU time per
 * scrape (steadier than wall time on a shared machine) and the series count of the last.
 */
async function timeScrapes({ url, cpu }) {
  const times = [];
  let text = '';
  let cpuStart = 0;
  for (let i = 0; i <= SCRAPES; i++) {
    if (i === 1) cpuStart = await cpu();
    const start = performance.now();
    text = await scrape(`${url}/metrics`);
    if (i > 0) times.push(performance.now() - start);
  }
  const cpuMs = (await cpu()) - cpuStart;
  const containers = text
    .split('\n')
    .filter((l) => l.startsWith('k2_container_memory_usage_minus_cache_bytes{')).length;
  return { ms: median(times), cpuMs: cpuMs / SCRAPES, containers };
}

async function clusterMode() {
  const sim = await startSim(CONTAINERS, NODES);
  try {
    const running = await exporter(sim.kubeconfig, {});
    const { rss: exporterRss, stop } = running;
    try {
      const { ms, cpuMs, containers } = await timeScrapes(running);
      const { rss, atGc: rssAtGc } = await exporterRss();
      // Baseline: the same cAdvisor text, fetched once, parsed raw.
      const server = sim.kube.getCurrentCluster().server;
      const { fetchWithKube } = await import('../../services/exporter/dist/kube/fetch.js');
      const texts = await Promise.all(
        Array.from({ length: NODES }, (_, i) =>
          fetchWithKube(sim.kube, `${server}/api/v1/nodes/node-${i + 1}/proxy/metrics/cadvisor`, 30_000),
        ),
      );
      const parses = [];
      for (let r = 0; r < SCRAPES; r++) {
        const start = performance.now();
        for (const t of texts) parsePrometheusTextFormat(t);
        parses.push(performance.now() - start);
      }
      return {
        ms,
        cpuMs,
        containers,
        rss,
        rssAtGc,
        baselineMs: median(parses),
        bytes: texts.reduce((n, t) => n + t.length, 0),
      };
    } finally {
      await stop();
    }
  } finally {
    await sim.stop();
  }
}

/** A cgroup v2 tree, systemd driver, with one container scope per pod: the builder's container id is sha256(uid). */
async function writeCgroupTree(root, podUids) {
  const { createHash } = await import('node:crypto');
  writeFileSync(join(root, 'cgroup.controllers'), 'cpuset cpu io memory hugetlb pids rdma misc\n');
  const qos = join(root, 'kubepods.slice', 'kubepods-burstable.slice');
  podUids.forEach((uid, i) => {
    const id = createHash('sha256').update(uid).digest('hex');
    const dir = join(qos, `kubepods-burstable-pod${uid.replaceAll('-', '_')}.slice`, `cri-containerd-${id}.scope`);
    mkdirSync(dir, { recursive: true });
    const anon = (200 + (i % 300)) * MiB;
    const file = (100 + (i % 200)) * MiB;
    writeFileSync(join(dir, 'memory.current'), `${anon + file}\n`);
    writeFileSync(join(dir, 'memory.max'), `${1024 * MiB}\n`);
    writeFileSync(
      join(dir, 'memory.stat'),
      `anon ${anon}\nfile ${file}\nkernel 1048576\nkernel_stack 262144\nshmem ${4 * MiB}\nfile_mapped ${8 * MiB}\n` +
        `inactive_anon 0\nactive_anon ${anon}\ninactive_file ${file / 2}\nactive_file ${file / 2}\nunevictable 0\n` +
        `slab 786432\npgfault 123456\npgmajfault 12\n`,
    );
  });
}

async function nodeMode() {
  const sim = await startSim(CONTAINERS, 1);
  const root = mkdtempSync(join(tmpdir(), 'k2-bench-cgroup-'));
  try {
    await writeCgroupTree(root, sim.podUids);
    const running = await exporter(sim.kubeconfig, { mode: 'node', nodeName: 'node-1', cgroupRoot: root });
    const { rss: exporterRss, stop } = running;
    try {
      const { ms, cpuMs, containers } = await timeScrapes(running);
      const { rss, atGc: rssAtGc } = await exporterRss();
      // Baseline: walking the tree and reading the same three files per container, nothing else.
      const reads = [];
      for (let r = 0; r < SCRAPES; r++) {
        const start = performance.now();
        for (const cg of findContainerCgroups(root, 2)) {
          for (const f of ['memory.current', 'memory.stat', 'memory.max']) readFileSync(join(cg.dir, f), 'utf8');
        }
        reads.push(performance.now() - start);
      }
      return { ms, cpuMs, containers, rss, rssAtGc, baselineMs: median(reads) };
    } finally {
      await stop();
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
    await sim.stop();
  }
}

export async function run() {
  console.log(`exporter: ${CONTAINERS} containers; median of ${SCRAPES} scrapes of /metrics after a warm-up`);
  // K2_BENCH_EXPORTER_ONLY=cluster|node runs one mode (no JSON line), for comparing changes quickly.
  const only = process.env.K2_BENCH_EXPORTER_ONLY;
  const cluster = only === 'node' ? undefined : await clusterMode();
  if (cluster) {
    console.log(
      `cluster mode (${NODES} kubelets via nodes/proxy): ${round(cluster.ms)} ms per scrape ` +
        `(exporter CPU ${round(cluster.cpuMs)} ms), ${cluster.containers} containers ` +
        `(target <= 250); baseline raw parse of the same ${round(cluster.bytes / MiB)} MiB of cAdvisor text: ` +
        `${round(cluster.baselineMs)} ms (scrape = ${round(cluster.ms / cluster.baselineMs, 2)}x baseline); ` +
        `RSS ${round(cluster.rss / MiB)} MB (${round(cluster.rssAtGc / MiB)} MB right after the GC)`,
    );
  }
  const node = only === 'cluster' ? undefined : await nodeMode();
  if (node) {
    console.log(
      `node mode (cgroup v2, systemd driver): ${round(node.ms)} ms per scrape (exporter CPU ${round(node.cpuMs)} ms), ` +
        `${node.containers} containers ` +
        `(target <= 250); baseline reading the same files: ${round(node.baselineMs)} ms ` +
        `(scrape = ${round(node.ms / node.baselineMs, 2)}x baseline); RSS ${round(node.rss / MiB)} MB ` +
        `(${round(node.rssAtGc / MiB)} MB right after the GC)`,
    );
  }
  if (!cluster || !node) return;
  const rssMb = Math.max(cluster.rss, node.rss) / MiB;
  console.log(
    `exporter process RSS a second after a full GC: cluster mode ${round(cluster.rss / MiB)} MB, node mode ${round(node.rss / MiB)} MB (target <= 150)`,
  );
  const results = {
    cluster_scrape_ms_10k: round(cluster.ms),
    node_scrape_ms_10k: round(node.ms),
    rss_mb_10k: round(rssMb),
  };
  console.log(JSON.stringify({ bench: 'exporter', results }));
}

if (process.env.K2_BENCH_EXPORTER_SIM) await simulator();
