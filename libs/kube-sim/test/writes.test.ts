import {
  CoordinationV1Api,
  CoreV1Api,
  EventsV1Api,
  PatchStrategy,
  setHeaderOptions,
  type V1Lease,
} from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { api, startSim } from './helpers.js';

const lease = (name: string, holder: string): V1Lease => ({
  metadata: { name, namespace: 'k2-system' },
  spec: { holderIdentity: holder, leaseDurationSeconds: 15, renewTime: new Date() as never },
});

describe('Leases', () => {
  it('create, get and update with optimistic concurrency: a stale resourceVersion gets 409 Conflict', async () => {
    const { kc } = await startSim();
    const leases = kc.makeApiClient(CoordinationV1Api);
    const created = await leases.createNamespacedLease({ namespace: 'k2-system', body: lease('eventer', 'pod-a') });
    const got = await leases.readNamespacedLease({ namespace: 'k2-system', name: 'eventer' });
    expect(got.spec!.holderIdentity).toBe('pod-a');

    const renewed = await leases.replaceNamespacedLease({
      namespace: 'k2-system',
      name: 'eventer',
      body: { ...got, spec: { ...got.spec, holderIdentity: 'pod-a', leaseTransitions: 0 } },
    });
    expect(Number(renewed.metadata!.resourceVersion)).toBeGreaterThan(Number(created.metadata!.resourceVersion));

    // A second candidate still holding the old version must lose.
    const stale = leases.replaceNamespacedLease({
      namespace: 'k2-system',
      name: 'eventer',
      body: { ...got, spec: { ...got.spec, holderIdentity: 'pod-b' } },
    });
    await expect(stale).rejects.toMatchObject({ code: 409 });
    const conflict = await stale.catch((e: { body: string }) => JSON.parse(e.body));
    expect(conflict).toMatchObject({ kind: 'Status', reason: 'Conflict', code: 409 });
    expect((await leases.readNamespacedLease({ namespace: 'k2-system', name: 'eventer' })).spec!.holderIdentity).toBe(
      'pod-a',
    );

    await expect(
      leases.createNamespacedLease({ namespace: 'k2-system', body: lease('eventer', 'pod-c') }),
    ).rejects.toMatchObject({ code: 409 });
  });
});

