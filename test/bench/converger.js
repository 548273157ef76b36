/**
 * `npm run bench -- converger`: the converger with K2_BENCH_CONVERGER_FINGERPRINTS (100,000)
 * active fingerprints, one crash-looping Deployment each (made active first, untimed):
 *   - events per second through the converger service's runner on the in-process bus (consume,
 *     decide, publish incidents, commit), against the core alone on the same events in the same run;
 *   - bytes of state per active fingerprint: heap held by the core after a full GC, divided by
 *     the fingerprints (and the core's own JSON-length estimate beside it);
 *   - seconds for `k2 replay` of the shared crashloop-storm scenario, end to end.
 */
import { existsSync } from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { frozen, InProcessBus } from '@k2/bus';
import { EVENTS_TOPIC, normalizeCoreEventUnresolved, withWorkload } from '@k2/contracts';
import { Registry } from 'prom-client';
import { Converger, ConvergerRunner, convergerMetrics, defaultPolicy } from '@k2/converger';
import { createLogger } from '@k2/log';
import { configSchema } from '@k2/config';
import { loadScenario } from '@k2/kube-sim';
import { replay } from '../../services/cli/dist/replay.js';

const FINGERPRINTS = Number(process.env.K2_BENCH_CONVERGER_FINGERPRINTS ?? 100_000);
/** Occurrences that make the fingerprints active (the third opens each crash-loop incident: 3 restarts), untimed. */
const WARMUP = 3;
/** Occurrences then timed: every event lands on an active fingerprint. */
const MEASURED = 3;
const STORM = fileURLToPath(new URL('../../../shared/scenarios/crashloop-storm.jsonl', import.meta.url));
const T0 = Date.parse('2026-01-01T00:00:00Z');
const log = createLogger({ name: 'bench-converger', level: 'warn' });

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc');

/** Occurrence `o` of fingerprint `w`: a BackOff on the pod of Deployment app-w, spread over a minute per round. */
function event(w, o) {
  const ns = `team-${w % 200}`;
  const pod = `app-${w}-7d9f8c6b5-${(w % 46656).toString(36).padStart(5, 'x')}`;
  // Whole seconds, as Kubernetes stamps events.
  const at = new Date(T0 + (o - 1) * 60_000 + Math.floor((w / FINGERPRINTS) * 60) * 1000).toISOString();
  const raw = {
    metadata: { name: `${pod}.${w.toString(16)}`, namespace: ns, uid: `uid-${w}` },
    involvedObject: { kind: 'Pod', name: pod, namespace: ns, uid: `pod-${w}`, fieldPath: 'spec.containers{app}' },
    reason: 'BackOff',
    message: `Back-off restarting failed container app in pod ${pod}_${ns}(pod-${w})`,
    type: 'Warning',
    source: { component: 'kubelet', host: `node-${w % 50}` },
    count: o,
    firstTimestamp: new Date(T0).toISOString(),
    lastTimestamp: at,
  };
  const r = normalizeCoreEventUnresolved(raw, { cluster: 'bench' });
  if (!r.ok) throw new Error(r.error);
  return withWorkload(r.event, { kind: 'Deployment', name: `app-${w}` });
}

/** Round by round, as they would arrive: every fingerprint's occurrence `from`, then the next, … */
function rounds(from, to) {
  const out = [];
  for (let o = from; o <= to; o++) for (let w = 0; w < FINGERPRINTS; w++) out.push(event(w, o));
  return out;
}

const lastAt = (events) => Date.parse(events[events.length - 1].lastSeen);

function feed(c, events) {
  for (let i = 0; i < events.length; i++) {
    c.apply(events[i]);
    if (i % 500 === 499) c.tick(Date.parse(events[i].lastSeen) - 5_000);
  }
  c.tick(lastAt(events) - 5_000);
}

function core(warmup, events) {
  const c = new Converger(defaultPolicy());
  feed(c, warmup);
  const began = performance.now();
  feed(c, events);
  return { rate: events.length / ((performance.now() - began) / 1000), converger: c };
}

/**
 * Records as the eventer publishes them (deep-frozen K2Events, which the in-process bus hands to
 * the converger as they are), made up front so the publisher costs next to nothing.
 */
function records(events) {
  const chunks = [];
  for (let i = 0; i < events.length; i += 5_000)
    chunks.push(events.slice(i, i + 5_000).map((e) => ({ key: e.fingerprint, value: frozen(e) })));
  return chunks;
}

