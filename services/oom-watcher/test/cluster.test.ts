import { readFileSync, writeFileSync } from 'node:fs';
import { CoreV1Api } from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import { InProcessBus, type Bus } from '@k2/bus';
import type { K2Event } from '@k2/contracts';
import { loadScenario, type KubeObject, type KubeSimulator } from '@k2/kube-sim';
import type { OomWatcher } from '@k2/oom-watcher';
import { ServiceHttp } from '@k2/service';
import { startSim } from '../../../libs/kube-sim/test/helpers.js';
import { sharedAvailable, sharedScenarioPath } from '../../../test/support/shared.js';
import { collect, quietLog, runWatcher, settle, sleep, tempCheckpoint } from './harness.js';

const running: OomWatcher[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((w) => w.stop()));
});

async function watch(...args: Parameters<typeof runWatcher>) {
  const r = await runWatcher(...args);
  running.push(r.watcher);
  return r;
}

async function stopped(w: OomWatcher): Promise<void> {
  running.splice(running.indexOf(w), 1);
  await w.stop();
}

/** Plays the scenario up to `until` (scenario ms) in steps, giving the watcher time after each. */
async function playTo(sim: KubeSimulator, until: number, step = 20_000): Promise<void> {
  while (sim.player.time < until) {
    sim.advance(Math.min(step, until - sim.player.time));
    await sleep(15);
  }
}

const LEDGER_POD = 'ledger-cddp9h684m-lzjzc';
const GI2 = 2 * 1024 ** 3;

function expectLedgerKill(e: K2Event, restartCount: number): void {
  expect(e).toMatchObject({
    cluster: 'test',
    namespace: 'billing',
    reason: 'OOMKilled',
    type: 'Warning',
    source: { component: 'k2-oom-watcher', host: 'node-1' },
    involvedObject: {
      kind: 'Pod',
      name: LEDGER_POD,
      uid: 'c349779e-e99d-4a3f-aa48-961c7a1a4af7',
      fieldPath: 'spec.containers{ledger}',
    },
    workload: { kind: 'Deployment', name: 'ledger' },
    message: 'Container ledger was OOM-killed (limit 2Gi)',
    oom: { container: 'ledger', limitBytes: GI2, restartCount, node: 'node-1' },
  });
  expect(e.oom!.finishedAt).toBe(e.lastSeen);
}

