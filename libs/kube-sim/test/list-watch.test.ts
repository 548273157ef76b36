import { CoreV1Api, Watch } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { api, eventually, shopScenario, startSim } from './helpers.js';

describe('LIST', () => {
  it('filters events by field selectors and pods by spec.nodeName and labels', async () => {
    const { scenario, cart } = shopScenario();
    const { sim, kc } = await startSim({ scenarios: [scenario] });
    sim.advance(200_000);
    const core = kc.makeApiClient(CoreV1Api);

    const forPod = await core.listEventForAllNamespaces({
      fieldSelector: `involvedObject.kind=Pod,involvedObject.name=${cart[0]!.name},involvedObject.namespace=shop,reason=BackOff`,
    });
    expect(forPod.items).toHaveLength(1);
    expect(forPod.items[0]!.count).toBe(3);
    const byUid = await core.listNamespacedEvent({
      namespace: 'shop',
      fieldSelector: `involvedObject.uid=${cart[1]!.uid}`,
    });
    expect(byUid.items.map((e) => e.involvedObject.name)).toEqual([cart[1]!.name]);
    const warnings = await core.listEventForAllNamespaces({ fieldSelector: 'type=Warning,metadata.namespace=shop' });
    expect(warnings.items).toHaveLength(3);
    expect((await core.listEventForAllNamespaces({ fieldSelector: 'type!=Warning' })).items).toHaveLength(0);

    const onNode2 = await core.listPodForAllNamespaces({ fieldSelector: 'spec.nodeName=node-2' });
    expect(onNode2.items.every((p) => p.spec!.nodeName === 'node-2')).toBe(true);
    expect(onNode2.items.length).toBe(3);
    const portal = await core.listPodForAllNamespaces({ labelSelector: 'app in (portal),!missing' });
    expect(portal.items.map((p) => p.metadata!.namespace)).toEqual(['web', 'web']);
  });

  it('rejects a field selector the resource does not support, as the API server does', async () => {
    const { sim } = await startSim({ scenarios: [shopScenario().scenario] });
    const res = await api(sim, '/api/v1/pods?fieldSelector=spec.bogus%3Dx');
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({
      kind: 'Status',
      reason: 'BadRequest',
      message: 'field label not supported: spec.bogus',
    });
  });

  it('pages with limit/continue over one consistent snapshot', async () => {
    const { sim } = await startSim({ scenarios: [shopScenario().scenario] });
    const first = await api(sim, '/api/v1/pods?limit=2');
    expect(first.body.items).toHaveLength(2);
    expect(first.body.metadata.remainingItemCount).toBe(3);
    const snapshotRv = first.body.metadata.resourceVersion;

    // Changes between pages must not show in later pages of the same list.
    sim.cluster.remove({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { namespace: 'web', name: first.body.items[0].metadata.name },
    });
    const lastName = (await api(sim, '/api/v1/pods')).body.items.at(-1).metadata.name;
    sim.cluster.remove({ apiVersion: 'v1', kind: 'Pod', metadata: { namespace: 'web', name: lastName } });

    const names = first.body.items.map((p: { metadata: { name: string } }) => p.metadata.name);
    let token = first.body.metadata.continue;
    while (token) {
      const page = await api(sim, `/api/v1/pods?limit=2&continue=${encodeURIComponent(token)}`);
      expect(page.status).toBe(200);
      expect(page.body.metadata.resourceVersion).toBe(snapshotRv);
      names.push(...page.body.items.map((p: { metadata: { name: string } }) => p.metadata.name));
      token = page.body.metadata.continue;
    }
    expect(names).toHaveLength(5);
    expect(new Set(names).size).toBe(5);
    expect(names).toContain(lastName);
  });

  it('answers 410 Expired for a continue token older than the retained history', async () => {
    const { sim } = await startSim({ scenarios: [shopScenario().scenario] });
    const first = await api(sim, '/api/v1/pods?limit=1');
    sim.advance(60_500);
    sim.cluster.store.compact();
    const next = await api(sim, `/api/v1/pods?limit=1&continue=${encodeURIComponent(first.body.metadata.continue)}`);
    expect(next.status).toBe(410);
    expect(next.body).toMatchObject({ kind: 'Status', code: 410, reason: 'Expired' });
  });

  it('keeps history to a configured window: older versions get 410, newer ones resume', async () => {
    const { sim } = await startSim({ scenarios: [shopScenario().scenario], historyLimit: 10 });
    const early = sim.cluster.store.resourceVersion;
    sim.advance(200_000);
    expect(sim.cluster.store.compactedVersion).toBeGreaterThan(early);
    const tooOld = await api(sim, `/api/v1/pods?watch=true&resourceVersion=${early}`);
    expect(tooOld.body).toMatchObject({ type: 'ERROR', object: { code: 410, reason: 'Expired' } });
  });
});

