/**
 * `npm run bench -- event-center`: the event store over K2_BENCH_EVENT_CENTER_EVENTS (1,000,000)
 * events spread over 7 days, 3 clusters, 60 namespaces and 300 workloads:
 *  - bulk index rate through EventStore.writeEvents, into SQLite and into a real Elasticsearch;
 *  - the ceiling: raw `_bulk` of the same documents, already serialised as NDJSON in requests of
 *    the same size and concurrency, into the same node with the same template;
 *  - search p95 and histogram p95 on both, for a namespace member (3 namespaces) and an admin,
 *    with filters, full text and time ranges (K2_BENCH_EVENT_CENTER_QUERIES each, 200).
 * Events are generated (and serialised for the ceiling) outside the timers; only writing is timed.
 * The ceiling and the EventStore alternate segment by segment on the same node.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ElasticsearchEventStore, SqliteEventStore } from '@k2/event-store';

const EVENTS = Number(process.env.K2_BENCH_EVENT_CENTER_EVENTS ?? 1_000_000);
const QUERIES = Number(process.env.K2_BENCH_EVENT_CENTER_QUERIES ?? 200);
const SEGMENT = 50_000;
const ES_SH = fileURLToPath(new URL('../servers/elasticsearch.sh', import.meta.url));
const SPAN_MS = 7 * 86_400_000;
const START = Date.parse('2026-03-01T00:00:00.000Z');
const BULK = { maxBytes: 5 * 1024 * 1024, concurrency: 2 };

const CLUSTERS = ['east', 'west', 'test'];
const NAMESPACES = Array.from({ length: 60 }, (_, i) => `ns-${i}`);
const REASONS = [
  ['BackOff', 'Warning', 'Back-off restarting failed container app in pod'],
  ['Unhealthy', 'Warning', 'Readiness probe failed: HTTP probe failed with statuscode: 503'],
  ['FailedScheduling', 'Warning', '0/40 nodes are available: insufficient memory, preemption is not helpful'],
  ['Failed', 'Warning', 'Failed to pull image registry.local/app:v2: rpc error: not found'],
  ['OOMKilling', 'Warning', 'Memory cgroup out of memory: Killed process java'],
  ['Pulled', 'Normal', 'Successfully pulled image registry.local/app:v1 in 1.2s'],
  ['Created', 'Normal', 'Created container app'],
  ['Started', 'Normal', 'Started container app'],
  ['Scheduled', 'Normal', 'Successfully assigned pod to node'],
  ['ScalingReplicaSet', 'Normal', 'Scaled up replica set app to 3'],
];
const WORDS = ['restarting', 'probe', 'memory', 'image', 'container', 'assigned', 'scaled', 'killed'];

const hex = (s) => createHash('sha256').update(s).digest('hex').slice(0, 32);

/** Event i, deterministic: same i, same event. */
function event(i) {
  const ns = i % NAMESPACES.length;
  const cluster = CLUSTERS[ns % CLUSTERS.length];
  const namespace = NAMESPACES[ns];
  const workload = `app-${(i * 7) % 300}`;
  const [reason, type, text] = REASONS[(i * 13) % REASONS.length];
  const at = new Date(START + Math.floor((i / EVENTS) * SPAN_MS)).toISOString();
  const pod = `${workload}-7d9f-${(i % 997).toString(36)}`;
  return {
    schemaVersion: 1,
    id: hex(`bench-${i}`),
    fingerprint: hex(`fp-${cluster}-${namespace}-${workload}-${reason}`),
    cluster,
    namespace,
    involvedObject: { kind: 'Pod', name: pod, uid: hex(pod), fieldPath: 'spec.containers{app}' },
    workload: { kind: 'Deployment', name: workload },
    reason,
    message: `${text} ${pod} (event ${i})`,
    type,
    source: { component: 'kubelet', host: `node-${i % 40}` },
    count: 1 + (i % 5),
    occurrence: 1 + (i % 5),
    firstSeen: at,
    lastSeen: at,
  };
}

function* segments() {
  for (let from = 0; from < EVENTS; from += SEGMENT) {
    const events = [];
    for (let i = from; i < Math.min(EVENTS, from + SEGMENT); i++) events.push(event(i));
    yield events;
  }
}

