/**
 * `npm run bench -- dispatcher`: the alert dispatcher against Debian's Alertmanager, same workload, same run.
 *   - notifications/s: K2_BENCH_DISPATCHER_ALERTS (10,000) incidents, each its own group, published
 *     to k2.incidents on the in-process bus, through routing (a route tree with matchers) and
 *     grouping (group_wait 0) to a local webhook; timed until the webhook has every one;
 *   - p99 first-alert latency: 300 incidents one at a time (every 10 ms), from the publish to the
 *     webhook receiving its notification;
 *   - Alertmanager: the same alerts in through its v2 API (batches of 500), a webhook receiver,
 *     `group_wait: 0s`, grouped by every label; same two figures.
 * Each side first handles K2_BENCH_DISPATCHER_WARMUP (10,000) other alerts the same way, untimed:
 * a dispatcher runs for months, so the figures are of a warm one (for K2, code V8 has compiled;
 * after 2,000 alerts V8's compiler threads still took ~80 µs per notification of the timed run,
 * after 10,000 ~25 µs, as much as later on).
 * Last line: {"bench":"dispatcher","results":{...}}.
 */
import { fork, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InProcessBus } from '@k2/bus';
import { INCIDENTS_TOPIC } from '@k2/contracts';
import { parseRoutingYaml, startDispatcherService } from '@k2/dispatcher';
import { createLogger } from '@k2/log';

const ALERTS = Number(process.env.K2_BENCH_DISPATCHER_ALERTS ?? 10000);
const WARMUP = Number(process.env.K2_BENCH_DISPATCHER_WARMUP ?? 10000);
const LATENCY_SAMPLES = 300;
const LATENCY_GAP_MS = 10;
const AM_SH = fileURLToPath(new URL('../servers/alertmanager.sh', import.meta.url));
const log = createLogger({ name: 'bench-dispatcher', level: 'warn' });

/** A webhook in a child process (dispatcher-sink.js) that calls `onAlert(name, at)` for every alert it receives. */
async function webhook(onAlert) {
  const child = fork(fileURLToPath(new URL('./dispatcher-sink.js', import.meta.url)), [], { stdio: 'inherit' });
  const url = await new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('message', (m) => resolve(m.url));
  });
  child.on('message', (m) => {
    if (Array.isArray(m)) for (const [name, at] of m) onAlert(name, at);
  });
  return {
    url,
    close: () =>
      new Promise((resolve) => {
        child.once('exit', resolve);
        child.kill();
      }),
  };
}

/** Records first arrivals; `waitFor(names)` resolves once all of them arrived. */
function collector() {
  const seen = new Map();
  let waiter;
  let last = 0;
  return {
    get last() {
      return last;
    },
    onAlert(name, at) {
      if (seen.has(name)) return;
      seen.set(name, at);
      last = at;
      if (waiter?.pending.delete(name) && waiter.pending.size === 0) waiter.resolve();
    },
    seen,
    waitFor(names, timeoutMs = 300_000) {
      const pending = new Set(names.filter((n) => !seen.has(n)));
      if (pending.size === 0) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`timed out: ${pending.size} missing`)), timeoutMs);
        waiter = { pending, resolve: () => (clearTimeout(timer), (waiter = undefined), resolve()) };
      });
    },
  };
}

const now = () => performance.timeOrigin + performance.now();

const p99 = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(s.length * 0.99) - 1)];
};

function incident(name, i) {
  const at = new Date().toISOString();
  return {
    schemaVersion: 1,
    id: i.toString(16).padStart(32, '0'),
    cluster: 'bench',
    namespace: `team-${i % 50}`,
    workload: { kind: 'Deployment', name },
    class: i % 3 === 0 ? 'oom_kill' : 'crash_loop',
    status: 'open',
    severity: i % 3 === 0 ? 'critical' : 'warning',
    firstSeen: at,
    lastSeen: at,
    count: 1,
    affected: [],
    otherAffected: 0,
    flapping: false,
    reopens: 0,
    summary: `${name} is failing`,
    transition: 'opened',
    transitionAt: at,
    seq: 1,
    effects: [],
  };
}

