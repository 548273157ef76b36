import type { Alert, IncidentAck, Notification } from '@k2/contracts';
import { hashParts } from '../route/hash.js';
import { matchesAll } from '../route/matcher.js';
import type { RoutingConfig } from '../route/config.js';
import { groupKey, groupLabels, matchRoutes, type Route } from '../route/tree.js';
import { onCallAt } from '../oncall/schedule.js';
import { Silences, type Silence, type SilenceInput } from '../silence/silence.js';
import { MemoryStore } from '../store/memory.js';
import type { GroupState, KnownAlert, StateStore } from '../store/store.js';
import { TimerHeap } from './heap.js';
import { Routing } from './routing.js';

export interface DispatcherOptions {
  routing: RoutingConfig;
  /** Defaults to memory (nothing survives); the service passes the SQLite store. */
  store?: StateStore;
  /** Milliseconds since the epoch; `k2 replay` passes its virtual clock. */
  now?: () => number;
  /** Called for each notification once it is recorded in the store's outbox. */
  onNotification?: (n: Notification) => void;
}

export interface DispatcherCounters {
  received: number;
  duplicates: number;
  notifications: number;
  silenced: number;
  inhibited: number;
  mutedByTime: number;
  escalations: number;
}

/** Resolved alerts of K2 incidents are remembered this long, so a late redelivery changes nothing. */
const RESOLVED_MEMORY_MS = 24 * 3_600_000;

const setHash = (alerts: readonly Alert[]): string =>
  alerts.length === 0 ? '' : hashParts(alerts.map((a) => `${a.fingerprint}:${JSON.stringify(a.labels)}`).sort());

/**
 * The dispatcher's core, with no I/O but its store: alerts in, notifications out, time from the
 * injected clock. Alertmanager's model (route tree → aggregation groups with group_wait,
 * group_interval, repeat_interval; silences; inhibit rules; time intervals) plus K2's
 * escalation chains and acknowledgements. Call `tick()` at `nextDeadline()`.
 */
export class Dispatcher {
  readonly silences = new Silences();
  readonly routing: Routing;
  readonly store: StateStore;
  readonly counters: DispatcherCounters = {
    received: 0,
    duplicates: 0,
    notifications: 0,
    silenced: 0,
    inhibited: 0,
    mutedByTime: 0,
    escalations: 0,
  };
  private readonly now: () => number;
  private readonly onNotification: (n: Notification) => void;
  private readonly groups = new Map<string, GroupState>();
  private readonly known = new Map<string, KnownAlert & { groups?: string[] }>();
  private readonly acks = new Map<string, IncidentAck>();
  private readonly timers = new TimerHeap<{ key: string; kind: 'flush' | 'escalate' }>();
  private firingVersion = 0;
  private lastTick: number;
  private pending: Notification[] = [];
  /** Groups changed in the current step, written to the store once at its end. */
  private readonly touched = new Set<GroupState>();
  private lastForget = 0;

  constructor(options: DispatcherOptions) {
    this.routing = new Routing(options.routing);
    this.store = options.store ?? new MemoryStore();
    this.now = options.now ?? Date.now;
    this.onNotification = options.onNotification ?? (() => {});
    for (const g of this.store.loadGroups()) {
      this.groups.set(g.key, g);
      this.schedule(g);
    }
    for (const a of this.store.loadAlerts()) this.known.set(a.fingerprint, a);
    this.knowHeldAlerts();
    this.silences.load(this.store.loadSilences());
    for (const a of this.store.loadAcks()) this.acks.set(a.incidentId, a);
    this.lastTick = this.now();
  }

  /** Alerts held by groups: the groups' copies are the latest (an alert's own row may be older). */
  private knowHeldAlerts(): void {
    const held = new Map<string, KnownAlert & { groups: string[] }>();
    for (const g of this.groups.values()) {
      for (const [fingerprint, a] of Object.entries(g.alerts)) {
        const k = held.get(fingerprint);
        if (k) k.groups.push(g.key);
        else
          held.set(fingerprint, {
            fingerprint,
            labels: a.labels,
            firing: a.status === 'firing',
            seq: a.seq,
            updatedAt: a.receivedAt,
            groups: [g.key],
          });
      }
    }
    for (const [fingerprint, k] of held) this.known.set(fingerprint, k);
  }

  get groupCount(): number {
    return this.groups.size;
  }

  /** Takes alerts in (idempotent: the same alert twice changes nothing) and sends what is due. */
  ingest(alerts: readonly Alert[]): Notification[] {
    const now = this.now();
    this.step(() => {
      for (const alert of alerts) this.ingestOne(alert, now);
      this.runDue(now);
    });
    return this.handOver();
  }

