import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { InProcessBus } from '@k2/bus';
import { ACKS_TOPIC, INCIDENTS_TOPIC, type Incident } from '@k2/contracts';
import { createLogger } from '@k2/log';
import { sha256Hex, startDispatcherService } from '../src/index.js';
import { eventually, loopback, routing } from './support.js';

const quiet = createLogger({ name: 't', level: 'silent' });
const TOKENS = {
  sender: 'sender-token-0123456789',
  viewer: 'viewer-token-0123456789',
  admin: 'admin-token-01234567890',
};

function incident(over: Partial<Incident> = {}): Incident {
  const at = new Date().toISOString();
  return {
    schemaVersion: 1,
    id: 'c'.repeat(32),
    cluster: 'prod',
    namespace: 'shop',
    workload: { kind: 'Deployment', name: 'cart' },
    class: 'oom_kill',
    status: 'open',
    severity: 'critical',
    firstSeen: at,
    lastSeen: at,
    count: 3,
    affected: [{ kind: 'Pod', name: 'cart-1', count: 3 }],
    otherAffected: 0,
    flapping: false,
    reopens: 0,
    summary: 'cart OOM-killed 3 times',
    transition: 'opened',
    transitionAt: at,
    seq: 1,
    effects: [],
    ...over,
  };
}

async function start(yaml: string, stateDir?: string, bus = new InProcessBus({ log: quiet })) {
  const dir = stateDir ?? mkdtempSync(join(tmpdir(), 'k2-dispatcher-'));
  if (!stateDir) onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  const service = await startDispatcherService({
    config: {
      enabled: true,
      stateDir: dir,
      groupId: 'k2-dispatcher',
      api: {
        tokens: [
          { user: 'am', sha256: sha256Hex(TOKENS.sender), role: 'sender', grants: [] },
          {
            user: 'vic',
            sha256: sha256Hex(TOKENS.viewer),
            role: 'viewer',
            grants: [{ cluster: 'prod', namespace: 'cart' }],
          },
          { user: 'ann', sha256: sha256Hex(TOKENS.admin), role: 'admin', grants: [] },
        ],
      },
      http: { host: '127.0.0.1', port: 0 },
    },
    bus,
    log: quiet,
    partitions: 3,
    routing: routing(yaml),
  });
  const api = (path: string, token: string | undefined, init: RequestInit = {}) =>
    fetch(`${service.url}${path}`, {
      ...init,
      headers: {
        ...(init.body !== undefined ? { 'Content-Type': 'application/json' } : {}),
        ...(token ? { Authorization: `Bearer ${token}` } : {}),
      },
    });
  return { service, bus, dir, api };
}

const hookConfig = (url: string) => `
route: { receiver: hook, group_wait: 0s, group_interval: 200ms }
receivers:
  - name: hook
    webhook: { url: "${url}" }
    retry: { maxAttempts: 2, initialBackoff: 10ms, maxBackoff: 20ms }
`;