describe.runIf(sharedAvailable())('cluster mode, replaying oom-java', () => {
  const scenario = () => loadScenario(sharedScenarioPath('oom-java'));

  it('publishes exactly one OOMKilled K2Event per kill, with workload, limit and restart count', async () => {
    const { sim } = await startSim({ scenarios: [scenario()] });
    const bus = new InProcessBus();
    const events = await collect(bus);
    const { metric } = await watch(sim, bus, tempCheckpoint());
    await playTo(sim, 760_000);
    await settle(events, 3);
    expect(events).toHaveLength(3);
    events.forEach((e, i) => expectLedgerKill(e, i + 1));
    expect(new Set(events.map((e) => e.id)).size).toBe(3);
    // One problem: the kills share a fingerprint (the pod's name is resolved to its Deployment).
    expect(new Set(events.map((e) => e.fingerprint)).size).toBe(1);
    expect(await metric('k2_oom_watcher_kills_published_total')).toBe(3);
    // Each kill shows in two pod updates (crash-looping, then running again).
    expect(await metric('k2_oom_watcher_kills_deduplicated_total')).toBeGreaterThanOrEqual(3);
  });

  it('publishes nothing twice and misses nothing across restarts with the same checkpoint', async () => {
    const { sim } = await startSim({ scenarios: [scenario()] });
    const bus = new InProcessBus();
    const events = await collect(bus);
    const checkpoint = tempCheckpoint();

    const first = await watch(sim, bus, checkpoint);
    await playTo(sim, 365_000);
    await settle(events, 2);
    await stopped(first.watcher);

    // The second instance lists the pod still showing kill 2: already handled.
    const second = await watch(sim, bus, checkpoint);
    await sleep(300);
    expect(events).toHaveLength(2);
    expect(await second.metric('k2_oom_watcher_kills_deduplicated_total')).toBe(1);
    await stopped(second.watcher);

    // Kill 3 happens while no watcher runs; the third instance finds it in its first list.
    await playTo(sim, 760_000);
    await watch(sim, bus, checkpoint);
    await settle(events, 3);
    expect(events).toHaveLength(3);
    events.forEach((e, i) => expectLedgerKill(e, i + 1));
  });

  it('publishes nothing twice after a relist (history compacted while disconnected)', async () => {
    const { sim } = await startSim({ scenarios: [scenario()] });
    const bus = new InProcessBus();
    const events = await collect(bus);
    const { metric } = await watch(sim, bus, tempCheckpoint());
    await playTo(sim, 125_000);
    await settle(events, 1);
    const lists = await metric('k2_oom_watcher_pod_lists_total');

    sim.dropConnections();
    sim.advance(20_000); // the pod is running again, still showing kill 1
    sim.cluster.store.compact();
    const relisted = async () => (await metric('k2_oom_watcher_pod_lists_total')) > lists;
    for (let i = 0; i < 250 && !(await relisted()); i++) await sleep(20);
    expect(await relisted()).toBe(true);
    // The cut connection restarted the informer; its resumed watch got 410 Gone and it listed again.
    expect(await metric('k2_oom_watcher_informer_restarts_total')).toBeGreaterThanOrEqual(1);
    await sleep(200);
    expect(events).toHaveLength(1);

    await playTo(sim, 760_000);
    await settle(events, 3);
    expect(events.map((e) => e.oom?.restartCount)).toEqual([1, 2, 3]);
  });

  it('on the very first start, records kills older than 10 minutes without publishing them', async () => {
    const { sim } = await startSim({ scenarios: [scenario()] });
    await playTo(sim, 125_000);
    const bus = new InProcessBus();
    const events = await collect(bus);
    const checkpoint = tempCheckpoint();
    // Kill 1 ended at scenario 2:00; the watcher's clock says it is 20 minutes later.
    const late = () => Date.now() + 20 * 60_000;
    const first = await watch(sim, bus, checkpoint, {}, { now: late });
    await sleep(300);
    expect(events).toHaveLength(0);
    expect(await first.metric('k2_oom_watcher_kills_skipped_total', { reason: 'too_old' })).toBe(1);
    await stopped(first.watcher);

    // Not the first start any more: kill 1 stays handled, the kills after it are published.
    await watch(sim, bus, checkpoint);
    await playTo(sim, 760_000);
    await settle(events, 2);
    expect(events.map((e) => e.oom?.restartCount)).toEqual([2, 3]);
  });

  it("does not use another cluster's checkpoint: that start is a first start again", async () => {
    const { sim } = await startSim({ scenarios: [scenario()] });
    await playTo(sim, 125_000);
    const bus = new InProcessBus();
    const events = await collect(bus);
    const checkpoint = tempCheckpoint();
    writeFileSync(checkpoint, '{"c":"uid-of-another-cluster"}\n{"k":"0123456789abcdef0123456789abcdef"}\n');
    const { metric } = await watch(sim, bus, checkpoint, {}, { now: () => Date.now() + 20 * 60_000 });
    await sleep(300);
    expect(events).toHaveLength(0);
    expect(await metric('k2_oom_watcher_kills_skipped_total', { reason: 'too_old' })).toBe(1);
    expect(readFileSync(checkpoint, 'utf8')).not.toContain('another');
  });

  it('writes each kill back as an OOMKilling Event on the pod: count 1, then 2', async () => {
    const { sim, kc } = await startSim({ scenarios: [scenario()] });
    const bus = new InProcessBus();
    const events = await collect(bus);
    await watch(sim, bus, tempCheckpoint());
    const core = kc.makeApiClient(CoreV1Api);
    const written = async () =>
      (
        await core.listNamespacedEvent({
          namespace: 'billing',
          fieldSelector: `involvedObject.name=${LEDGER_POD},reason=OOMKilling`,
        })
      ).items;

    await playTo(sim, 125_000);
    await settle(events, 1);
    let items = await written();
    for (let i = 0; i < 100 && items.length === 0; i++, items = await written()) await sleep(20);
    expect(items).toHaveLength(1);
    const [event] = items;
    expect(event).toMatchObject({
      metadata: { name: expect.stringMatching(new RegExp(`^${LEDGER_POD}\\.k2oom\\.[0-9a-f]{10}$`)) },
      involvedObject: {
        kind: 'Pod',
        name: LEDGER_POD,
        namespace: 'billing',
        uid: 'c349779e-e99d-4a3f-aa48-961c7a1a4af7',
        fieldPath: 'spec.containers{ledger}',
      },
      reason: 'OOMKilling',
      type: 'Warning',
      count: 1,
      message: 'Container ledger was OOM-killed (limit 2Gi)',
      source: { component: 'k2-oom-watcher', host: 'node-1' },
      reportingComponent: 'k2-oom-watcher',
    });

    await playTo(sim, 365_000);
    await settle(events, 2);
    for (let i = 0; i < 100 && items[0]?.count !== 2; i++, items = await written()) await sleep(20);
    expect(items).toHaveLength(1);
    expect(items[0]!.count).toBe(2);
    expect(items[0]!.metadata!.name).toBe(event!.metadata!.name);
    expect(items[0]!.lastTimestamp!.getTime()).toBe(Date.parse(events[1]!.lastSeen));
    expect(items[0]!.firstTimestamp!.getTime()).toBe(Date.parse(events[0]!.lastSeen));
  });
});

