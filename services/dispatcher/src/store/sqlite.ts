import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { IncidentAck, Notification } from '@k2/contracts';
import type { Silence } from '../silence/silence.js';
import type { DeadLetter, DeliveryQuery, DeliveryRecord, GroupState, KnownAlert, StateStore } from './store.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS groups (key TEXT PRIMARY KEY, state TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS alerts (fingerprint TEXT PRIMARY KEY, state TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS silences (id TEXT PRIMARY KEY, state TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS acks (incident_id TEXT PRIMARY KEY, state TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS outbox (id TEXT PRIMARY KEY, seq INTEGER NOT NULL, notification TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS deliveries (
  seq INTEGER PRIMARY KEY AUTOINCREMENT, notification_id TEXT NOT NULL, receiver TEXT NOT NULL,
  group_key TEXT NOT NULL, at INTEGER NOT NULL, outcome TEXT NOT NULL, record TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS deliveries_receiver ON deliveries (receiver, seq);
CREATE TABLE IF NOT EXISTS dead_letters (seq INTEGER PRIMARY KEY AUTOINCREMENT, record TEXT NOT NULL);
`;

/** Everything in one SQLite file (WAL) under the state dir: `<stateDir>/dispatcher.db`. */
export class SqliteStore implements StateStore {
  private readonly db: Database.Database;
  private readonly stmts;
  private outboxSeq = 0;

  constructor(stateDir: string) {
    mkdirSync(stateDir, { recursive: true });
    this.db = new Database(join(stateDir, 'dispatcher.db'));
    this.db.pragma('journal_mode = WAL');
    // NORMAL in WAL mode loses at most the last transactions on power loss, never on a process crash.
    this.db.pragma('synchronous = NORMAL');
    this.db.exec(SCHEMA);
    const db = this.db;
    this.stmts = {
      putGroup: db.prepare('INSERT OR REPLACE INTO groups (key, state) VALUES (?, ?)'),
      deleteGroup: db.prepare('DELETE FROM groups WHERE key = ?'),
      putAlert: db.prepare('INSERT OR REPLACE INTO alerts (fingerprint, state) VALUES (?, ?)'),
      deleteAlert: db.prepare('DELETE FROM alerts WHERE fingerprint = ?'),
      putSilence: db.prepare('INSERT OR REPLACE INTO silences (id, state) VALUES (?, ?)'),
      putAck: db.prepare('INSERT OR REPLACE INTO acks (incident_id, state) VALUES (?, ?)'),
      addOutbox: db.prepare('INSERT OR IGNORE INTO outbox (id, seq, notification) VALUES (?, ?, ?)'),
      removeOutbox: db.prepare('DELETE FROM outbox WHERE id = ?'),
      logDelivery: db.prepare(
        'INSERT INTO deliveries (notification_id, receiver, group_key, at, outcome, record) VALUES (?, ?, ?, ?, ?, ?)',
      ),
      addDeadLetter: db.prepare('INSERT INTO dead_letters (record) VALUES (?)'),
    };
    this.outboxSeq = (db.prepare('SELECT MAX(seq) AS m FROM outbox').get() as { m: number | null }).m ?? 0;
  }

  transaction<T>(fn: () => T): T {
    return this.db.inTransaction ? fn() : this.db.transaction(fn)();
  }

  private all<T>(sql: string): T[] {
    return (this.db.prepare(sql).all() as { state: string }[]).map((r) => JSON.parse(r.state) as T);
  }

  loadGroups = () => this.all<GroupState>('SELECT state FROM groups');
  putGroup = (g: GroupState) => void this.stmts.putGroup.run(g.key, JSON.stringify(g));
  deleteGroup = (key: string) => void this.stmts.deleteGroup.run(key);
  loadAlerts = () => this.all<KnownAlert>('SELECT state FROM alerts');
  putAlert = (a: KnownAlert) => void this.stmts.putAlert.run(a.fingerprint, JSON.stringify(a));
  deleteAlert = (fp: string) => void this.stmts.deleteAlert.run(fp);
  loadSilences = () => this.all<Silence>('SELECT state FROM silences');
  putSilence = (s: Silence) => void this.stmts.putSilence.run(s.id, JSON.stringify(s));
  loadAcks = () => this.all<IncidentAck>('SELECT state FROM acks');
  putAck = (a: IncidentAck) => void this.stmts.putAck.run(a.incidentId, JSON.stringify(a));
  addOutbox = (n: Notification) => void this.stmts.addOutbox.run(n.id, ++this.outboxSeq, JSON.stringify(n));
  removeOutbox = (id: string) => void this.stmts.removeOutbox.run(id);
  loadOutbox = () =>
    (this.db.prepare('SELECT notification FROM outbox ORDER BY seq').all() as { notification: string }[]).map(
      (r) => JSON.parse(r.notification) as Notification,
    );

  logDelivery(r: DeliveryRecord): void {
    this.stmts.logDelivery.run(r.notificationId, r.receiver, r.groupKey, r.at, r.outcome, JSON.stringify(r));
  }

  deliveries(q: DeliveryQuery): DeliveryRecord[] {
    const filters: [string, string | number | undefined][] = [
      ['receiver = ?', q.receiver || undefined],
      ['outcome = ?', q.outcome || undefined],
      ['group_key = ?', q.groupKey || undefined],
      ['at >= ?', q.since],
    ];
    const used = filters.filter(([, v]) => v !== undefined);
    const where = used.map(([clause]) => clause);
    const args = used.map(([, v]) => v!);
    const sql = `SELECT record FROM deliveries ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq DESC LIMIT ?`;
    return (this.db.prepare(sql).all(...args, q.limit) as { record: string }[]).map(
      (r) => JSON.parse(r.record) as DeliveryRecord,
    );
  }

  addDeadLetter = (d: DeadLetter) => void this.stmts.addDeadLetter.run(JSON.stringify(d));
  deadLetters = (limit: number) =>
    (
      this.db.prepare('SELECT record FROM dead_letters ORDER BY seq DESC LIMIT ?').all(limit) as { record: string }[]
    ).map((r) => JSON.parse(r.record) as DeadLetter);

  close(): void {
    this.db.close();
  }
}