describe('core/v1 Event writes', () => {
  const event = {
    metadata: { name: 'cart-1.abc', namespace: 'shop' },
    involvedObject: { kind: 'Pod', name: 'cart-1', namespace: 'shop', uid: 'u-1' },
    reason: 'OOMKilling',
    message: 'Memory cgroup out of memory: Killed process 42 (java)',
    type: 'Warning',
    count: 1,
    source: { component: 'k2-oom-watcher' },
  };

  it('POST creates, PATCH (merge, strategic merge, JSON patch) bumps count, PUT replaces', async () => {
    const { kc } = await startSim();
    const core = kc.makeApiClient(CoreV1Api);
    const created = await core.createNamespacedEvent({ namespace: 'shop', body: event });
    expect(created.metadata!.uid).toBeTruthy();
    expect(created.metadata!.creationTimestamp).toBeTruthy();

    const merge = await core.patchNamespacedEvent(
      { namespace: 'shop', name: 'cart-1.abc', body: { count: 2 } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    expect(merge.count).toBe(2);
    const strategic = await core.patchNamespacedEvent(
      { namespace: 'shop', name: 'cart-1.abc', body: { count: 3, $retainKeys: ['count'] } },
      setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
    );
    expect(strategic.count).toBe(3);
    expect(strategic.message).toBe(event.message);
    const json = await core.patchNamespacedEvent({
      namespace: 'shop',
      name: 'cart-1.abc',
      body: [{ op: 'replace', path: '/count', value: 4 }],
    });
    expect(json.count).toBe(4);

    const replaced = await core.replaceNamespacedEvent({
      namespace: 'shop',
      name: 'cart-1.abc',
      body: { ...json, count: 5 },
    });
    expect(replaced.count).toBe(5);
    expect(replaced.metadata!.uid).toBe(created.metadata!.uid);
  });

  it('serves the same events through events.k8s.io/v1, and accepts writes there', async () => {
    const { kc } = await startSim();
    const core = kc.makeApiClient(CoreV1Api);
    const created = await core.createNamespacedEvent({ namespace: 'shop', body: event });
    const v1 = kc.makeApiClient(EventsV1Api);
    const viewed = await v1.readNamespacedEvent({ namespace: 'shop', name: 'cart-1.abc' });
    expect(viewed).toMatchObject({
      note: event.message,
      reason: 'OOMKilling',
      deprecatedCount: 1,
      regarding: { name: 'cart-1' },
    });
    expect(viewed.metadata!.resourceVersion).toBe(created.metadata!.resourceVersion);

    await v1.createNamespacedEvent({
      namespace: 'shop',
      body: {
        metadata: { name: 'cart-2.def', namespace: 'shop' },
        eventTime: new Date() as never,
        reportingController: 'k2.io/oom-watcher',
        reportingInstance: 'node-1',
        action: 'Killing',
        reason: 'OOMKilling',
        note: 'killed',
        type: 'Warning',
        regarding: { kind: 'Pod', name: 'cart-2', namespace: 'shop' },
        series: { count: 2, lastObservedTime: new Date() as never },
      },
    });
    const asCore = await core.readNamespacedEvent({ namespace: 'shop', name: 'cart-2.def' });
    expect(asCore).toMatchObject({
      message: 'killed',
      involvedObject: { name: 'cart-2' },
      reportingComponent: 'k2.io/oom-watcher',
    });
    expect(asCore.series!.count).toBe(2);
  });

  it('rejects bad writes with Status bodies and keeps serving', async () => {
    const { sim } = await startSim();
    const notJson = await api(sim, '/api/v1/namespaces/shop/events', { method: 'POST', body: '{nope' });
    expect(notJson).toMatchObject({ status: 400, body: { kind: 'Status', reason: 'BadRequest' } });
    const noName = await api(sim, '/api/v1/namespaces/shop/events', { method: 'POST', body: { metadata: {} } });
    expect(noName).toMatchObject({ status: 422, body: { reason: 'Invalid' } });
    const huge = await api(sim, '/api/v1/namespaces/shop/events', {
      method: 'POST',
      body: { ...event, message: 'x'.repeat(4 * 1024 * 1024) },
    });
    expect(huge.status).toBe(413);
    const wrongNs = await api(sim, '/api/v1/namespaces/shop/events', {
      method: 'POST',
      body: { ...event, metadata: { name: 'a', namespace: 'web' } },
    });
    expect(wrongNs.status).toBe(400);
    const unsupported = await api(sim, '/api/v1/namespaces/shop/events/a', {
      method: 'PATCH',
      body: {},
      contentType: 'text/plain',
    });
    expect(unsupported.status).toBe(415);
    const missing = await api(sim, '/api/v1/namespaces/shop/events/none');
    expect(missing).toMatchObject({ status: 404, body: { reason: 'NotFound' } });
    const unknown = await api(sim, '/apis/example.com/v1/widgets');
    expect(unknown.status).toBe(404);
    expect((await api(sim, '/api/v1/namespaces/shop/events', { method: 'POST', body: event })).status).toBe(201);
  });
});

describe('authentication and authorization', () => {
  const users = [
    {
      name: 'alice',
      token: 'alice-token-0123456789',
      rules: [{ verbs: ['get', 'list', 'watch'], resources: ['pods', 'events'], namespaces: ['shop'] }],
    },
  ];

  it('401 without a valid token, with a Status body', async () => {
    const { sim } = await startSim({ users });
    for (const token of [null, 'wrong-token']) {
      const res = await api(sim, '/api/v1/pods', { token });
      expect(res.status).toBe(401);
      expect(res.body).toMatchObject({ kind: 'Status', code: 401, reason: 'Unauthorized' });
    }
    expect((await api(sim, '/healthz', { token: null })).status).toBe(200);
  });

  it('403 Forbidden outside the namespaces and verbs a user was granted', async () => {
    const { sim } = await startSim({ users });
    const token = 'alice-token-0123456789';
    expect((await api(sim, '/api/v1/namespaces/shop/pods', { token })).status).toBe(200);
    const otherNs = await api(sim, '/api/v1/namespaces/web/pods', { token });
    expect(otherNs.status).toBe(403);
    expect(otherNs.body).toMatchObject({ kind: 'Status', reason: 'Forbidden', code: 403 });
    expect(otherNs.body.message).toBe(
      'pods is forbidden: User "alice" cannot list resource "pods" in API group "" in the namespace "web"',
    );
    const clusterWide = await api(sim, '/api/v1/pods', { token });
    expect(clusterWide.body.message).toMatch(/at the cluster scope/);
    const write = await api(sim, '/api/v1/namespaces/shop/events', {
      token,
      method: 'POST',
      body: { metadata: { name: 'x' } },
    });
    expect(write.status).toBe(403);
    expect((await api(sim, '/apis/coordination.k8s.io/v1/namespaces/shop/leases', { token })).status).toBe(403);
  });
});