  private ingestOne(alert: Alert, now: number): void {
    this.counters.received++;
    const prev = this.known.get(alert.fingerprint);
    if (alert.seq !== undefined && prev?.seq !== undefined && alert.seq <= prev.seq) {
      this.counters.duplicates++;
      return;
    }
    const firing = alert.status === 'firing';
    const routes = matchRoutes(this.routing.tree, alert.labels);
    const keys = routes.map((r) => groupKey(r, alert));
    // An alert whose labels changed (an incident's severity rose) leaves groups it no longer belongs to.
    for (const old of prev?.groups ?? []) if (!keys.includes(old)) this.leaveGroup(old, alert.fingerprint, now);
    if (prev === undefined && !firing) {
      this.counters.duplicates++;
      return; // resolved before we ever saw it firing: nothing to tell anyone
    }
    const known = {
      fingerprint: alert.fingerprint,
      labels: alert.labels,
      firing,
      seq: alert.seq,
      updatedAt: now,
      groups: keys,
    };
    if ((prev?.firing ?? false) !== firing || JSON.stringify(prev?.labels) !== JSON.stringify(alert.labels))
      this.firingVersion++;
    this.known.set(alert.fingerprint, known);
    // A firing alert is stored with the groups that hold it, and known again from them at start
    // (knowHeldAlerts): one row less per alert. Resolved ones, which leave their groups, get a row.
    if (!firing || keys.length === 0) this.store.putAlert(known);
    routes.forEach((route, i) => this.joinGroup(route, keys[i]!, alert, now));
  }

  private joinGroup(route: Route, key: string, alert: Alert, now: number): void {
    let group = this.groups.get(key);
    if (!group) {
      if (alert.status === 'resolved') return;
      group = {
        key,
        routeId: route.id,
        receiver: route.receiver,
        labels: groupLabels(route, alert),
        alerts: {},
        createdAt: now,
        nextFlushAt: now + route.groupWait,
        dirty: true,
      };
      this.groups.set(key, group);
    }
    const before = group.alerts[alert.fingerprint];
    group.alerts[alert.fingerprint] = alert;
    const changed =
      !before || before.status !== alert.status || JSON.stringify(before.labels) !== JSON.stringify(alert.labels);
    if (changed) this.markDirty(group, route, now);
    this.touched.add(group);
    this.schedule(group);
  }

  private markDirty(group: GroupState, route: Route, now: number): void {
    group.dirty = true;
    if (group.lastFlushAt !== undefined) {
      const at = Math.max(now, group.lastFlushAt + route.groupInterval);
      group.nextFlushAt = group.nextFlushAt === undefined ? at : Math.min(group.nextFlushAt, at);
    } else if (group.nextFlushAt === undefined) {
      group.nextFlushAt = now;
    }
  }

  private leaveGroup(key: string, fingerprint: string, now: number): void {
    const group = this.groups.get(key);
    if (!group || !group.alerts[fingerprint]) return;
    delete group.alerts[fingerprint];
    if (Object.keys(group.alerts).length === 0) {
      this.groups.delete(key);
      this.touched.delete(group);
      this.store.deleteGroup(key);
      return;
    }
    this.markDirty(group, this.route(group), now);
    this.touched.add(group);
    this.schedule(group);
  }

  private route(group: GroupState): Route {
    // A group whose route vanished with a config change falls back to the root route.
    return this.routing.routes.get(group.routeId) ?? this.routing.tree;
  }

  private schedule(group: GroupState): void {
    if (group.nextFlushAt !== undefined) this.timers.push(group.nextFlushAt, { key: group.key, kind: 'flush' });
    const esc = group.escalation;
    if (esc && !esc.ackedBy && Number.isFinite(esc.nextAt))
      this.timers.push(esc.nextAt, { key: group.key, kind: 'escalate' });
  }

  /** One transaction: the changes and the groups they touched are stored together, or not at all. */
  private step(fn: () => void): void {
    this.store.transaction(() => {
      fn();
      for (const g of this.touched) this.store.putGroup(g);
      this.touched.clear();
    });
  }

  /** The next moment `tick()` has work: a group to flush, an escalation step, a silence starting or ending. */
  nextDeadline(): number | undefined {
    const a = this.timers.peek();
    const b = this.silences.nextChange(this.lastTick);
    if (a === undefined) return b;
    return b === undefined ? a : Math.min(a, b);
  }

