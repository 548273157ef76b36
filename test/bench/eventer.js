/**
 * `npm run bench -- eventer`: events per second from the simulator's watch through the eventer
 * (normalise, owner resolution, fingerprint, publish, checkpoint), on the in-process bus and on a
 * real Kafka, against the ceiling of merely reading and JSON.parse-ing the same watch.
 *
 * The simulator and the generator run here; each consumer (eventer or ceiling client) runs in a
 * child process (eventer-process.js), so its rate and its RSS are its own. A run writes
 * K2_BENCH_EVENTER_EVENTS (100,000) distinct Events in chunks, yielding between chunks, and is
 * timed from the first write until the consumer has them all: for the eventer, until its
 * checkpointed position reaches the last event's resourceVersion. The RSS is the in-process
 * eventer's at that moment, so it includes the embedded bus, which holds each record until a
 * reader (as the converger in `k2 up`) has committed it; the Kafka eventer's is printed beside it.
 *
 * K2_BENCH_CPU_PROF=DIR runs the consumers with `node --cpu-prof`, writing DIR/<mode>.cpuprofile.
 */
import { fork, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KubeSimulator } from '@k2/kube-sim';
import { coreEvent, workloads } from './cluster-events.js';

const EVENTS = Number(process.env.K2_BENCH_EVENTER_EVENTS ?? 100_000);
const CPU_PROF = process.env.K2_BENCH_CPU_PROF;
const CHUNK = 500;
const TIMEOUT_MS = 300_000;
const KAFKA_SH = fileURLToPath(new URL('../servers/kafka.sh', import.meta.url));

const epochNow = () => performance.timeOrigin + performance.now();

/** Writes events in chunks, yielding between them so the simulator streams while the generator writes. */
async function produce(write) {
  for (let i = 0; i < EVENTS; i += CHUNK) {
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    for (let j = i; j < Math.min(EVENTS, i + CHUNK); j++) write(j, now);
    await new Promise((r) => setImmediate(r));
  }
}

/** The child's messages by type, kept until asked for; an error message or an early exit fails every wait. */
function inbox(child, mode) {
  const arrived = new Map();
  const waiting = new Map();
  let failure;
  const fail = (err) => {
    failure ??= err;
    for (const w of waiting.values()) w.reject(failure);
    waiting.clear();
  };
  child.on('message', (m) => {
    if (m.type === 'error') return fail(new Error(`${mode} process failed: ${m.error}`));
    const w = waiting.get(m.type);
    if (w) {
      waiting.delete(m.type);
      w.resolve(m);
    } else arrived.set(m.type, m);
  });
  child.on('exit', (code, signal) => fail(new Error(`${mode} process exited (${signal ?? code}) early`)));
  return (type) =>
    new Promise((resolve, reject) => {
      if (arrived.has(type)) return resolve(arrived.get(type));
      if (failure) return reject(failure);
      const timer = setTimeout(() => fail(new Error(`${mode}: no "${type}" within ${TIMEOUT_MS} ms`)), TIMEOUT_MS);
      const done = (f) => (v) => {
        clearTimeout(timer);
        f(v);
      };
      waiting.set(type, { resolve: done(resolve), reject: done(reject) });
    });
}