/** Times only the writes: generation (and, for the ceiling, serialisation) happen between timers. */
async function indexRate(label, write) {
  let ms = 0;
  let n = 0;
  for (const events of segments()) {
    const prepared = await write.prepare(events);
    const t = performance.now();
    await write.send(prepared);
    ms += performance.now() - t;
    n += events.length;
    process.stderr.write(`\r${label}: ${n}/${EVENTS}`);
  }
  process.stderr.write('\n');
  return Math.round(n / (ms / 1000));
}

/** A seeded stream of queries, the same for both stores. */
function queries() {
  let seed = 42;
  const rnd = (n) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % n;
  };
  return Array.from({ length: QUERIES }, (_, k) => {
    const member = k % 2 === 0;
    const ns = rnd(NAMESPACES.length - 3);
    const scope = member
      ? [0, 1, 2].map((d) => ({ cluster: CLUSTERS[(ns + d) % CLUSTERS.length], namespace: NAMESPACES[ns + d] }))
      : undefined;
    const dayStart = START + rnd(6) * 86_400_000;
    const shape = k % 4;
    return {
      scope,
      ...(shape === 0 ? { q: WORDS[rnd(WORDS.length)] } : {}),
      ...(shape === 1 ? { types: ['Warning'], from: new Date(dayStart).toISOString() } : {}),
      ...(shape === 2 ? { reasons: [REASONS[rnd(REASONS.length)][0]], namespaces: [NAMESPACES[ns]] } : {}),
      ...(shape === 3
        ? { from: new Date(dayStart).toISOString(), to: new Date(dayStart + 3_600_000 * 6).toISOString() }
        : {}),
    };
  });
}

const p95 = (xs) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return Math.round(sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.95))] * 10) / 10;
};

async function latencies(store) {
  const search = [];
  const histogram = [];
  for (const q of queries()) {
    let t = performance.now();
    await store.search({ ...q, limit: 50 });
    search.push(performance.now() - t);
    t = performance.now();
    await store.histogram({
      ...q,
      from: q.from ?? new Date(START).toISOString(),
      to: q.to ?? new Date(START + SPAN_MS).toISOString(),
      buckets: 60,
    });
    histogram.push(performance.now() - t);
  }
  return { search: p95(search), histogram: p95(histogram) };
}

function esScript(action, dir) {
  return new Promise((resolve, reject) => {
    const p = spawn('bash', [ES_SH, action, dir], {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, K2_ES_HEAP: process.env.K2_ES_HEAP ?? '2g' },
    });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.on('error', reject);
    p.on('exit', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`elasticsearch.sh ${action} exited with ${code}`)),
    );
  });
}

/** Runs `use(url)` against an Elasticsearch started for it, stopped afterwards, also on failure or Ctrl-C. */
async function withElasticsearch(use) {
  const dir = mkdtempSync(join(tmpdir(), 'k2-bench-es-'));
  const interrupted = (signal) => {
    spawnSync('bash', [ES_SH, 'stop', dir], { stdio: 'inherit' });
    process.kill(process.pid, signal);
  };
  process.once('SIGINT', interrupted).once('SIGTERM', interrupted);
  try {
    const last = (await esScript('start', dir)).trim().split('\n').at(-1) ?? '';
    const { url } = JSON.parse(last.replace(/^K2_SERVER /, ''));
    return await use(url);
  } finally {
    process.off('SIGINT', interrupted).off('SIGTERM', interrupted);
    await esScript('stop', dir);
    rmSync(dir, { recursive: true, force: true });
  }
}