const JOB_UID = '3b0f5a9e-1c2d-4e5f-8a9b-0c1d2e3f4a5b';

function jobObjects(finishedAt: string): KubeObject[] {
  return [
    {
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: { name: 'nightly-report', namespace: 'batch', uid: 'c0000000-0000-4000-8000-000000000001' },
      spec: {},
    },
    {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: {
        name: 'nightly-report-29454720',
        namespace: 'batch',
        uid: JOB_UID,
        ownerReferences: [
          {
            apiVersion: 'batch/v1',
            kind: 'CronJob',
            name: 'nightly-report',
            uid: 'c0000000-0000-4000-8000-000000000001',
            controller: true,
          },
        ],
      },
      spec: {},
    },
    {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: 'nightly-report-29454720-x7k2p',
        namespace: 'batch',
        uid: '7d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6',
        ownerReferences: [
          { apiVersion: 'batch/v1', kind: 'Job', name: 'nightly-report-29454720', uid: JOB_UID, controller: true },
        ],
      },
      spec: {
        nodeName: 'node-2',
        restartPolicy: 'Never',
        containers: [{ name: 'report', resources: { limits: { memory: '512Mi' } } }],
      },
      status: {
        phase: 'Failed',
        containerStatuses: [
          {
            name: 'report',
            restartCount: 0,
            ready: false,
            state: { terminated: { reason: 'OOMKilled', exitCode: 137, startedAt: finishedAt, finishedAt } },
            lastState: {},
          },
        ],
      },
    },
  ];
}