/** One run: a fresh simulator with the workloads, one consumer process, EVENTS events. */
async function measure(mode, extra = {}) {
  const dir = mkdtempSync(join(tmpdir(), `k2-bench-eventer-${mode}-`));
  const sim = new KubeSimulator({ historyLimit: EVENTS * 2 });
  await sim.start();
  const execArgv = CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${CPU_PROF}`, `--cpu-prof-name=${mode}.cpuprofile`] : [];
  const child = fork(fileURLToPath(new URL('./eventer-process.js', import.meta.url)), { execArgv });
  try {
    const next = inbox(child, mode);
    const { objects, pods } = workloads();
    for (const o of objects) sim.cluster.apply(o);
    const startRv = sim.cluster.store.resourceVersion;
    const target = startRv + EVENTS;
    const setup = { mode, dir, kubeconfig: sim.kubeconfig(), url: sim.url, token: sim.token, ca: sim.caCert };
    child.send({ ...setup, startRv, target, events: EVENTS, cluster: `bench-${mode}`, ...extra });
    const ready = await next('ready');
    const began = epochNow();
    await produce((i, now) => sim.cluster.apply(coreEvent(i, pods, now)));
    // Each write is one new version, so the last event's version is known in advance; check it.
    if (sim.cluster.store.resourceVersion !== target)
      throw new Error(`expected version ${target}, the simulator is at ${sim.cluster.store.resourceVersion}`);
    const done = await next('done');
    // It exits by itself once it has closed everything (and written its CPU profile); killed after 30 s.
    await new Promise((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', resolve);
      setTimeout(resolve, 30_000).unref();
    });
    const rate = EVENTS / ((done.at - began) / 1000);
    return {
      rate,
      cpuUsPerEvent: (done.cpu.user + done.cpu.system) / EVENTS,
      memory: done.memory,
      settled: done.settled,
      rssAtStart: ready.rssAtStart,
      batchSize: ready.batchSize,
    };
  } finally {
    if (child.exitCode === null) child.kill();
    await sim.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

function kafkaScript(action, dir) {
  return new Promise((resolve, reject) => {
    const p = spawn('bash', [KAFKA_SH, action, dir], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.on('error', reject);
    p.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`kafka.sh ${action} exited with ${code}`))));
  });
}

/** Runs `use(brokers)` against a Kafka started for it, and stops that Kafka afterwards, also on failure or Ctrl-C. */
async function withKafka(use) {
  const dir = mkdtempSync(join(tmpdir(), 'k2-bench-kafka-'));
  const interrupted = (signal) => {
    spawnSync('bash', [KAFKA_SH, 'stop', dir], { stdio: 'inherit' });
    process.kill(process.pid, signal);
  };
  process.once('SIGINT', interrupted).once('SIGTERM', interrupted);
  try {
    const last = (await kafkaScript('start', dir)).trim().split('\n').at(-1) ?? '';
    const { brokers } = JSON.parse(last.replace(/^K2_SERVER /, ''));
    return await use(brokers);
  } finally {
    process.off('SIGINT', interrupted).off('SIGTERM', interrupted);
    await kafkaScript('stop', dir);
    rmSync(dir, { recursive: true, force: true });
  }
}

const mb = (bytes) => Math.round((bytes / 2 ** 20) * 10) / 10;

export async function run() {
  process.stderr.write(`eventer bench: ${EVENTS} distinct events; simulator here, each consumer in a child process\n`);
  const ceiling = await measure('ceiling');
  const inproc = await measure('inproc');
  const kafka = await withKafka((brokers) => measure('kafka', { brokers }));
  const results = {
    inproc_events_per_s: Math.round(inproc.rate),
    kafka_events_per_s: Math.round(kafka.rate),
    ceiling_events_per_s: Math.round(ceiling.rate),
    rss_mb_100k: mb(inproc.memory.rss),
  };
  const pct = ((inproc.rate / ceiling.rate) * 100).toFixed(0);
  console.log(`ceiling (read the watch, JSON.parse each line): ${results.ceiling_events_per_s} events/s`);
  console.log(
    `eventer, in-process bus + file checkpoint:      ${results.inproc_events_per_s} events/s (${pct}% of the ceiling; target ≥ 20000 and ≥ 40%)`,
  );
  console.log(
    `eventer, Kafka + checkpoint in k2.checkpoints:  ${results.kafka_events_per_s} events/s (target ≥ 10000)`,
  );
  console.log(
    `RSS after ${EVENTS} events, in-process eventer:  ${results.rss_mb_100k} MB (target < 200; ${mb(inproc.rssAtStart)} MB before the first event; ${mb(inproc.memory.arrayBuffers)} MB of buffers, records a reader has not committed yet)`,
  );
  console.log(
    `RSS after ${EVENTS} events, Kafka eventer:       ${mb(kafka.memory.rss)} MB (${mb(kafka.rssAtStart)} MB before the first event; no records kept)`,
  );
  console.log(
    `after a full GC: in-process ${mb(inproc.settled.rss)} MB RSS (${mb(inproc.settled.heapUsed)} of ${mb(inproc.settled.heapTotal)} MB heap, ${mb(inproc.settled.arrayBuffers)} MB buffers), Kafka ${mb(kafka.settled.rss)} MB RSS (${mb(kafka.settled.heapUsed)} of ${mb(kafka.settled.heapTotal)} MB heap; at the moment ${mb(kafka.memory.heapTotal)})`,
  );
  const cpu = (m) => `${m.cpuUsPerEvent.toFixed(1)} µs`;
  console.log(
    `CPU per event (consumer process, user + system): ceiling ${cpu(ceiling)}, in-process ${cpu(inproc)}, Kafka ${cpu(kafka)}`,
  );
  console.log(`batch size ${inproc.batchSize} (configuration default)`);
  console.log(JSON.stringify({ bench: 'eventer', results }));
}