async function sqliteFigures() {
  const dir = mkdtempSync(join(tmpdir(), 'k2-bench-sqlite-'));
  const store = new SqliteEventStore({ path: join(dir, 'events.db') });
  try {
    await store.init();
    const rate = await indexRate('sqlite', { prepare: (e) => e, send: (e) => store.writeEvents(e) });
    return { rate, ...(await latencies(store)) };
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function elasticsearchFigures(url) {
  // The ceiling gets its own indices under the same template settings (refresh 1s, 1 shard). The
  // two alternate segment by segment, so both meet the same JVM warmth, merges and index sizes.
  const ceilingStore = new ElasticsearchEventStore({ url, prefix: 'ceiling', bulk: BULK });
  const store = new ElasticsearchEventStore({ url, prefix: 'bench', bulk: BULK });
  try {
    await ceilingStore.init();
    await store.init();
    const ms = { ceiling: 0, store: 0 };
    let n = 0;
    let k = 0;
    for (const events of segments()) {
      const bodies = serialise(events);
      const runs = [
        async () => {
          const t = performance.now();
          await sendRaw(url, bodies);
          ms.ceiling += performance.now() - t;
        },
        async () => {
          const t = performance.now();
          const { rejected } = await store.writeEvents(events);
          ms.store += performance.now() - t;
          if (rejected.length > 0) throw new Error(`rejected: ${rejected[0].reason}`);
        },
      ];
      for (const r of k++ % 2 === 0 ? runs : runs.reverse()) await r();
      n += events.length;
      process.stderr.write(`\relasticsearch, ceiling and EventStore alternating: ${n}/${EVENTS}`);
    }
    process.stderr.write('\n');
    await ceilingStore.client.indices.delete({ index: 'ceiling-*' });
    await store.refresh();
    await store.client.indices.forcemerge({ index: 'bench-events-*', max_num_segments: 5 }).catch(() => undefined);
    return {
      rate: Math.round(n / (ms.store / 1000)),
      ceiling: Math.round(n / (ms.ceiling / 1000)),
      ...(await latencies(store)),
    };
  } finally {
    await ceilingStore.close();
    await store.close();
  }
}

/** The same documents and actions the store sends, as NDJSON request bodies of at most BULK.maxBytes. */
function serialise(events) {
  const bodies = [];
  let lines = [];
  let bytes = 0;
  for (const e of events) {
    const day = e.lastSeen.slice(0, 10).replaceAll('-', '.');
    const line = `{"create":{"_index":"ceiling-events-${day}","_id":"${e.id}"}}\n${JSON.stringify({ ...e, k2: { node: e.source.host } })}\n`;
    const size = Buffer.byteLength(line);
    if (lines.length > 0 && bytes + size > BULK.maxBytes) {
      bodies.push(lines.join(''));
      lines = [];
      bytes = 0;
    }
    lines.push(line);
    bytes += size;
  }
  if (lines.length > 0) bodies.push(lines.join(''));
  return bodies;
}

async function sendRaw(url, bodies) {
  let next = 0;
  const worker = async () => {
    while (next < bodies.length) {
      const body = bodies[next++];
      const res = await fetch(`${url}/_bulk?filter_path=errors`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-ndjson' },
        body,
      });
      const json = await res.json();
      if (!res.ok || json.errors)
        throw new Error(`raw _bulk failed: ${res.status} ${JSON.stringify(json).slice(0, 300)}`);
    }
  };
  await Promise.all(Array.from({ length: BULK.concurrency }, worker));
}

export async function run() {
  process.stderr.write(
    `event-center bench: ${EVENTS} events over 7 days; ${QUERIES} searches and histograms per store\n`,
  );
  const es = await withElasticsearch(elasticsearchFigures);
  const sqlite = await sqliteFigures();
  const results = {
    es_index_events_per_s: es.rate,
    es_bulk_ceiling_events_per_s: es.ceiling,
    sqlite_index_events_per_s: sqlite.rate,
    es_search_p95_ms: es.search,
    es_histogram_p95_ms: es.histogram,
    sqlite_search_p95_ms: sqlite.search,
    sqlite_histogram_p95_ms: sqlite.histogram,
  };
  const pct = Math.round((es.rate / es.ceiling) * 100);
  console.log(`events stored: ${EVENTS} (7 days, 3 clusters, 60 namespaces, 300 workloads)`);
  console.log(`Elasticsearch ceiling, raw _bulk of serialised NDJSON: ${es.ceiling} events/s`);
  console.log(
    `Elasticsearch EventStore.writeEvents: ${es.rate} events/s (${pct}% of the ceiling; target ≥ 10000 and ≥ 60%)`,
  );
  console.log(`SQLite EventStore.writeEvents:        ${sqlite.rate} events/s`);
  console.log(
    `Elasticsearch search p95 ${es.search} ms (target ≤ 150), histogram p95 ${es.histogram} ms (target ≤ 300)`,
  );
  console.log(`SQLite search p95 ${sqlite.search} ms, histogram p95 ${sqlite.histogram} ms`);
  console.log(JSON.stringify({ bench: 'event-center', results }));
}
