import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { Dispatcher, SqliteStore } from '../src/index.js';
import { alert, Clock, routing } from './support.js';

const BASE = `
receivers:
  - name: default
    console: {}
  - name: pager
    console: {}
  - name: chat
    console: {}
`;

function core(yaml: string, clock = new Clock()) {
  const d = new Dispatcher({ routing: routing(yaml + BASE), now: clock.now });
  return { d, clock };
}

const MIN = 60_000;

describe('grouping (Alertmanager timing)', () => {
  it('K2 defaults: notifies at once, folds changes for group_interval, repeats after repeat_interval', () => {
    const { d, clock } = core(`route: { receiver: default, group_by: [namespace] }`);
    const first = d.ingest([alert({ alertname: 'a', namespace: 'shop' })]);
    expect(first.map((n) => [n.receiver, n.reason, n.alerts.length])).toEqual([['default', 'new', 1]]);
    clock.advance(10_000);
    expect(d.ingest([alert({ alertname: 'b', namespace: 'shop' })])).toEqual([]);
    clock.advance(MIN - 10_000);
    const changed = d.tick();
    expect(changed.map((n) => [n.reason, n.alerts.map((a) => a.labels.alertname).sort()])).toEqual([
      ['changed', ['a', 'b']],
    ]);
    clock.advance(4 * 60 * MIN - 1);
    expect(d.tick()).toEqual([]);
    clock.advance(1);
    expect(d.tick().map((n) => n.reason)).toEqual(['repeat']);
  });

  it('group_wait holds the first notification; the same alert twice changes nothing', () => {
    const { d, clock } = core(`route: { receiver: default, group_by: [alertname], group_wait: 30s }`);
    const a = alert({ alertname: 'x', pod: '1' });
    expect(d.ingest([a, a])).toEqual([]);
    clock.advance(30_000);
    expect(d.tick()).toHaveLength(1);
    clock.advance(5 * MIN);
    expect(d.ingest([a])).toEqual([]);
    expect(d.tick()).toEqual([]);
  });

  it('resolution is sent once, only to receivers with send_resolved', () => {
    const { d, clock } = core(`route: { receiver: default }`);
    const a = alert({ alertname: 'x' });
    d.ingest([a]);
    clock.advance(5 * MIN);
    const out = d.ingest([{ ...a, status: 'resolved', endsAt: new Date(clock.ms).toISOString() }]);
    expect(out.map((n) => [n.reason, n.status])).toEqual([['resolved', 'resolved']]);
    expect(d.groupCount).toBe(0);
  });

  it('a K2 incident redelivered with an old seq changes nothing', () => {
    const { d, clock } = core(`route: { receiver: default }`);
    d.ingest([alert({ alertname: 'x' }, { seq: 2 })]);
    clock.advance(2 * MIN);
    expect(d.ingest([alert({ alertname: 'x' }, { seq: 1, status: 'resolved' })])).toEqual([]);
    expect(d.counters.duplicates).toBe(1);
  });

  it('Alertmanager alerts keep their own group without group_by', () => {
    const { d } = core(`route: { receiver: default }`);
    const am = (name: string, key: string) =>
      alert({ alertname: name }, { source: 'alertmanager', sourceGroupKey: key });
    const out = d.ingest([am('a', 'g1'), am('b', 'g1'), am('c', 'g2')]);
    expect(out.map((n) => n.alerts.length).sort()).toEqual([1, 2]);
  });
});

describe('routing', () => {
  const tree = `
route:
  receiver: default
  routes:
    - matchers: ['severity="critical"']
      receiver: pager
      continue: true
    - matchers: ['namespace=~"shop|cart"']
      receiver: chat
`;
  it('walks the tree depth first; continue goes on to later siblings; regexes are anchored', () => {
    const { d } = core(tree);
    const to = (labels: Record<string, string>) =>
      d
        .ingest([alert(labels)])
        .map((n) => n.receiver)
        .sort();
    expect(to({ alertname: '1', severity: 'critical', namespace: 'shop' })).toEqual(['chat', 'pager']);
    expect(to({ alertname: '2', severity: 'critical', namespace: 'shopping' })).toEqual(['pager']);
    expect(to({ alertname: '3', severity: 'warning', namespace: 'cart' })).toEqual(['chat']);
    expect(to({ alertname: '4', namespace: 'x' })).toEqual(['default']);
  });
});