  /** Does everything due by now; returns the notifications decided (already in the outbox). */
  tick(): Notification[] {
    const now = this.now();
    this.step(() => this.runDue(now));
    return this.handOver();
  }

  private runDue(now: number): void {
    this.silenceChanges(now);
    for (let top = this.timers.peek(); top !== undefined && top <= now; top = this.timers.peek()) {
      const { at, value } = this.timers.pop()!;
      const group = this.groups.get(value.key);
      if (!group) continue;
      if (value.kind === 'flush' && group.nextFlushAt === at) this.flush(group, now);
      else if (value.kind === 'escalate' && group.escalation?.nextAt === at) this.escalate(group, now);
    }
    this.forgetResolved(now);
    this.lastTick = now;
  }

  /** After the step committed: the outbox has them, so the sink may send them. */
  private handOver(): Notification[] {
    const out = this.pending;
    this.pending = [];
    for (const n of out) this.onNotification(n);
    return out;
  }

  /** A silence that ended since the last tick: its groups are looked at now, not at repeat_interval. */
  private silenceChanges(now: number): void {
    for (const s of this.silences.list()) if (s.endsAt > this.lastTick && s.endsAt <= now) this.release(s.id, now);
  }

  private release(silenceId: string, now: number): void {
    const matchers = this.silences.matchers(silenceId);
    for (const group of this.groups.values()) {
      if (!Object.values(group.alerts).some((a) => matchesAll(matchers, a.labels))) continue;
      group.dirty = true;
      group.nextFlushAt = now;
      this.touched.add(group);
      this.schedule(group);
    }
  }

  private muted(alert: Alert, now: number): 'silenced' | 'inhibited' | undefined {
    if (this.silences.silencedBy(alert.labels, now)) return 'silenced';
    if (
      alert.status === 'firing' &&
      this.routing.inhibitor.inhibitedBy(alert, () => this.firingAlerts(), this.firingVersion)
    )
      return 'inhibited';
    return undefined;
  }

  private *firingAlerts() {
    for (const a of this.known.values()) if (a.firing) yield a;
  }

  private flush(group: GroupState, now: number): void {
    const route = this.route(group);
    const receiver = this.routing.receivers.get(group.receiver);
    group.nextFlushAt = undefined;
    if (!this.routing.timeIntervals.allows(route.muteTimeIntervals, route.activeTimeIntervals, now)) {
      this.counters.mutedByTime++;
      group.nextFlushAt = now + route.groupInterval;
      this.touched.add(group);
      this.schedule(group);
      return;
    }
    const firing: Alert[] = [];
    const resolved: Alert[] = [];
    for (const alert of Object.values(group.alerts)) {
      const muted = this.muted(alert, now);
      if (muted) this.counters[muted]++;
      if (alert.status === 'resolved') {
        if (muted !== 'silenced') resolved.push(alert);
      } else if (!muted) firing.push(alert);
    }
    const sendResolved = receiver?.send_resolved ?? true;
    const firingHash = setHash(firing);
    const resolvedHash = setHash(resolved);
    const sent = group.sent;
    let reason: Notification['reason'] | undefined;
    if (firing.length > 0) {
      if (!sent) reason = 'new';
      else if (firingHash !== sent.firing) reason = 'changed';
      else if (sendResolved && resolved.length > 0 && resolvedHash !== sent.resolved) reason = 'changed';
      else if (now >= sent.at + route.repeatInterval) reason = 'repeat';
    } else if (sent && sent.firing !== '' && resolved.length > 0 && sendResolved) {
      reason = 'resolved';
    }
    if (reason) {
      const alerts = sendResolved ? [...firing, ...resolved] : firing;
      this.emit(group, group.receiver, reason, alerts, now, firingHash, resolvedHash);
      const wasFiring = sent !== undefined && sent.firing !== '';
      group.sent = { firing: firingHash, resolved: resolvedHash, at: now };
      if (!wasFiring && firing.length > 0 && route.escalation) this.startEscalation(group, route.escalation, now);
    } else if (sent && firing.length === 0) {
      // Everything it told about is gone or muted: the next firing alert is news again.
      group.sent = { ...sent, firing: '' };
    }
    for (const a of resolved) delete group.alerts[a.fingerprint];
    for (const [fp, a] of Object.entries(group.alerts)) if (a.status === 'resolved') delete group.alerts[fp];
    group.lastFlushAt = now;
    group.dirty = false;
    if (Object.keys(group.alerts).length === 0) {
      this.groups.delete(group.key);
      this.touched.delete(group);
      this.store.deleteGroup(group.key);
      return;
    }
    if (firing.length > 0 && group.sent) group.nextFlushAt = group.sent.at + route.repeatInterval;
    this.touched.add(group);
    this.schedule(group);
  }

