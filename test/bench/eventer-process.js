/**
 * The consumer side of the eventer benchmark, in its own process so that its CPU and memory are
 * not the simulator's (which runs in the parent, with the generator). Started by eventer.js with
 * `fork`; it gets its setup as the first IPC message, answers `ready` once it is watching, and
 * `done` with the time (epoch ms) at which it had everything and its memory at that moment.
 *
 * It runs with the V8 flags `k2 eventer` runs with. Modes: `inproc` (Eventer on an InProcessBus
 * with a FileCheckpoint), `kafka` (KafkaBus and a BusCheckpoint on k2.checkpoints), `ceiling` (an
 * HTTPS watch client that only JSON.parses lines).
 */
import https from 'node:https';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { join } from 'node:path';
import { setHeapFlags } from '../../services/cli/dist/heap-flags.js';

// The V8 flags `k2 eventer` sets before anything else loads (bin/k2.js).
setHeapFlags('eventer');
const { KubeConfig } = await import('@kubernetes/client-node');
const { Registry } = await import('prom-client');
const { CompactedTable, InProcessBus, KafkaBus } = await import('@k2/bus');
const { configSchema } = await import('@k2/config');
const { BusCheckpoint, Eventer, eventerMetrics, EVENTS_TOPIC, FileCheckpoint, OwnerResolver } =
  await import('@k2/eventer');
const { createLogger } = await import('@k2/log');

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc');

const epochNow = () => performance.timeOrigin + performance.now();
const log = createLogger({ name: 'bench-eventer', level: 'warn' });

/** Eventer as `k2 up` and `k2 eventer` wire it, with the configuration defaults and no leader election. */
async function eventer(setup) {
  const defaults = configSchema.parse({});
  const config = defaults.eventer;
  const kc = new KubeConfig();
  kc.loadFromString(setup.kubeconfig);
  const kafka = setup.mode === 'kafka';
  const bus = kafka ? new KafkaBus({ brokers: setup.brokers, clientId: 'k2-bench', log }) : new InProcessBus({ log });
  await bus.ensureTopics([{ name: EVENTS_TOPIC, partitions: defaults.bus.partitions }]);
  // As in `k2 up`, something reads k2.events (there, the converger and the event center): the
  // embedded bus lets go of what every reader has committed.
  if (!kafka) await bus.subscribe({ topics: EVENTS_TOPIC, groupId: 'downstream', batchHandler: async () => {} });
  let checkpoint;
  if (kafka) {
    const table = new CompactedTable(bus, 'k2.checkpoints');
    await table.ensure();
    checkpoint = new BusCheckpoint(table, `eventer/${setup.cluster}`);
  } else checkpoint = new FileCheckpoint(join(setup.dir, 'checkpoint.jsonl'));
  const owners = new OwnerResolver(kc, log);
  await owners.start();
  const e = new Eventer(
    {
      cluster: setup.cluster,
      namespaces: config.namespaces,
      include: config.include,
      exclude: config.exclude,
      maxEventAgeMs: config.maxEventAgeSeconds * 1000,
      queueLimit: config.queueLimit,
      batchSize: config.batchSize,
    },
    { kc, bus, checkpoint, owners, metrics: eventerMetrics(new Registry()), log },
  );
  await e.startStreams();
  const cpuAtStart = process.cpuUsage();
  send({ type: 'ready', batchSize: config.batchSize, rssAtStart: process.memoryUsage().rss });
  // A 1 ms poll of the position costs next to nothing and is at most 1 ms late.
  const at = await new Promise((resolve) => {
    const poll = setInterval(() => {
      if (e.position < setup.target) return;
      clearInterval(poll);
      resolve(epochNow());
    }, 1);
  });
  const cpu = process.cpuUsage(cpuAtStart);
  const memory = process.memoryUsage();
  // What stays once the burst's garbage is collected: the eventer's own state (and the embedded bus's records).
  gc();
  await new Promise((r) => setTimeout(r, 500));
  gc();
  const settled = process.memoryUsage();
  await e.stopStreams();
  await owners.stop();
  await bus.close();
  return { at, cpu, memory, settled };
}

/** The ceiling: read the same watch and JSON.parse every line, nothing more. */
function ceiling(setup) {
  return new Promise((resolve, reject) => {
    const url = `${setup.url}/api/v1/events?watch=true&allowWatchBookmarks=true&resourceVersion=${setup.startRv}`;
    const req = https.get(url, { headers: { authorization: `Bearer ${setup.token}` }, ca: setup.ca }, (res) => {
      const cpuAtStart = process.cpuUsage();
      send({ type: 'ready' });
      let buffer = '';
      let seen = 0;
      res.setEncoding('utf8');
      res.on('data', (chunk) => {
        buffer += chunk;
        let start = 0;
        let nl;
        while ((nl = buffer.indexOf('\n', start)) >= 0) {
          const line = JSON.parse(buffer.slice(start, nl));
          if (line.type !== 'BOOKMARK') seen++;
          start = nl + 1;
        }
        buffer = buffer.slice(start);
        if (seen >= setup.events) {
          resolve({ at: epochNow(), cpu: process.cpuUsage(cpuAtStart), memory: process.memoryUsage() });
          req.destroy();
        }
      });
    });
    req.on('error', reject);
  });
}

function send(message) {
  return new Promise((resolve) => process.send(message, resolve));
}

process.once('message', async (setup) => {
  try {
    const result = setup.mode === 'ceiling' ? await ceiling(setup) : await eventer(setup);
    await send({ type: 'done', ...result });
    process.exit(0);
  } catch (err) {
    await send({ type: 'error', error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
    process.exit(1);
  }
});
