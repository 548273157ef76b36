import type { Alert, IncidentAck, Labels, Notification } from '@k2/contracts';
import type { Silence } from '../silence/silence.js';

/** What the last notification of a group to its receiver carried. */
export interface SentState {
  firing: string;
  resolved: string;
  at: number;
}

export interface EscalationState {
  name: string;
  /** Index of the next step to fire. */
  step: number;
  /** Completed passes through the chain. */
  pass: number;
  nextAt: number;
  ackedBy?: string;
}

/** One aggregation group: alerts of one route with the same group labels. */
export interface GroupState {
  key: string;
  routeId: string;
  receiver: string;
  labels: Labels;
  alerts: Record<string, Alert>;
  createdAt: number;
  /** When the group is next looked at; undefined when nothing is due until an alert changes it. */
  nextFlushAt?: number;
  lastFlushAt?: number;
  /** Changed since the last notification. */
  dirty: boolean;
  sent?: SentState;
  escalation?: EscalationState;
}

/** An alert the dispatcher has seen: its last seq (redeliveries are dropped) and whether it fires (inhibition). */
export interface KnownAlert {
  fingerprint: string;
  labels: Labels;
  firing: boolean;
  seq?: number;
  updatedAt: number;
}

export interface DeliveryRecord {
  notificationId: string;
  receiver: string;
  kind: string;
  groupKey: string;
  at: number;
  outcome: 'sent' | 'retrying' | 'dead' | 'digested' | 'skipped';
  attempts: number;
  status?: number;
  error?: string;
  alerts: number;
  /** `cluster/namespace` of the alerts, so the API shows a user only what they may see. */
  scopes: string[];
  /** The digest a folded notification went out in. */
  digestId?: string;
}

export interface DeadLetter {
  notification: Notification;
  receiver: string;
  reason: string;
  at: number;
}

export interface DeliveryQuery {
  receiver?: string;
  outcome?: string;
  groupKey?: string;
  since?: number;
  limit: number;
}

/**
 * Where the dispatcher keeps everything that must survive a restart. The core writes through it
 * inside `transaction`, so a notification is recorded in the outbox in the same step as the group
 * state that decided it: a crash either keeps both or neither.
 */
export interface StateStore {
  transaction<T>(fn: () => T): T;
  loadGroups(): GroupState[];
  putGroup(g: GroupState): void;
  deleteGroup(key: string): void;
  loadAlerts(): KnownAlert[];
  putAlert(a: KnownAlert): void;
  deleteAlert(fingerprint: string): void;
  loadSilences(): Silence[];
  putSilence(s: Silence): void;
  loadAcks(): IncidentAck[];
  putAck(a: IncidentAck): void;
  /** Notifications decided and not yet delivered (or dead-lettered). */
  addOutbox(n: Notification): void;
  removeOutbox(id: string): void;
  loadOutbox(): Notification[];
  logDelivery(r: DeliveryRecord): void;
  deliveries(q: DeliveryQuery): DeliveryRecord[];
  addDeadLetter(d: DeadLetter): void;
  deadLetters(limit: number): DeadLetter[];
  close(): void;
}
