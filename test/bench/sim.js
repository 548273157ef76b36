import https from 'node:https';
import { KubeSimulator, servingCert } from '@k2/kube-sim';
import { readWatch } from './watch-client.js';

const EVENTS = Number(process.env.K2_BENCH_SIM_EVENTS ?? 100_000);
const CHUNK = 500;

function event(i) {
  const pod = `cart-7d9f8c6b5-${(i % 997).toString(36).padStart(5, 'x')}`;
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: {
      name: `${pod}.${i.toString(16)}`,
      namespace: 'shop',
      uid: `00000000-0000-4000-8000-${i.toString(16).padStart(12, '0')}`,
    },
    involvedObject: {
      apiVersion: 'v1',
      kind: 'Pod',
      name: pod,
      namespace: 'shop',
      uid: `pod-${i % 997}`,
      fieldPath: 'spec.containers{cart}',
    },
    reason: 'BackOff',
    message: `Back-off restarting failed container cart in pod ${pod}_shop(pod-${i % 997})`,
    source: { component: 'kubelet', host: `node-${i % 7}` },
    firstTimestamp: '2026-01-01T00:00:00Z',
    lastTimestamp: '2026-01-01T00:00:00Z',
    count: 1,
    type: 'Warning',
    eventTime: null,
    reportingComponent: 'kubelet',
    reportingInstance: `node-${i % 7}`,
  };
}

/** Writes changes in chunks, yielding between them so the server can flush to the client. */
async function produce(write) {
  for (let i = 0; i < EVENTS; i += CHUNK) {
    for (let j = i; j < Math.min(EVENTS, i + CHUNK); j++) write(j);
    await new Promise((r) => setImmediate(r));
  }
}

async function simulatorRate() {
  const sim = new KubeSimulator({ historyLimit: EVENTS * 2 });
  await sim.start();
  const url = `${sim.url}/api/v1/events?watch=true&resourceVersion=${sim.cluster.store.resourceVersion}`;
  const reading = readWatch(url, { token: sim.token, ca: sim.caCert, count: EVENTS });
  await new Promise((r) => setTimeout(r, 200));
  const began = performance.now();
  await produce((i) => sim.cluster.apply(event(i)));
  const { last } = await reading;
  await sim.stop();
  return EVENTS / ((last - began) / 1000);
}

/** The ceiling: a bare HTTPS server serialising and writing the same events, with the same TLS and client. */
async function baselineRate() {
  const tls = await servingCert();
  const server = https.createServer({ key: tls.key, cert: tls.cert }, (req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.flushHeaders();
    let rv = 0;
    let corked = false;
    void produce((i) => {
      if (!corked) {
        corked = true;
        res.cork();
        process.nextTick(() => {
          corked = false;
          res.uncork();
        });
      }
      const obj = event(i);
      obj.metadata = { ...obj.metadata, resourceVersion: String(++rv) };
      res.write(`{"type":"ADDED","object":${JSON.stringify(obj)}}\n`);
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const began = performance.now();
  const { last } = await readWatch(`https://127.0.0.1:${server.address().port}/`, { ca: tls.cert, count: EVENTS });
  server.closeAllConnections();
  server.close();
  return EVENTS / ((last - began) / 1000);
}

export async function run() {
  process.stderr.write(`sim bench: ${EVENTS} events through one watch\n`);
  const baseline = Math.round(await baselineRate());
  const rate = Math.round(await simulatorRate());
  console.log(`baseline (bare HTTPS server, same client): ${baseline} events/s`);
  console.log(
    `simulator watch stream:                    ${rate} events/s (${((rate / baseline) * 100).toFixed(0)}% of baseline; target 50000)`,
  );
  console.log(
    JSON.stringify({
      bench: 'sim',
      results: {
        watch_events_per_s: rate,
        baseline_events_per_s: baseline,
        ratio_to_baseline: Number((rate / baseline).toFixed(2)),
      },
    }),
  );
}