describe('silences, inhibition, time intervals', () => {
  it('a silenced alert is not sent; when the silence expires it is sent at once, not after repeat_interval', () => {
    const { d, clock } = core(`route: { receiver: default }`);
    const s = d.createSilence({
      matchers: ['namespace="shop"'],
      endsAt: new Date(clock.ms + 60 * MIN).toISOString(),
      createdBy: 'ann',
      comment: 'deploy',
    });
    expect(d.ingest([alert({ alertname: 'x', namespace: 'shop' })])).toEqual([]);
    expect(d.counters.silenced).toBe(1);
    clock.advance(5 * MIN);
    d.expireSilence(s.id);
    expect(d.tick().map((n) => n.reason)).toEqual(['new']);
  });

  it('a silence that runs out by itself releases its alerts at its end time', () => {
    const { d, clock } = core(`route: { receiver: default }`);
    d.createSilence({
      matchers: ['alertname="x"'],
      endsAt: new Date(clock.ms + 10 * MIN).toISOString(),
      createdBy: 'a',
      comment: 'c',
    });
    d.ingest([alert({ alertname: 'x' })]);
    expect(d.nextDeadline()).toBe(clock.ms + 10 * MIN);
    clock.advance(10 * MIN);
    expect(d.tick()).toHaveLength(1);
  });

  it('inhibit rules mute targets sharing the equal labels, not others', () => {
    const { d } = core(`
route: { receiver: default, group_by: ['...'] }
inhibit_rules:
  - source_matchers: ['severity="critical"']
    target_matchers: ['severity="warning"']
    equal: [namespace]
`);
    const out = d.ingest([
      alert({ alertname: 'down', severity: 'critical', namespace: 'shop' }),
      alert({ alertname: 'slow', severity: 'warning', namespace: 'shop' }),
      alert({ alertname: 'slow', severity: 'warning', namespace: 'cart' }),
    ]);
    expect(out.map((n) => `${n.alerts[0]!.labels.alertname}/${n.alerts[0]!.labels.namespace}`).sort()).toEqual([
      'down/shop',
      'slow/cart',
    ]);
  });

  it('mute time intervals hold notifications in their time zone and release them after', () => {
    const clock = new Clock(Date.parse('2026-03-02T23:30:00Z')); // Tuesday 07:30 in Shanghai
    const { d } = core(
      `
route: { receiver: default, mute_time_intervals: [night] }
time_intervals:
  - name: night
    time_intervals:
      - times: [{ start_time: '00:00', end_time: '08:00' }]
        location: Asia/Shanghai
`,
      clock,
    );
    expect(d.ingest([alert({ alertname: 'x' })])).toEqual([]);
    clock.advance(30 * MIN);
    expect(d.tick()).toHaveLength(1);
  });
});