describe('the dispatcher service', () => {
  it('turns a k2.incidents record into one webhook notification, and a redelivery into none', async () => {
    const hook = await loopback();
    onTestFinished(() => hook.close());
    const { service, bus } = await start(hookConfig(hook.url));
    onTestFinished(async () => {
      await service.stop();
      await bus.close();
    });
    const record = incident();
    await bus.publish(INCIDENTS_TOPIC, [{ key: record.id, value: record }]);
    await eventually(() => hook.received.length === 1);
    const body = JSON.parse(hook.received[0]!.body);
    expect(body.alerts[0].labels).toMatchObject({
      alertname: 'oom_kill',
      namespace: 'shop',
      workload: 'cart',
      severity: 'critical',
    });
    await bus.publish(INCIDENTS_TOPIC, [{ key: record.id, value: record }]);
    await eventually(() => service.dispatcher.counters.duplicates === 1);
    expect(hook.received).toHaveLength(1);
  });

  it('the API checks tokens and roles; Alertmanager and generic alerts come in; bad bodies are 400 with the reason', async () => {
    const hook = await loopback();
    onTestFinished(() => hook.close());
    const { service, bus, api } = await start(hookConfig(hook.url));
    onTestFinished(async () => {
      await service.stop();
      await bus.close();
    });
    const generic = JSON.stringify([{ labels: { alertname: 'DiskFull', namespace: 'cart', cluster: 'prod' } }]);
    expect((await api('/api/v1/alerts', undefined, { method: 'POST', body: generic })).status).toBe(401);
    expect((await api('/api/v1/alerts', 'wrong-token-xxxxxxxx', { method: 'POST', body: generic })).status).toBe(401);
    expect((await api('/api/v1/alerts', TOKENS.viewer, { method: 'POST', body: generic })).status).toBe(403);
    expect((await api('/api/v1/alerts', TOKENS.sender, { method: 'POST', body: generic })).status).toBe(200);
    const bad = await api('/api/v1/alertmanager', TOKENS.sender, {
      method: 'POST',
      body: JSON.stringify({ version: '3' }),
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { issues: { path: string }[] }).issues[0]!.path).toBe('version');
    const am = {
      version: '4',
      groupKey: '{}:{alertname="Up"}',
      truncatedAlerts: 0,
      status: 'firing',
      receiver: 'k2',
      groupLabels: { alertname: 'Up' },
      commonLabels: { alertname: 'Up' },
      commonAnnotations: {},
      externalURL: 'http://am.example',
      notification_reason: 'new',
      alerts: [
        {
          status: 'firing',
          labels: { alertname: 'Up', namespace: 'shop', cluster: 'prod' },
          annotations: {},
          startsAt: new Date().toISOString(),
          endsAt: '0001-01-01T00:00:00Z',
          generatorURL: '',
          fingerprint: 'abc',
        },
      ],
    };
    expect(
      (await api('/api/v1/alertmanager', TOKENS.sender, { method: 'POST', body: JSON.stringify(am) })).status,
    ).toBe(200);
    await eventually(() => hook.received.length === 2);
    const names = hook.received.map((r) => JSON.parse(r.body).alerts[0].labels.alertname).sort();
    expect(names).toEqual(['DiskFull', 'Up']);
    // The delivery log: the admin sees both, the viewer only prod/cart.
    await eventually(async () => {
      const all = (await (await api('/api/v1/deliveries', TOKENS.admin)).json()) as { deliveries: unknown[] };
      return all.deliveries.length === 2;
    });
    const mine = (await (await api('/api/v1/deliveries', TOKENS.viewer)).json()) as {
      deliveries: { scopes: string[] }[];
    };
    expect(mine.deliveries.map((d) => d.scopes)).toEqual([['prod/cart']]);
    expect((await api('/api/v1/dead-letters', TOKENS.viewer)).status).toBe(403);
  });

  it('silences through the API: a silenced alert waits, expiring the silence sends it at once', async () => {
    const hook = await loopback();
    onTestFinished(() => hook.close());
    const { service, bus, api } = await start(hookConfig(hook.url));
    onTestFinished(async () => {
      await service.stop();
      await bus.close();
    });
    const create = await api('/api/v1/silences', TOKENS.admin, {
      method: 'POST',
      body: JSON.stringify({
        matchers: ['namespace="shop"'],
        endsAt: new Date(Date.now() + 3_600_000).toISOString(),
        comment: 'deploy',
      }),
    });
    expect(create.status).toBe(201);
    const silence = (await create.json()) as { id: string; createdBy: string; state: string };
    expect(silence).toMatchObject({ createdBy: 'ann', state: 'active' });
    expect((await api('/api/v1/silences', TOKENS.viewer, { method: 'POST', body: '{}' })).status).toBe(403);
    await bus.publish(INCIDENTS_TOPIC, [{ key: 'c'.repeat(32), value: incident() }]);
    await eventually(() => service.dispatcher.counters.silenced >= 1);
    expect(hook.received).toHaveLength(0);
    const listed = (await (await api('/api/v1/silences', TOKENS.viewer)).json()) as { silences: { id: string }[] };
    expect(listed.silences.map((s) => s.id)).toEqual([silence.id]);
    expect((await api(`/api/v1/silences/${silence.id}`, TOKENS.admin, { method: 'DELETE' })).status).toBe(200);
    await eventually(() => hook.received.length === 1, 5000, 'the notification after the silence expired');
  });

  it('an ack on k2.acks stops the escalation; the API shows who is on call', async () => {
    const hook = await loopback();
    onTestFinished(() => hook.close());
    const { service, bus, api } = await start(`
route: { receiver: hook, escalation: chain }
receivers:
  - name: hook
    webhook: { url: "${hook.url}" }
oncall:
  schedules:
    - name: primary
      rotation: weekly
      start: '2026-01-05'
      location: Asia/Shanghai
      participants: [{ name: ann, receiver: hook }]
  escalations:
    - name: chain
      repeat: 100
      steps: [{ wait: 300ms, schedules: [primary] }]
`);
    onTestFinished(async () => {
      await service.stop();
      await bus.close();
    });
    const oncall = (await (await api('/api/v1/oncall', TOKENS.viewer)).json()) as { oncall: { participant: string }[] };
    expect(oncall.oncall.map((o) => o.participant)).toEqual(['ann']);
    await bus.publish(INCIDENTS_TOPIC, [{ key: 'c'.repeat(32), value: incident() }]);
    await eventually(() => hook.received.some((r) => JSON.parse(r.body).reason === 'escalation'));
    await bus.publish(ACKS_TOPIC, [
      {
        key: 'c'.repeat(32),
        value: {
          incidentId: 'c'.repeat(32),
          cluster: 'prod',
          namespace: 'shop',
          by: 'ann',
          at: new Date().toISOString(),
        },
      },
    ]);
    await eventually(() => service.dispatcher.groupsView()[0]?.escalation?.ackedBy === 'ann');
    const after = hook.received.length;
    // Escalation steps would come every 300 ms; wait for three such periods of the group's own timers.
    const until = Date.now() + 1000;
    await eventually(() => Date.now() > until);
    expect(hook.received.length).toBeLessThanOrEqual(after + 1); // at most one step already in flight
  });

  it('restarted on the same state dir, it sends what was pending and nothing twice', async () => {
    const hook = await loopback();
    onTestFinished(() => hook.close());
    const dir = mkdtempSync(join(tmpdir(), 'k2-dispatcher-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const first = await start(hookConfig(hook.url), dir);
    const opened = incident();
    await first.bus.publish(INCIDENTS_TOPIC, [{ key: opened.id, value: opened }]);
    await eventually(() => hook.received.length === 1);
    await first.service.stop();
    await first.bus.close();
    const second = await start(hookConfig(hook.url), dir);
    onTestFinished(async () => {
      await second.service.stop();
      await second.bus.close();
    });
    // The same record again (a new bus replays it), then its resolution.
    await second.bus.publish(INCIDENTS_TOPIC, [{ key: opened.id, value: opened }]);
    await eventually(
      () => second.service.dispatcher.counters.duplicates === 1,
      5000,
      `duplicates ${JSON.stringify(second.service.dispatcher.counters)}`,
    );
    // A resolution stamped before its incident's firstSeen would be refused by the schema (and dead-lettered).
    const resolvedAt = new Date(Math.max(Date.now(), Date.parse(opened.firstSeen))).toISOString();
    await second.bus.publish(INCIDENTS_TOPIC, [
      {
        key: opened.id,
        value: incident({
          firstSeen: opened.firstSeen,
          status: 'resolved',
          transition: 'resolved',
          transitionAt: resolvedAt,
          lastSeen: resolvedAt,
          seq: 2,
        }),
      },
    ]);
    await eventually(() => hook.received.length >= 2, 15_000, `a second notification (got ${hook.received.length})`);
    expect(hook.received.map((r) => JSON.parse(r.body).status)).toEqual(['firing', 'resolved']);
  });
});
