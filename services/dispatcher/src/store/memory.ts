import type { IncidentAck, Notification } from '@k2/contracts';
import type { Silence } from '../silence/silence.js';
import type { DeadLetter, DeliveryQuery, DeliveryRecord, GroupState, KnownAlert, StateStore } from './store.js';

const clone = <T>(v: T): T => structuredClone(v);

/**
 * Keeps state in memory: for `k2 replay` and tests. Same contract as the SQLite store, minus
 * surviving a restart. Holds the objects it is given (the dispatcher's live state) and hands out
 * copies, so a second dispatcher on the same store starts from what the first one left.
 */
export class MemoryStore implements StateStore {
  private readonly groups = new Map<string, GroupState>();
  private readonly alerts = new Map<string, KnownAlert>();
  private readonly silences = new Map<string, Silence>();
  private readonly acks = new Map<string, IncidentAck>();
  private readonly outbox = new Map<string, Notification>();
  private readonly log: DeliveryRecord[] = [];
  private readonly dead: DeadLetter[] = [];

  transaction<T>(fn: () => T): T {
    return fn();
  }
  loadGroups = () => [...this.groups.values()].map(clone);
  putGroup = (g: GroupState) => void this.groups.set(g.key, g);
  deleteGroup = (key: string) => void this.groups.delete(key);
  loadAlerts = () => [...this.alerts.values()].map(clone);
  putAlert = (a: KnownAlert) => void this.alerts.set(a.fingerprint, a);
  deleteAlert = (fp: string) => void this.alerts.delete(fp);
  loadSilences = () => [...this.silences.values()].map(clone);
  putSilence = (s: Silence) => void this.silences.set(s.id, s);
  loadAcks = () => [...this.acks.values()];
  putAck = (a: IncidentAck) => void this.acks.set(a.incidentId, a);
  addOutbox = (n: Notification) => void this.outbox.set(n.id, n);
  removeOutbox = (id: string) => void this.outbox.delete(id);
  loadOutbox = () => [...this.outbox.values()];
  logDelivery = (r: DeliveryRecord) => void this.log.push(r);
  deliveries(q: DeliveryQuery): DeliveryRecord[] {
    return this.log
      .filter(
        (r) =>
          (!q.receiver || r.receiver === q.receiver) &&
          (!q.outcome || r.outcome === q.outcome) &&
          (!q.groupKey || r.groupKey === q.groupKey) &&
          (q.since === undefined || r.at >= q.since),
      )
      .slice(-q.limit)
      .reverse();
  }
  addDeadLetter = (d: DeadLetter) => void this.dead.push(d);
  deadLetters = (limit: number) => this.dead.slice(-limit).reverse();
  close(): void {}
}