describe('cluster mode, other pods', () => {
  it('a Job pod that is not restarted (state.terminated OOMKilled) yields one event, owned by its CronJob', async () => {
    const { sim } = await startSim({});
    const bus = new InProcessBus();
    const events = await collect(bus);
    await watch(sim, bus, tempCheckpoint());
    const finishedAt = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    const objects = jobObjects(finishedAt);
    const pod = objects[2]!;
    // As in a cluster: the Job and its running pod exist a while before the pod is killed.
    for (const o of objects.slice(0, 2)) sim.cluster.apply(o);
    sim.cluster.apply({
      ...pod,
      status: { phase: 'Running', containerStatuses: [{ name: 'report', restartCount: 0, state: { running: {} } }] },
    });
    await sleep(200);
    sim.cluster.apply(pod);
    await settle(events, 1);
    // Later updates of the failed pod show the same kill.
    sim.cluster.apply({ ...pod, metadata: { ...pod.metadata, labels: { touched: 'yes' } } });
    await sleep(300);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      namespace: 'batch',
      workload: { kind: 'CronJob', name: 'nightly-report' },
      involvedObject: { kind: 'Pod', name: 'nightly-report-29454720-x7k2p' },
      message: 'Container report was OOM-killed (limit 512Mi)',
      oom: {
        container: 'report',
        limitBytes: 512 * 1024 ** 2,
        restartCount: 0,
        node: 'node-2',
        finishedAt: new Date(finishedAt).toISOString(),
      },
    });
  });

  it('lists a large cluster in pages', async () => {
    const { sim } = await startSim({});
    for (let i = 0; i < 1_100; i++) {
      const name = `web-${String(i).padStart(4, '0')}`;
      const killed = i === 1_050;
      sim.cluster.apply({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name, namespace: 'big', uid: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}` },
        spec: { nodeName: 'node-1', containers: [{ name: 'web' }] },
        status: {
          containerStatuses: [
            killed
              ? {
                  name: 'web',
                  restartCount: 1,
                  lastState: { terminated: { reason: 'OOMKilled', finishedAt: new Date().toISOString() } },
                }
              : { name: 'web', restartCount: 0, state: { running: {} } },
          ],
        },
      });
    }
    const bus = new InProcessBus();
    const events = await collect(bus);
    const { metric } = await watch(sim, bus, tempCheckpoint());
    await settle(events, 1);
    expect(events.map((e) => e.involvedObject.name)).toEqual(['web-1050']);
    expect(await metric('k2_oom_watcher_pod_lists_total')).toBe(1);
  });

  it('survives malformed pods: skips what it cannot read, counts it, and still reports the rest', async () => {
    const { sim } = await startSim({});
    const bus = new InProcessBus();
    const events = await collect(bus);
    const { metric } = await watch(sim, bus, tempCheckpoint());
    const base = { apiVersion: 'v1', kind: 'Pod' };
    const meta = (name: string) => ({
      name,
      namespace: 'junk',
      uid: `0000000${name.length}-0000-4000-8000-${name
        .padEnd(12, '0')
        .slice(0, 12)
        .replace(/[^0-9a-f]/g, 'a')}`,
    });
    sim.cluster.apply({ ...base, metadata: meta('nostatus') });
    sim.cluster.apply({ ...base, metadata: meta('nullstatus'), status: null } as unknown as KubeObject);
    sim.cluster.apply({ ...base, metadata: meta('notalist'), status: { containerStatuses: 'app' } });
    sim.cluster.apply({
      ...base,
      metadata: meta('garbage'),
      status: { containerStatuses: [null, 7, { name: 42 }] },
      spec: { containers: 'x' },
    });
    // A real kill with a broken finishedAt and an unparsable limit: identified by its restart count.
    sim.cluster.apply({
      ...base,
      metadata: meta('weird'),
      spec: { nodeName: 'node-1', containers: [{ name: 'app', resources: { limits: { memory: '2 Gigs' } } }] },
      status: {
        containerStatuses: [
          {
            name: 'app',
            restartCount: 4,
            lastState: { terminated: { reason: 'OOMKilled', finishedAt: 'the 45th of Smarch' } },
          },
        ],
      },
    });
    await settle(events, 1);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      involvedObject: { name: 'weird' },
      message: 'Container app was OOM-killed (limit unknown)',
      oom: { container: 'app', restartCount: 4 },
    });
    expect(events[0]!.oom!.limitBytes).toBeUndefined();
    expect(await metric('k2_oom_watcher_input_malformed_total', { reason: 'pod_container_status' })).toBe(3);
    expect(await metric('k2_oom_watcher_input_malformed_total', { reason: 'pod_timestamp' })).toBe(1);
    expect(await metric('k2_oom_watcher_input_malformed_total', { reason: 'pod_quantity' })).toBe(1);
  });

  it('serves /healthz, /readyz and /metrics through ServiceHttp', async () => {
    const { sim } = await startSim({});
    const bus = new InProcessBus();
    const http = new ServiceHttp({ name: 'oom-watcher', log: quietLog });
    const { watcher } = await watch(sim, bus, tempCheckpoint(), {}, { registry: http.registry });
    http.addReadinessCheck('oom-watcher', () => watcher.readiness());
    const url = await http.start();
    try {
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
      const ready = await fetch(`${url}/readyz`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toEqual({ ready: true, checks: { 'oom-watcher': true } });
      const metrics = await (await fetch(`${url}/metrics`)).text();
      for (const name of [
        'k2_oom_watcher_kills_detected_total',
        'k2_oom_watcher_kills_published_total',
        'k2_oom_watcher_kills_deduplicated_total',
        'k2_oom_watcher_events_written_total',
        'k2_oom_watcher_informer_restarts_total',
        'k2_oom_watcher_publish_failures_total',
        'k2_oom_watcher_queue_depth',
      ]) {
        expect(metrics).toContain(name);
      }
    } finally {
      await http.stop();
    }
  });

  /** The real bus behind a switch that makes publishing fail, as a broker outage would. */
  function switchable(bus: InProcessBus): { bus: Bus; refuse: (on: boolean) => void } {
    let refusing = true;
    return {
      refuse: (on) => (refusing = on),
      bus: {
        ensureTopics: (topics) => bus.ensureTopics(topics),
        subscribe: (options) => bus.subscribe(options),
        snapshot: (topic) => bus.snapshot(topic),
        close: () => bus.close(),
        publish: async (topic, records) => {
          if (refusing) throw new Error('broker unavailable');
          return bus.publish(topic, records);
        },
      },
    };
  }

  it('keeps kills queued while the bus refuses them; stop() publishes them once it accepts', async () => {
    const { sim } = await startSim({});
    const bus = new InProcessBus();
    const events = await collect(bus);
    const outage = switchable(bus);
    const { watcher, metric } = await watch(sim, outage.bus, tempCheckpoint());
    for (const o of jobObjects(new Date().toISOString())) sim.cluster.apply(o);
    for (let i = 0; i < 100 && (await metric('k2_oom_watcher_publish_failures_total')) < 2; i++) await sleep(20);
    expect(watcher.readiness()).toBe('cannot publish to the bus');
    expect(await metric('k2_oom_watcher_queue_depth')).toBe(1);
    outage.refuse(false);
    await stopped(watcher);
    expect(await metric('k2_oom_watcher_kills_published_total')).toBe(1);
    expect(await metric('k2_oom_watcher_queue_depth')).toBe(0);
    await settle(events, 1);
  });

  it('stop() gives up after stopTimeoutMs when the bus stays down', async () => {
    const { sim } = await startSim({});
    const outage = switchable(new InProcessBus());
    const { watcher, metric } = await watch(sim, outage.bus, tempCheckpoint(), { stopTimeoutMs: 300 });
    for (const o of jobObjects(new Date().toISOString())) sim.cluster.apply(o);
    for (let i = 0; i < 100 && (await metric('k2_oom_watcher_publish_failures_total')) < 1; i++) await sleep(20);
    const started = Date.now();
    await stopped(watcher);
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(await metric('k2_oom_watcher_kills_published_total')).toBe(0);
  });
});