describe('escalation and acks', () => {
  const chain = `
route:
  receiver: default
  escalation: sre
oncall:
  schedules:
    - name: primary
      rotation: daily
      handoff: '09:00'
      location: UTC
      start: '2026-03-01'
      participants: [{ name: ann, receiver: chat }, { name: bob, receiver: pager }]
  escalations:
    - name: sre
      repeat: 1
      steps:
        - { wait: 5m, schedules: [primary] }
        - { wait: 10m, receivers: [pager] }
`;
  it('notifies each step after its wait while unacknowledged, repeats the chain, then stops', () => {
    const { d, clock } = core(chain);
    const sent: string[] = [];
    const run = (ms: number) => {
      clock.advance(ms);
      sent.push(...d.tick().map((n) => `${n.receiver}:${n.escalationStep}`));
    };
    d.ingest([alert({ alertname: 'x', incident_id: 'a'.repeat(32) })]);
    // 2026-03-02 10:00 UTC: day 1 of the rotation, so bob (pager) is on call.
    run(5 * MIN);
    run(10 * MIN);
    run(5 * MIN);
    run(10 * MIN);
    run(60 * MIN);
    expect(sent).toEqual(['pager:0', 'pager:1', 'pager:2', 'pager:3']);
  });

  it('an acknowledged incident stops escalating', () => {
    const { d, clock } = core(chain);
    d.ingest([alert({ alertname: 'x', incident_id: 'b'.repeat(32) })]);
    clock.advance(5 * MIN);
    expect(d.tick()).toHaveLength(1);
    d.ack({
      incidentId: 'b'.repeat(32),
      cluster: 'c',
      namespace: 'n',
      by: 'ann',
      at: new Date(clock.ms).toISOString(),
    });
    clock.advance(60 * MIN);
    expect(d.tick()).toEqual([]);
  });

  it('after a restart it still knows its alerts: old seqs change nothing, firing ones inhibit, resolved ones stay resolved', () => {
    const dir = mkdtempSync(join(tmpdir(), 'k2-dispatch-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const clock = new Clock();
    const cfg = routing(
      `
route: { receiver: default, group_by: ['...'] }
inhibit_rules:
  - source_matchers: ['severity="critical"']
    target_matchers: ['severity="warning"']
    equal: [namespace]
` + BASE,
    );
    const down = (over = {}) => alert({ alertname: 'down', severity: 'critical', namespace: 'shop' }, over);
    const gone = (over = {}) => alert({ alertname: 'gone', namespace: 'shop' }, { fingerprint: 'fp-gone', ...over });
    let store = new SqliteStore(dir);
    let d = new Dispatcher({ routing: cfg, now: clock.now, store });
    d.ingest([down({ seq: 3 }), gone({ seq: 1 })]);
    clock.advance(2 * MIN);
    expect(d.ingest([gone({ seq: 2, status: 'resolved' })]).map((n) => n.reason)).toEqual(['resolved']);
    store.close(); // the process dies here
    store = new SqliteStore(dir);
    onTestFinished(() => store.close());
    d = new Dispatcher({ routing: cfg, now: clock.now, store });
    // Redelivered records: none of them is news.
    expect(d.ingest([down({ seq: 3 }), gone({ seq: 2, status: 'resolved' })])).toEqual([]);
    expect(d.counters.duplicates).toBe(2);
    // The critical alert still fires, so a warning beside it is muted.
    expect(d.ingest([alert({ alertname: 'slow', severity: 'warning', namespace: 'shop' })])).toEqual([]);
    expect(d.counters.inhibited).toBe(1);
    // A resolved alert firing again with a newer seq is news again.
    expect(d.ingest([gone({ seq: 3 })]).map((n) => n.reason)).toEqual(['new']);
  });

  it('restarted from its SQLite state mid-escalation, it neither repeats nor skips a step', () => {
    const dir = mkdtempSync(join(tmpdir(), 'k2-dispatch-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const clock = new Clock();
    const cfg = routing(chain + BASE);
    let store = new SqliteStore(dir);
    let d = new Dispatcher({ routing: cfg, now: clock.now, store });
    const sent: string[] = [];
    const note = (ns: { receiver: string; reason: string; escalationStep?: number }[]) =>
      sent.push(...ns.map((n) => `${n.receiver}:${n.reason}:${n.escalationStep ?? ''}`));
    note(d.ingest([alert({ alertname: 'x' })]));
    clock.advance(5 * MIN);
    note(d.tick());
    store.close(); // the process dies here
    store = new SqliteStore(dir);
    d = new Dispatcher({ routing: cfg, now: clock.now, store });
    note(d.ingest([alert({ alertname: 'x' })])); // the bus redelivers the alert
    clock.advance(10 * MIN);
    note(d.tick());
    expect(sent).toEqual(['default:new:', 'pager:escalation:0', 'pager:escalation:1']);
    expect(store.loadOutbox()).toHaveLength(3);
    store.close();
  });
});