describe('WATCH', () => {
  it('replays only changes after the given resourceVersion, then streams live ones', async () => {
    const { scenario } = shopScenario();
    const { sim, kc } = await startSim({ scenarios: [scenario] });
    sim.advance(58_000);
    const from = sim.cluster.store.resourceVersion;
    sim.advance(2_000);
    const seen: { type: string; rv: number; name: string }[] = [];
    const req = await new Watch(kc).watch(
      '/api/v1/namespaces/shop/events',
      { resourceVersion: String(from) },
      (type, obj: { metadata: { resourceVersion: string; name: string } }) =>
        seen.push({ type, rv: Number(obj.metadata.resourceVersion), name: obj.metadata.name }),
      () => {},
    );
    await eventually(() => (seen.length === 3 ? true : undefined));
    expect(seen.every((e) => e.type === 'ADDED' && e.rv > from)).toBe(true);
    sim.advance(60_000);
    await eventually(() => (seen.length === 6 ? true : undefined));
    expect(seen.slice(3).every((e) => e.type === 'MODIFIED')).toBe(true);
    req.abort();
  });

  it('tells a selector watch when an object leaves its view (DELETED) and enters it (ADDED)', async () => {
    const { scenario, cart } = shopScenario();
    const { sim, kc } = await startSim({ scenarios: [scenario] });
    const seen: string[] = [];
    const req = await new Watch(kc).watch(
      '/api/v1/namespaces/shop/pods',
      { fieldSelector: 'spec.nodeName=node-1', resourceVersion: String(sim.cluster.store.resourceVersion) },
      (type, obj: { metadata: { name: string } }) => seen.push(`${type} ${obj.metadata.name}`),
      () => {},
    );
    const pod = sim.cluster.store.get('core/pods', `shop/${cart[0]!.name}`)!;
    sim.cluster.apply({ ...pod, spec: { ...(pod.spec as object), nodeName: 'node-9' } });
    sim.cluster.apply(pod);
    await eventually(() => (seen.length === 2 ? true : undefined));
    expect(seen).toEqual([`DELETED ${cart[0]!.name}`, `ADDED ${cart[0]!.name}`]);
    req.abort();
  });

  it('ends the stream after timeoutSeconds', async () => {
    const { sim, kc } = await startSim({ scenarios: [shopScenario().scenario] });
    const began = Date.now();
    await new Promise<void>((resolve) => {
      void new Watch(kc).watch(
        '/api/v1/pods',
        { timeoutSeconds: 1, resourceVersion: String(sim.cluster.store.resourceVersion) },
        () => {},
        () => resolve(),
      );
    });
    expect(Date.now() - began).toBeGreaterThanOrEqual(900);
  });

  it('uses one resourceVersion sequence across kinds, strictly increasing', async () => {
    const { sim, kc } = await startSim({ scenarios: [shopScenario().scenario] });
    sim.advance(200_000);
    const core = kc.makeApiClient(CoreV1Api);
    const all = [
      ...(await core.listPodForAllNamespaces()).items,
      ...(await core.listEventForAllNamespaces()).items,
      ...(await core.listNode()).items,
      ...(await core.listNamespace()).items,
    ].map((o) => Number(o.metadata!.resourceVersion));
    expect(new Set(all).size).toBe(all.length);
    expect(Math.max(...all)).toBeLessThanOrEqual(sim.cluster.store.resourceVersion);
  });
});
