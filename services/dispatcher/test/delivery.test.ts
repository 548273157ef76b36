import { Writable } from 'node:stream';
import { describe, expect, it, onTestFinished } from 'vitest';
import type { Notification } from '@k2/contracts';
import { createLogger } from '@k2/log';
import { MemoryStore } from '../src/index.js';
import { ReceiverDelivery } from '../src/notify/delivery.js';
import { createSender } from '../src/notify/senders.js';
import { alert, eventually, loopback, routing } from './support.js';

let counter = 0;
const note = (name = `a${counter++}`): Notification => ({
  id: `n-${name}`,
  receiver: 'r',
  groupKey: `g-${name}`,
  groupLabels: {},
  status: 'firing',
  alerts: [alert({ alertname: name, namespace: 'shop' })],
  reason: 'new',
  createdAt: Date.now(),
});

function delivery(yaml: string, env: Record<string, string> = {}, errors: string[] = []) {
  const cfg = routing(`route: { receiver: r }\nreceivers:\n  - name: r\n${yaml}`).receivers[0]!;
  const store = new MemoryStore();
  const outcomes: string[] = [];
  const d = new ReceiverDelivery(cfg, createSender({ cfg, env, onTemplateFallback: () => {} }), store, {
    outcome: (_r, o) => outcomes.push(o),
    error: (_r, e) => errors.push(e),
  });
  onTestFinished(() => d.stop());
  return { d, store, outcomes };
}

const RETRY = '    retry: { maxAttempts: 3, initialBackoff: 20ms, maxBackoff: 50ms }\n';

