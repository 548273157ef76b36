import { afterEach, describe, expect, it } from 'vitest';
import { InProcessBus } from '@k2/bus';
import { configSchema } from '@k2/config';
import { EVENTS_TOPIC, INCIDENTS_TOPIC } from '@k2/contracts';
import { startExporterService, type ExporterService } from '@k2/exporter';
import { KubeSimulator, ScenarioBuilder, type PodRef, type SimUser } from '@k2/kube-sim';
import { kubeConfigFor } from '../../../libs/kube-sim/test/helpers.js';
import { MiB, quietLog, sample, scrape, until } from './harness.js';
import { incident, k2Event } from './records.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** shop/cart on two nodes, each container with memory set by scenario lines. */
async function startCluster(users: SimUser[] = []): Promise<{ sim: KubeSimulator; pods: PodRef[] }> {
  const b = new ScenarioBuilder('exporter');
  b.node('node-1').node('node-2');
  const pods = b.deployment('shop', 'cart', 2, ['node-1', 'node-2'], 'registry.local/cart:1', '1Gi');
  const scenario = b.build();
  scenario.memory = pods.map((p, i) => ({
    at: 0,
    source: `test#${i}`,
    memory: {
      namespace: p.namespace,
      pod: p.name,
      container: p.container,
      usage: (800 + i) * MiB,
      cache: 300 * MiB,
      shmem: 50 * MiB,
      rss: 450 * MiB,
      workingSet: 700 * MiB,
    },
  }));
  const sim = new KubeSimulator({ virtualTime: true, scenarios: [scenario], users });
  await sim.start();
  sim.advance(1_000);
  cleanups.push(() => sim.stop());
  return { sim, pods };
}

async function startExporter(
  sim: KubeSimulator,
  bus: InProcessBus,
  overrides: Record<string, unknown> = {},
  token?: string,
): Promise<ExporterService> {
  const config = configSchema.parse({ exporter: { http: { port: 0 }, ...overrides } }).exporter;
  const service = await startExporterService({
    config,
    cluster: 'test',
    bus,
    kc: kubeConfigFor(sim, token),
    log: quietLog,
    partitions: 2,
  });
  cleanups.push(() => service.stop());
  return service;
}

function newBus(): InProcessBus {
  const bus = new InProcessBus();
  cleanups.push(() => bus.close());
  return bus;
}

describe('exporter, cluster mode (kubelet cAdvisor through nodes/proxy)', () => {
  it('reports usage minus cache with shmem added back, beside working set, cache, rss and limit', async () => {
    const { sim, pods } = await startCluster();
    const service = await startExporter(sim, newBus());
    const m = await scrape(service.url);
    const labels = { namespace: 'shop', pod: pods[0]!.name, container: 'cart' };
    expect(sample(m, 'k2_container_memory_usage_minus_cache_bytes', labels)).toBe((800 - 300 + 50) * MiB);
    expect(sample(m, 'k2_container_memory_working_set_bytes', labels)).toBe(700 * MiB);
    expect(sample(m, 'k2_container_memory_cache_bytes', labels)).toBe(300 * MiB);
    expect(sample(m, 'k2_container_memory_rss_bytes', labels)).toBe(450 * MiB);
    expect(sample(m, 'k2_container_memory_limit_bytes', labels)).toBe(1024 * MiB);
    const series = m.get('k2_container_memory_usage_minus_cache_bytes')!.find((s) => s.labels.pod === pods[0]!.name)!;
    expect(series.labels).toMatchObject({
      cluster: 'test',
      workload_kind: 'Deployment',
      workload: 'cart',
      node: pods[0]!.node,
    });
    expect(sample(m, 'k2_exporter_source_up', { source: 'cadvisor', node: 'node-1' })).toBe(1);
    expect(sample(m, 'k2_exporter_source_up', { source: 'cadvisor', node: 'node-2' })).toBe(1);
    expect(sample(m, 'k2_exporter_containers')).toBe(2);
  });

  it('builds series at scrape time: a deleted pod leaves no stale series', async () => {
    const { sim, pods } = await startCluster();
    const service = await startExporter(sim, newBus());
    const labels = { pod: pods[0]!.name };
    expect(sample(await scrape(service.url), 'k2_container_memory_usage_minus_cache_bytes', labels)).toBeDefined();
    sim.cluster.remove({ apiVersion: 'v1', kind: 'Pod', metadata: { namespace: 'shop', name: pods[0]!.name } });
    const after = await scrape(service.url);
    expect(sample(after, 'k2_container_memory_usage_minus_cache_bytes', labels)).toBeUndefined();
    expect(sample(after, 'k2_container_memory_usage_minus_cache_bytes', { pod: pods[1]!.name })).toBeDefined();
  });

  it('reports a kubelet it may not read as down, and is not ready', async () => {
    const reader: SimUser = {
      name: 'reader',
      token: 'reader-token-0123456789abcdef',
      rules: [{ verbs: ['get', 'list', 'watch'], resources: ['nodes', 'pods', 'replicasets', 'jobs'] }],
    };
    const { sim } = await startCluster([reader]);
    const service = await startExporter(sim, newBus(), {}, reader.token);
    const m = await scrape(service.url);
    expect(sample(m, 'k2_exporter_source_up', { node: 'node-1' })).toBe(0);
    expect(m.get('k2_container_memory_usage_minus_cache_bytes') ?? []).toEqual([]);
    const ready = await fetch(`${service.url}/readyz`);
    expect(ready.status).toBe(503);
    expect(JSON.stringify(await ready.json())).toContain('node-1');
  });
});

