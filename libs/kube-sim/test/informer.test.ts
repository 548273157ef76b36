import { CoreV1Api, makeInformer, Watch, type V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { eventually, shopScenario, startSim } from './helpers.js';

describe('client-node informer against the simulator', () => {
  it('lists, then follows changes through watch', async () => {
    const { scenario } = shopScenario();
    const { sim, kc } = await startSim({ scenarios: [scenario] });
    const core = kc.makeApiClient(CoreV1Api);
    const informer = makeInformer(kc, '/api/v1/namespaces/shop/pods', () =>
      core.listNamespacedPod({ namespace: 'shop' }),
    );
    const restarts = new Map<string, number>();
    informer.on('add', (p: V1Pod) => restarts.set(p.metadata!.name!, p.status!.containerStatuses![0]!.restartCount));
    informer.on('update', (p: V1Pod) => restarts.set(p.metadata!.name!, p.status!.containerStatuses![0]!.restartCount));
    await informer.start();
    expect(restarts.size).toBe(3);
    expect([...restarts.values()]).toEqual([0, 0, 0]);

    sim.advance(120_500);
    await eventually(() => ([...restarts.values()].every((r) => r === 2) ? true : undefined));
    await informer.stop();
  });

  it('relists after a 410 when its resourceVersion was compacted during a disconnect', async () => {
    const { scenario, cart } = shopScenario();
    const { sim, kc } = await startSim({ scenarios: [scenario] });
    const core = kc.makeApiClient(CoreV1Api);
    const informer = makeInformer(kc, '/api/v1/namespaces/shop/pods', () =>
      core.listNamespacedPod({ namespace: 'shop' }),
    );
    const seen = new Map<string, V1Pod>();
    const deleted: string[] = [];
    let lists = 0;
    informer.on('add', (p: V1Pod) => seen.set(p.metadata!.name!, p));
    informer.on('update', (p: V1Pod) => seen.set(p.metadata!.name!, p));
    informer.on('delete', (p: V1Pod) => {
      seen.delete(p.metadata!.name!);
      deleted.push(p.metadata!.name!);
    });
    informer.on('connect', () => lists++);
    // client-node leaves restarting after a broken connection to the caller, as the eventer does.
    let stopped = false;
    informer.on('error', () => setTimeout(() => void (stopped || informer.start()), 50));
    await informer.start();
    const connectsBefore = lists;
    try {
      // While the informer is cut off: one pod goes away, others change, history is compacted.
      sim.dropConnections();
      sim.advance(60_500);
      sim.cluster.remove({ apiVersion: 'v1', kind: 'Pod', metadata: { namespace: 'shop', name: cart[0]!.name } });
      sim.cluster.store.compact();

      await eventually(() => (deleted.includes(cart[0]!.name) && seen.size === 2 ? true : undefined), 30_000);
      expect(lists).toBeGreaterThan(connectsBefore);
      for (const p of seen.values()) expect(p.status!.containerStatuses![0]!.restartCount).toBe(1);
    } finally {
      // Even when it failed: a restarting informer would keep the simulator from stopping.
      stopped = true;
      await informer.stop();
    }
  });

  it('sends bookmarks carrying the current resourceVersion when asked', async () => {
    const { scenario } = shopScenario();
    const { sim, kc } = await startSim({ scenarios: [scenario], bookmarkIntervalMs: 50 });
    const bookmarks: string[] = [];
    const req = await new Watch(kc).watch(
      '/api/v1/pods',
      { allowWatchBookmarks: true, resourceVersion: String(sim.cluster.store.resourceVersion) },
      (type, obj: { metadata: { resourceVersion: string } }) => {
        if (type === 'BOOKMARK') bookmarks.push(obj.metadata.resourceVersion);
      },
      () => {},
    );
    await eventually(() => (bookmarks.length >= 2 ? true : undefined));
    sim.advance(60_500);
    const rv = String(sim.cluster.store.resourceVersion);
    await eventually(() => (bookmarks.includes(rv) ? true : undefined));
    req.abort();
  });

  it('a watch from a compacted resourceVersion gets an ERROR event with a 410 Expired Status', async () => {
    const { scenario } = shopScenario();
    const { sim, kc } = await startSim({ scenarios: [scenario] });
    const old = '1';
    sim.cluster.store.compact();
    const events: { type: string; obj: Record<string, unknown> }[] = [];
    await new Promise<void>((resolve) => {
      void new Watch(kc).watch(
        '/api/v1/pods',
        { resourceVersion: old },
        (type, obj) => events.push({ type, obj }),
        () => resolve(),
      );
    });
    expect(events).toHaveLength(1);
    expect(events[0]!.type).toBe('ERROR');
    expect(events[0]!.obj).toMatchObject({ kind: 'Status', code: 410, reason: 'Expired' });
    expect(String(events[0]!.obj.message)).toMatch(/too old resource version/);
  });
});