async function publishAll(bus, chunks) {
  for (const chunk of chunks) await bus.publish(EVENTS_TOPIC, chunk);
}

async function service(warmup, events) {
  const bus = new InProcessBus({ log });
  // With its metrics, as the service runs it.
  const metrics = convergerMetrics(new Registry(), {
    counters: () => runner.converger.counters,
    stateBytes: () => runner.converger.stateSize(),
    uncommitted: () => runner.uncommitted,
    incidents: () => runner.openRecords(),
    watermarkMs: () => runner.converger.watermark,
  });
  const runner = new ConvergerRunner(
    { groupId: 'bench', latenessMs: 5_000, idleMs: 3_600_000, partitions: 6, durable: false },
    { bus, policy: defaultPolicy(), log, metrics },
  );
  await runner.start();
  const consumed = async (n) => {
    while (runner.converger.counters.events < n) await new Promise((r) => setTimeout(r, 1));
  };
  const total = (chunks) => chunks.reduce((n, c) => n + c.length, 0);
  await publishAll(bus, warmup);
  await consumed(total(warmup));
  const began = performance.now();
  await publishAll(bus, events);
  await consumed(total(warmup) + total(events));
  const rate = total(events) / ((performance.now() - began) / 1000);
  await runner.stop();
  await bus.close();
  return rate;
}

/**
 * Heap the core holds for its fingerprints: events made one at a time, so only the state stays,
 * after one round made without a converger, so the normaliser's bounded caches are full before.
 */
function stateBytes() {
  for (let o = 1; o <= WARMUP; o++) for (let w = 0; w < FINGERPRINTS; w++) event(w, o);
  gc();
  const before = process.memoryUsage().heapUsed;
  const c = new Converger(defaultPolicy());
  for (let o = 1; o <= WARMUP; o++) for (let w = 0; w < FINGERPRINTS; w++) c.apply(event(w, o));
  c.tick(T0 + WARMUP * 60_000);
  gc();
  const heap = process.memoryUsage().heapUsed - before;
  return { heapPerFp: heap / FINGERPRINTS, jsonPerFp: c.stateSize() / FINGERPRINTS, keep: c };
}

export async function run() {
  process.stderr.write(
    `converger bench: ${FINGERPRINTS} fingerprints made active by ${WARMUP} occurrences each, then ${MEASURED} more each timed\n`,
  );
  let warmup = rounds(1, WARMUP);
  let events = rounds(WARMUP + 1, WARMUP + MEASURED);
  const coreRun = core(warmup, events);
  const open = coreRun.converger.snapshot().filter((i) => i.status === 'open').length;
  coreRun.converger = undefined;
  const chunks = { warmup: records(warmup), events: records(events) };
  // Only the records stay: the service's heap is its own.
  warmup = events = undefined;
  const serviceRate = await service(chunks.warmup, chunks.events);
  chunks.warmup = chunks.events = undefined;
  const state = stateBytes();
  let stormSeconds = NaN;
  if (existsSync(STORM)) {
    const out = mkdtempSync(join(tmpdir(), 'k2-bench-storm-'));
    const began = performance.now();
    await replay({ scenario: loadScenario(STORM), config: configSchema.parse({}), out, log });
    stormSeconds = (performance.now() - began) / 1000;
    rmSync(out, { recursive: true, force: true });
  } else process.stderr.write(`no ${STORM}: storm replay not measured\n`);
  const results = {
    events_per_s: Math.round(serviceRate),
    state_bytes_per_fingerprint: Math.round(state.heapPerFp),
    storm_replay_s: Math.round(stormSeconds * 100) / 100,
  };
  console.log(
    `core alone (apply + tick, no bus):             ${Math.round(coreRun.rate)} events/s (${open} incidents open)`,
  );
  console.log(
    `converger service on the in-process bus:       ${results.events_per_s} events/s (${((serviceRate / coreRun.rate) * 100).toFixed(0)}% of the core; target ≥ 50000)`,
  );
  console.log(
    `state per active fingerprint:                  ${results.state_bytes_per_fingerprint} bytes of heap (JSON estimate ${Math.round(state.jsonPerFp)}; target ≤ 1024)`,
  );
  console.log(`k2 replay of crashloop-storm, end to end:      ${results.storm_replay_s} s (target < 5)`);
  console.log(JSON.stringify({ bench: 'converger', results }));
}