  private emit(
    group: GroupState,
    receiver: string,
    reason: Notification['reason'],
    alerts: Alert[],
    now: number,
    firingHash: string,
    resolvedHash: string,
    escalationStep?: number,
  ): void {
    const n: Notification = {
      id: hashParts([group.key, receiver, reason, firingHash, resolvedHash, now, escalationStep ?? -1]),
      receiver,
      groupKey: group.key,
      groupLabels: group.labels,
      status: alerts.some((a) => a.status === 'firing') ? 'firing' : 'resolved',
      alerts,
      reason,
      ...(escalationStep !== undefined ? { escalationStep } : {}),
      createdAt: now,
    };
    this.counters.notifications++;
    this.store.addOutbox(n);
    this.pending.push(n);
  }

  private startEscalation(group: GroupState, name: string, now: number): void {
    const chain = this.routing.escalations.get(name);
    if (!chain) return;
    const ackedBy = this.ackOf(group);
    group.escalation = { name, step: 0, pass: 0, nextAt: now + chain.steps[0]!.wait, ...(ackedBy ? { ackedBy } : {}) };
  }

  private ackOf(group: GroupState): string | undefined {
    for (const a of Object.values(group.alerts)) {
      const id = a.labels.incident_id;
      const ack = id ? this.acks.get(id) : undefined;
      if (ack) return ack.by;
    }
    return undefined;
  }

  private escalate(group: GroupState, now: number): void {
    const esc = group.escalation!;
    const chain = this.routing.escalations.get(esc.name);
    const firing = Object.values(group.alerts).filter((a) => a.status === 'firing' && !this.muted(a, now));
    if (!chain || esc.ackedBy || firing.length === 0) {
      esc.nextAt = Infinity;
      this.touched.add(group);
      return;
    }
    const step = chain.steps[esc.step]!;
    const targets = new Set([
      ...step.receivers,
      ...step.schedules.flatMap((s) => {
        const schedule = this.routing.schedules.get(s);
        return schedule ? [onCallAt(schedule, now).receiver] : [];
      }),
    ]);
    const number = esc.pass * chain.steps.length + esc.step;
    const firingHash = setHash(firing);
    for (const receiver of targets) this.emit(group, receiver, 'escalation', firing, now, firingHash, '', number);
    this.counters.escalations++;
    esc.step++;
    if (esc.step === chain.steps.length) {
      esc.step = 0;
      esc.pass++;
    }
    esc.nextAt = esc.pass > chain.repeat ? Infinity : now + chain.steps[esc.step]!.wait;
    this.touched.add(group);
    this.schedule(group);
  }

  /** Someone took the incident on: escalation of every group holding it stops. */
  ack(ack: IncidentAck): void {
    this.step(() => {
      this.acks.set(ack.incidentId, ack);
      this.store.putAck(ack);
      for (const group of this.groups.values()) {
        if (!group.escalation || group.escalation.ackedBy) continue;
        if (Object.values(group.alerts).some((a) => a.labels.incident_id === ack.incidentId)) {
          group.escalation.ackedBy = ack.by;
          this.touched.add(group);
        }
      }
    });
  }

  /** Acknowledges one group by key (the API's ack for alerts that are not K2 incidents). */
  ackGroup(key: string, by: string): boolean {
    const group = this.groups.get(key);
    if (!group?.escalation) return false;
    group.escalation.ackedBy = by;
    this.store.putGroup(group);
    return true;
  }

  createSilence(input: SilenceInput): Silence {
    const s = this.silences.create(input, this.now());
    this.store.putSilence(s);
    return s;
  }

  /** Ends a silence now; its alerts still firing are notified at the next tick. */
  expireSilence(id: string): Silence | undefined {
    const now = this.now();
    const s = this.silences.expire(id, now);
    if (!s) return undefined;
    this.step(() => {
      this.store.putSilence(s);
      this.release(id, now);
    });
    return s;
  }

  groupsView(): GroupState[] {
    return [...this.groups.values()];
  }

  private forgetResolved(now: number): void {
    if (now - this.lastForget < 60_000) return;
    this.lastForget = now;
    for (const [fp, a] of this.known) {
      if (!a.firing && now - a.updatedAt > RESOLVED_MEMORY_MS) {
        this.known.delete(fp);
        this.store.deleteAlert(fp);
      }
    }
  }
}