describe('delivery', () => {
  it('retries 5xx with backoff and succeeds; the log shows each attempt', async () => {
    const srv = await loopback((_r, n) => ({ status: n < 3 ? 503 : 200 }));
    onTestFinished(() => srv.close());
    const { d, store } = delivery(`    webhook: { url: "${srv.url}" }\n${RETRY}`);
    const n = note();
    store.addOutbox(n);
    d.submit(n);
    await eventually(() => store.deliveries({ limit: 10 }).some((r) => r.outcome === 'sent'));
    expect(store.deliveries({ limit: 10 }).map((r) => [r.outcome, r.attempts, r.status])).toEqual([
      ['sent', 3, 200],
      ['retrying', 2, 503],
      ['retrying', 1, 503],
    ]);
    expect(store.loadOutbox()).toEqual([]);
  });

  it('honours Retry-After on 429', async () => {
    const srv = await loopback((_r, n) => (n === 1 ? { status: 429, headers: { 'Retry-After': '1' } } : {}));
    onTestFinished(() => srv.close());
    const { d, store } = delivery(`    webhook: { url: "${srv.url}" }\n${RETRY}`);
    d.submit(note());
    await eventually(() => srv.received.length === 2 && store.deliveries({ limit: 5 })[0]?.outcome === 'sent');
    expect(srv.received[1]!.at - srv.received[0]!.at).toBeGreaterThanOrEqual(950);
  });

  it('a receiver that is down: retries run out, the notification becomes a dead letter with the reason', async () => {
    const srv = await loopback();
    const url = srv.url;
    await srv.close();
    const { d, store, outcomes } = delivery(`    webhook: { url: "${url}" }\n${RETRY}`);
    const n = note();
    store.addOutbox(n);
    d.submit(n);
    await eventually(() => store.deadLetters(5).length === 1);
    expect(store.deadLetters(5)[0]).toMatchObject({
      receiver: 'r',
      reason: 'network: ECONNREFUSED',
      notification: { id: n.id },
    });
    expect(outcomes).toEqual(['retrying', 'retrying', 'dead']);
    expect(store.loadOutbox()).toEqual([]);
  });

  it('a slow receiver times out and is retried', async () => {
    const srv = await loopback((_r, n) => (n === 1 ? 'hang' : {}));
    onTestFinished(() => srv.close());
    const { d, store } = delivery(`    webhook: { url: "${srv.url}" }\n    timeout: 200ms\n${RETRY}`);
    d.submit(note());
    await eventually(() => store.deliveries({ limit: 5 })[0]?.outcome === 'sent');
    expect(store.deliveries({ limit: 5 }).map((r) => r.outcome)).toEqual(['sent', 'retrying']);
  });

  it('a permanent 4xx is not retried', async () => {
    const srv = await loopback(() => ({ status: 404 }));
    onTestFinished(() => srv.close());
    const { d, store } = delivery(`    webhook: { url: "${srv.url}" }\n${RETRY}`);
    d.submit(note());
    await eventually(() => store.deadLetters(5).length === 1);
    expect(srv.received).toHaveLength(1);
  });

  it('over the rate limit, later notifications are folded into one digest, none dropped', async () => {
    const srv = await loopback();
    onTestFinished(() => srv.close());
    const { d, store } = delivery(
      `    webhook: { url: "${srv.url}" }\n    rate_limit: { messages: 2, per: 1s }\n${RETRY}`,
    );
    const sent = Array.from({ length: 7 }, () => note());
    for (const n of sent) {
      store.addOutbox(n);
      d.submit(n);
    }
    await eventually(() => srv.received.length === 3 && store.loadOutbox().length === 0);
    const bodies = srv.received.map((r) => JSON.parse(r.body));
    expect(bodies.map((b) => b.reason)).toEqual(['new', 'new', 'digest']);
    const all = bodies.flatMap((b) => b.alerts.map((a: { labels: { alertname: string } }) => a.labels.alertname));
    expect(all.sort()).toEqual(sent.map((n) => n.alerts[0]!.labels.alertname).sort());
    expect(store.deliveries({ limit: 20, outcome: 'digested' })).toHaveLength(5);
  });

  it('a DingTalk robot throttling through errcode 130101 is held, then gets a digest', async () => {
    const srv = await loopback((_r, n) => ({
      body: n === 2 ? '{"errcode":130101,"errmsg":"send too fast"}' : '{"errcode":0,"errmsg":"ok"}',
    }));
    onTestFinished(() => srv.close());
    const { d, store } = delivery(
      `    dingtalk: { url: { env: DT } }\n    throttle_pause: 300ms\n    concurrency: 1\n${RETRY}`,
      { DT: `${srv.url}/robot/send?access_token=t` },
    );
    const ns = [note(), note(), note(), note()];
    for (const n of ns) d.submit(n);
    await eventually(
      () =>
        store.deliveries({ limit: 20, outcome: 'sent' }).length >= 2 &&
        store.deliveries({ limit: 20, outcome: 'digested' }).length === 3,
    );
    // 1st sent; 2nd throttled and held with the 3rd and 4th; after the pause one digest carries all three.
    expect(srv.received).toHaveLength(3);
    const last = JSON.parse(srv.received[2]!.body);
    for (const n of ns.slice(1))
      expect(last.markdown.text).toContain(n.alerts[0]!.annotations.summary!.replace('problem ', 'problem '));
  });

  it('never logs or records a secret, even when the request fails', async () => {
    const srv = await loopback();
    const url = srv.url;
    await srv.close();
    const errors: string[] = [];
    const lines: string[] = [];
    const log = createLogger({
      name: 't',
      destination: new Writable({
        write(chunk, _e, cb) {
          lines.push(String(chunk));
          cb();
        },
      }),
    });
    const { d, store } = delivery(
      `    dingtalk: { url: { env: DT }, secret: { env: DTS } }\n${RETRY}`,
      { DT: `${url}/robot/send?access_token=TOPSECRETTOKEN`, DTS: 'SIGNSECRETVALUE' },
      errors,
    );
    d.submit(note());
    await eventually(() => store.deadLetters(5).length === 1);
    for (const e of errors) log.warn({ receiver: 'r', error: e }, 'delivery attempt failed');
    const everything = JSON.stringify([
      errors,
      lines,
      store.deliveries({ limit: 10 }),
      store.deadLetters(5)[0]!.reason,
    ]);
    expect(errors.length).toBeGreaterThan(0);
    expect(everything).not.toContain('TOPSECRETTOKEN');
    expect(everything).not.toContain('SIGNSECRETVALUE');
  });
});
