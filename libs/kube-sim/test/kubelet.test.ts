import { describe, expect, it } from 'vitest';
import { parseScenario, ScenarioBuilder, ScenarioError } from '@k2/kube-sim';
import { api, startSim } from './helpers.js';

const MiB = 2 ** 20;

function memoryScenario() {
  const b = new ScenarioBuilder('memory');
  b.node('node-1').node('node-2');
  const [a, c] = b.deployment('shop', 'cart', 2, ['node-1', 'node-2'], 'registry.local/cart:1', '1Gi');
  const lines = [
    b.toJsonl().trimEnd(),
    JSON.stringify({
      at: 0,
      memory: {
        namespace: 'shop',
        pod: a!.name,
        container: 'cart',
        usage: 700 * MiB,
        cache: 300 * MiB,
        shmem: 20 * MiB,
        workingSet: 600 * MiB,
      },
    }),
    JSON.stringify({ at: 0, memory: { namespace: 'shop', pod: c!.name, container: 'cart', usage: 100 * MiB } }),
    JSON.stringify({
      at: 5_000,
      memory: { namespace: 'shop', pod: a!.name, container: 'cart', usage: 900 * MiB, cache: 300 * MiB },
    }),
  ];
  return { scenario: parseScenario(lines.join('\n') + '\n', 'memory.jsonl'), pods: [a!, c!], builder: b };
}

function series(text: string, name: string, pod: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(`pod="${pod}"`));
  return line === undefined ? undefined : Number(line.split(' ')[1]);
}

describe('kubelet side: nodes/proxy /metrics/cadvisor', () => {
  it('serves each node its own containers, with the memory the scenario set at that time', async () => {
    const { scenario, pods } = memoryScenario();
    expect(scenario.memory).toHaveLength(3);
    const { sim } = await startSim({ scenarios: [scenario] });
    const res = await api(sim, '/api/v1/nodes/node-1/proxy/metrics/cadvisor', { accept: 'text/plain' });
    expect(res.status).toBe(200);
    const text = String(res.body);
    expect(series(text, 'container_memory_usage_bytes', pods[0]!.name)).toBe(700 * MiB);
    expect(series(text, 'container_memory_cache', pods[0]!.name)).toBe(300 * MiB);
    expect(series(text, 'container_memory_working_set_bytes', pods[0]!.name)).toBe(600 * MiB);
    expect(series(text, 'container_memory_shmem', pods[0]!.name)).toBe(20 * MiB);
    // rss defaults to usage − cache; the limit comes from the pod spec
    expect(series(text, 'container_memory_rss', pods[0]!.name)).toBe(400 * MiB);
    expect(series(text, 'container_spec_memory_limit_bytes', pods[0]!.name)).toBe(1024 * MiB);
    expect(series(text, 'container_memory_usage_bytes', pods[1]!.name)).toBeUndefined();

    sim.advance(5_000);
    const later = String((await api(sim, '/api/v1/nodes/node-1/proxy/metrics/cadvisor')).body);
    expect(series(later, 'container_memory_usage_bytes', pods[0]!.name)).toBe(900 * MiB);
    const other = String((await api(sim, '/api/v1/nodes/node-2/proxy/metrics/cadvisor')).body);
    expect(series(other, 'container_memory_usage_bytes', pods[1]!.name)).toBe(100 * MiB);
  });

  it('reports a running container no line mentions with steady figures within its limit', async () => {
    const b = new ScenarioBuilder('plain');
    b.node('node-1');
    const [pod] = b.deployment('web', 'portal', 1, ['node-1'], 'registry.local/portal:1', '512Mi');
    const { sim } = await startSim({ scenarios: [b.build()] });
    const first = String((await api(sim, '/api/v1/nodes/node-1/proxy/metrics/cadvisor')).body);
    const usage = series(first, 'container_memory_usage_bytes', pod!.name)!;
    expect(usage).toBeGreaterThan(0);
    expect(usage).toBeLessThanOrEqual(512 * MiB);
    expect(series(first, 'container_memory_cache', pod!.name)).toBeLessThan(usage);
    const again = String((await api(sim, '/api/v1/nodes/node-1/proxy/metrics/cadvisor')).body);
    expect(series(again, 'container_memory_usage_bytes', pod!.name)).toBe(usage);
  });

  it('stops reporting a container once its pod is deleted', async () => {
    const { scenario, pods } = memoryScenario();
    const { sim } = await startSim({ scenarios: [scenario] });
    sim.cluster.remove({ apiVersion: 'v1', kind: 'Pod', metadata: { namespace: 'shop', name: pods[0]!.name } });
    const text = String((await api(sim, '/api/v1/nodes/node-1/proxy/metrics/cadvisor')).body);
    expect(series(text, 'container_memory_usage_bytes', pods[0]!.name)).toBeUndefined();
  });

  it('answers 404 for an unknown node and 403 without get on nodes/proxy', async () => {
    const { scenario } = memoryScenario();
    const reader = {
      name: 'reader',
      token: 'reader-token-0123456789',
      rules: [{ verbs: ['get', 'list'], resources: ['nodes'] }],
    };
    const { sim } = await startSim({ scenarios: [scenario], users: [reader] });
    expect((await api(sim, '/api/v1/nodes/nope/proxy/metrics/cadvisor')).status).toBe(404);
    const denied = await api(sim, '/api/v1/nodes/node-1/proxy/metrics/cadvisor', { token: reader.token });
    expect(denied.status).toBe(403);
    expect(JSON.stringify(denied.body)).toContain('nodes/proxy');
  });

  it('rejects a memory line with a problem, naming the file and line', () => {
    const bad = JSON.stringify({ at: 0, memory: { namespace: 'shop', pod: 'p', container: 'c', usage: -1 } });
    expect(() => parseScenario(`${bad}\n`, 'bad.jsonl')).toThrow(ScenarioError);
    expect(() => parseScenario(`${bad}\n`, 'bad.jsonl')).toThrow(/bad\.jsonl:1/);
  });
});