describe('exporter, bus counters', () => {
  it('counts k2.events by reason and type once per event id, OOM kills per container', async () => {
    const { sim } = await startCluster();
    const bus = newBus();
    const service = await startExporter(sim, bus);
    const backoff = k2Event({ reason: 'BackOff', n: 1 });
    const records = [
      backoff,
      backoff,
      k2Event({ reason: 'BackOff', n: 2 }),
      k2Event({ reason: 'OOMKilled', n: 1, oomContainer: 'cart' }),
    ];
    await bus.publish(
      EVENTS_TOPIC,
      records.map((e) => ({ key: e.fingerprint, value: e })),
    );
    const m = await until(async () => {
      const s = await scrape(service.url);
      return sample(s, 'k2_container_oom_kills_total', { container: 'cart' }) === 1 ? s : undefined;
    }, 'OOM kill counted');
    expect(
      sample(m, 'k2_kube_events_total', { reason: 'BackOff', type: 'Warning', workload: 'cart', kind: 'Deployment' }),
    ).toBe(2);
    expect(sample(m, 'k2_kube_events_total', { reason: 'OOMKilled' })).toBe(1);
    expect(sample(m, 'k2_container_oom_kills_total', { workload: 'cart', pod: 'cart-7d9f8c6b5-abcde' })).toBe(1);
  });

  it('folds reasons past the bound into "other" and counts the overflow', async () => {
    const { sim } = await startCluster();
    const bus = newBus();
    const service = await startExporter(sim, bus, { maxReasons: 2 });
    const reasons = ['BackOff', 'Unhealthy', 'Custom1', 'Custom2', 'BackOff'];
    const records = reasons.map((reason, i) => k2Event({ reason, n: i + 1 }));
    await bus.publish(
      EVENTS_TOPIC,
      records.map((e) => ({ key: 'one-partition', value: e })),
    );
    const m = await until(async () => {
      const s = await scrape(service.url);
      return sample(s, 'k2_kube_events_total', { reason: 'other' }) === 2 ? s : undefined;
    }, 'overflow counted');
    expect(sample(m, 'k2_kube_events_total', { reason: 'BackOff' })).toBe(2);
    expect(sample(m, 'k2_kube_events_total', { reason: 'Unhealthy' })).toBe(1);
    expect(sample(m, 'k2_kube_events_total', { reason: 'Custom1' })).toBeUndefined();
    expect(sample(m, 'k2_exporter_label_overflow_total', { label: 'reason' })).toBe(2);
  });

  it('counts open incidents from what k2.incidents holds and from what comes later', async () => {
    const { sim } = await startCluster();
    const bus = newBus();
    await bus.ensureTopics([{ name: INCIDENTS_TOPIC, partitions: 2, compacted: true }]);
    const before = [
      incident({ workload: 'cart', problemClass: 'oom_kill', seq: 1, severity: 'critical' }),
      incident({ workload: 'web', problemClass: 'crash_loop', seq: 1 }),
      incident({ workload: 'web', problemClass: 'crash_loop', seq: 2, status: 'resolved' }),
    ];
    await bus.publish(
      INCIDENTS_TOPIC,
      before.map((i) => ({ key: i.id, value: i })),
    );
    const service = await startExporter(sim, bus);
    let m = await scrape(service.url);
    expect(sample(m, 'k2_incidents_open', { class: 'oom_kill', severity: 'critical' })).toBe(1);
    expect(sample(m, 'k2_incidents_open', { class: 'crash_loop' })).toBeUndefined();

    const later = [
      incident({ workload: 'api', problemClass: 'crash_loop', seq: 1 }),
      incident({ workload: 'cart', problemClass: 'oom_kill', seq: 2, status: 'resolved', severity: 'critical' }),
      // a stale redelivery of the first record must not reopen it
      incident({ workload: 'cart', problemClass: 'oom_kill', seq: 1, severity: 'critical' }),
    ];
    await bus.publish(
      INCIDENTS_TOPIC,
      later.map((i) => ({ key: i.id, value: i })),
    );
    m = await until(async () => {
      const s = await scrape(service.url);
      return sample(s, 'k2_incidents_open', { class: 'crash_loop' }) === 1 ? s : undefined;
    }, 'new incident counted');
    expect(sample(m, 'k2_incidents_open', { class: 'oom_kill' })).toBeUndefined();
  });

  it('counts dead letters of k2.events, and keeps counting after a malformed record', async () => {
    const { sim } = await startCluster();
    const bus = newBus();
    const service = await startExporter(sim, bus);
    await bus.publish(EVENTS_TOPIC, [{ key: 'bad', value: '{"not":"an event"}' }]);
    await bus.publish(EVENTS_TOPIC, [{ key: 'good', value: k2Event({ reason: 'Evicted', n: 1 }) }]);
    const m = await until(async () => {
      const s = await scrape(service.url);
      return sample(s, 'k2_dlq_messages', { topic: EVENTS_TOPIC, reason: 'invalid' }) === 1 &&
        sample(s, 'k2_kube_events_total', { reason: 'Evicted' }) === 1
        ? s
        : undefined;
    }, 'dead letter and good event counted');
    expect(sample(m, 'k2_dlq_messages', { topic: INCIDENTS_TOPIC, reason: 'invalid' })).toBe(0);
  });
});
