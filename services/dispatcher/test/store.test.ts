import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it, onTestFinished } from 'vitest';
import type { Notification } from '@k2/contracts';
import { SqliteStore } from '../src/index.js';
import type { GroupState } from '../src/store/store.js';

function stateDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'k2-store-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const group = (key: string, extra: Partial<GroupState> = {}): GroupState => ({
  key,
  routeId: '0',
  receiver: 'r',
  labels: { alertname: key },
  alerts: {},
  createdAt: 1,
  dirty: false,
  ...extra,
});

const note = (id: string): Notification => ({
  id,
  receiver: 'r',
  groupKey: 'g',
  groupLabels: {},
  status: 'firing',
  alerts: [],
  reason: 'new',
  createdAt: 1,
});

describe('SQLite state', () => {
  it('takes over a state dir written by the earlier schema: groups, alerts and the outbox in order', () => {
    const dir = stateDir();
    const old = new Database(join(dir, 'dispatcher.db'));
    old.exec(`
      CREATE TABLE groups (key TEXT PRIMARY KEY, state TEXT NOT NULL);
      CREATE TABLE alerts (fingerprint TEXT PRIMARY KEY, state TEXT NOT NULL);
      CREATE TABLE outbox (id TEXT PRIMARY KEY, seq INTEGER NOT NULL, notification TEXT NOT NULL);`);
    old.prepare('INSERT INTO groups VALUES (?, ?)').run('g1', JSON.stringify(group('g1')));
    old.prepare('INSERT INTO alerts VALUES (?, ?)').run('fp1', JSON.stringify({ fingerprint: 'fp1', labels: {} }));
    old.prepare('INSERT INTO outbox VALUES (?, ?, ?)').run('n-b', 2, JSON.stringify(note('n-b')));
    old.prepare('INSERT INTO outbox VALUES (?, ?, ?)').run('n-a', 1, JSON.stringify(note('n-a')));
    old.close();

    const store = new SqliteStore(dir);
    onTestFinished(() => store.close());
    expect(store.loadGroups().map((g) => g.key)).toEqual(['g1']);
    expect(store.loadAlerts().map((a) => a.fingerprint)).toEqual(['fp1']);
    expect(store.loadOutbox().map((n) => n.id)).toEqual(['n-a', 'n-b']);
  });

  it('keeps one row per key across updates, deletes, duplicates and a rolled-back step, and after a restart', () => {
    const dir = stateDir();
    let store = new SqliteStore(dir);
    store.transaction(() => {
      store.putGroup(group('g1'));
      store.putGroup(group('g2'));
      store.putGroup(group('g1', { dirty: true }));
      store.deleteGroup('g2');
      store.addOutbox(note('n1'));
      store.addOutbox({ ...note('n1'), reason: 'repeat' }); // recorded once
      store.addOutbox(note('n2'));
      store.removeOutbox('n1');
    });
    expect(() =>
      store.transaction(() => {
        store.putGroup(group('g3'));
        store.removeOutbox('n2');
        throw new Error('step failed');
      }),
    ).toThrow('step failed');
    store.transaction(() => store.putGroup(group('g3', { dirty: true })));
    store.close();

    store = new SqliteStore(dir);
    onTestFinished(() => store.close());
    expect(store.loadGroups().map((g) => [g.key, g.dirty])).toEqual([
      ['g1', true],
      ['g3', true],
    ]);
    expect(store.loadOutbox().map((n) => [n.id, n.reason])).toEqual([['n2', 'new']]);
  });
});
