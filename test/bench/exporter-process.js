/**
 * The exporter bench's exporter process: an exporter on the simulator's cluster, with the heap
 * flags `k2 exporter` runs with, set as bin/k2.js sets them, before anything else loads. Answers
 * `rss` with its RSS after a full GC, and `cpu` with the CPU time it has used.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { setHeapFlags } from '../../services/cli/dist/heap-flags.js';

setHeapFlags('exporter');
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc');

const [{ InProcessBus }, { configSchema }, { ExporterKubeConfig, startExporterService }, { createLogger }] =
  await Promise.all([import('@k2/bus'), import('@k2/config'), import('@k2/exporter'), import('@k2/log')]);

const { kubeconfig, overrides } = JSON.parse(process.env.K2_BENCH_EXPORTER_PROC);
// The exporter's own light kubeconfig loader: client-node's KubeConfig loads its whole generated API.
const kc = ExporterKubeConfig.fromString(kubeconfig);
const bus = new InProcessBus();
const log = createLogger({ name: 'bench-exporter', level: 'warn' });
const config = configSchema.parse({ exporter: { http: { port: 0 }, ...overrides } }).exporter;
const service = await startExporterService({ config, cluster: 'bench', bus, kc, log, partitions: 1 });
process.send({ type: 'ready', url: service.url });
process.on('message', async (m) => {
  if (m.type === 'rss') {
    gc();
    const atGc = process.memoryUsage().rss;
    // V8 hands the pages a full GC freed back to the system from a background task: the RSS
    // an idle exporter keeps between scrapes is read a second later.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    process.send({ type: 'rss', rss: process.memoryUsage().rss, atGc });
  } else if (m.type === 'cpu') {
    const { user, system } = process.cpuUsage();
    process.send({ type: 'cpu', ms: (user + system) / 1000 });
  } else if (m.type === 'stop') {
    await service.stop();
    await bus.close();
    process.exit(0);
  }
});