async function benchK2() {
  const c = collector();
  const hook = await webhook(c.onAlert);
  const dir = mkdtempSync(join(tmpdir(), 'k2-bench-dispatcher-'));
  const bus = new InProcessBus({ log });
  const routing = parseRoutingYaml(
    `
route:
  receiver: hook
  group_by: ['...']
  group_wait: 0s
  routes:
    - matchers: ['severity="critical"', 'namespace=~"team-(1|2|3)"']
      receiver: hook
    - matchers: ['class="oom_kill"']
      receiver: hook
receivers:
  - name: hook
    webhook: { url: "${hook.url}" }
    concurrency: 64
`,
    'bench.yaml',
  );
  const service = await startDispatcherService({
    config: {
      enabled: true,
      stateDir: dir,
      groupId: 'bench',
      api: { tokens: [] },
      http: { host: '127.0.0.1', port: 0 },
    },
    bus,
    log,
    partitions: 6,
    routing,
  });
  try {
    const send = async (names, from) => {
      for (let i = 0; i < names.length; i += 500)
        await bus.publish(
          INCIDENTS_TOPIC,
          names.slice(i, i + 500).map((n, j) => ({ key: `${from + i + j}`, value: incident(n, from + i + j) })),
        );
      await c.waitFor(names);
    };
    await send(
      Array.from({ length: WARMUP }, (_, i) => `k2-warm-${i}`),
      ALERTS + LATENCY_SAMPLES,
    );
    const names = Array.from({ length: ALERTS }, (_, i) => `k2-${i}`);
    const t0 = now();
    await send(names, 0);
    const rate = ALERTS / ((c.last - t0) / 1000);
    const latencies = [];
    for (let i = 0; i < LATENCY_SAMPLES; i++) {
      const name = `k2-lat-${i}`;
      const t = now();
      await bus.publish(INCIDENTS_TOPIC, [{ key: name, value: incident(name, ALERTS + i) }]);
      await c.waitFor([name], 10_000);
      latencies.push(c.seen.get(name) - t);
      await new Promise((r) => setTimeout(r, LATENCY_GAP_MS));
    }
    return { rate, p99: p99(latencies) };
  } finally {
    await service.stop();
    await bus.close();
    await hook.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function amScript(action, dir, env = {}) {
  return new Promise((resolve, reject) => {
    const p = spawn('bash', [AM_SH, action, dir], {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, ...env },
    });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.on('error', reject);
    p.on('exit', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`alertmanager.sh ${action} exited with ${code}`)),
    );
  });
}

async function benchAlertmanager() {
  const c = collector();
  const hook = await webhook(c.onAlert);
  const dir = mkdtempSync(join(tmpdir(), 'k2-bench-am-'));
  const config = join(dir, 'alertmanager.yml');
  writeFileSync(
    config,
    [
      "route: { receiver: hook, group_by: ['...'], group_wait: 0s, group_interval: 1m, repeat_interval: 4h }",
      'receivers:',
      '  - name: hook',
      '    webhook_configs:',
      `      - url: ${hook.url}/`,
    ].join('\n'),
  );
  const stop = () => spawnSync('bash', [AM_SH, 'stop', dir], { stdio: 'inherit' });
  const interrupted = (signal) => {
    stop();
    process.kill(process.pid, signal);
  };
  process.once('SIGINT', interrupted).once('SIGTERM', interrupted);
  try {
    const last = (await amScript('start', dir, { K2_ALERTMANAGER_CONFIG: config })).trim().split('\n').at(-1) ?? '';
    const { url } = JSON.parse(last.replace(/^K2_SERVER /, ''));
    const post = async (alerts) => {
      const res = await fetch(`${url}/api/v2/alerts`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(alerts),
      });
      if (!res.ok) throw new Error(`alertmanager answered ${res.status}: ${await res.text()}`);
    };
    const alert = (name, i) => {
      const inc = incident(name, i);
      return {
        labels: {
          alertname: inc.class,
          cluster: inc.cluster,
          namespace: inc.namespace,
          workload: name,
          severity: inc.severity,
          class: inc.class,
        },
        annotations: { summary: inc.summary },
        startsAt: inc.firstSeen,
      };
    };
    const send = async (names, from) => {
      for (let i = 0; i < names.length; i += 500)
        await post(names.slice(i, i + 500).map((n, j) => alert(n, from + i + j)));
      await c.waitFor(names);
    };
    await send(
      Array.from({ length: WARMUP }, (_, i) => `am-warm-${i}`),
      ALERTS + LATENCY_SAMPLES,
    );
    const names = Array.from({ length: ALERTS }, (_, i) => `am-${i}`);
    const t0 = now();
    await send(names, 0);
    const rate = ALERTS / ((c.last - t0) / 1000);
    const latencies = [];
    for (let i = 0; i < LATENCY_SAMPLES; i++) {
      const name = `am-lat-${i}`;
      const t = now();
      await post([alert(name, ALERTS + i)]);
      await c.waitFor([name], 10_000);
      latencies.push(c.seen.get(name) - t);
      await new Promise((r) => setTimeout(r, LATENCY_GAP_MS));
    }
    return { rate, p99: p99(latencies) };
  } finally {
    process.removeListener('SIGINT', interrupted).removeListener('SIGTERM', interrupted);
    stop();
    await hook.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function run() {
  console.log(`dispatcher: ${ALERTS} alerts, each its own group, group_wait 0, to a local webhook`);
  const k2 = await benchK2();
  console.log(
    `  K2 dispatcher: ${k2.rate.toFixed(0)} notifications/s; p99 first alert ${k2.p99.toFixed(1)} ms (bus publish → webhook)`,
  );
  const am = await benchAlertmanager();
  console.log(
    `  Alertmanager:  ${am.rate.toFixed(0)} notifications/s; p99 first alert ${am.p99.toFixed(1)} ms (v2 API → webhook)`,
  );
  console.log(
    `  ratio K2/Alertmanager: throughput ${(k2.rate / am.rate).toFixed(2)}x, p99 ${(k2.p99 / am.p99).toFixed(2)}x`,
  );
  console.log(
    JSON.stringify({
      bench: 'dispatcher',
      results: {
        notifications_per_s: Math.round(k2.rate),
        p99_first_alert_ms: Number(k2.p99.toFixed(1)),
        am_notifications_per_s: Math.round(am.rate),
        am_p99_first_alert_ms: Number(am.p99.toFixed(1)),
      },
    }),
  );
}
