import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '@k2/config';
import { SqliteEventStore } from '@k2/event-store';
import { afterAll, describe, expect, it } from 'vitest';
import { event } from '../../../libs/event-store/test/fixtures.js';
import { Authenticator, sha256Hex } from '../src/index.js';
import { scheduleRetention } from '../src/retention.js';
import { eventCenterConfig, eventually, silent } from './harness.js';

const dir = mkdtempSync(join(tmpdir(), 'k2-event-center-misc-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('Authenticator', () => {
  const auth = new Authenticator(
    eventCenterConfig({
      auth: {
        tokens: [
          { user: 'alice', sha256: sha256Hex('alice-token-0123456789'), grants: [{ cluster: 'c', namespace: 'a' }] },
        ],
        proxy: {
          trustedAddresses: ['10.0.0.5'],
          groups: [
            { group: 'sre', admin: true },
            { group: 'team-a', grants: [{ cluster: 'c', namespace: 'a' }] },
            {
              group: 'team-a2',
              grants: [
                { cluster: 'c', namespace: 'a' },
                { cluster: 'd', namespace: '*' },
              ],
            },
          ],
        },
      },
    }).auth,
  );
  const headers = (h: Record<string, string>) => (name: string) => h[name];

  it('accepts a configured token and refuses any other', () => {
    expect(auth.authenticate({ token: 'alice-token-0123456789', header: headers({}) })).toMatchObject({
      user: 'alice',
      admin: false,
      grants: [{ cluster: 'c', namespace: 'a' }],
    });
    expect(auth.authenticate({ token: 'alice-token-012345678', header: headers({}) })).toMatchObject({
      reason: 'invalid',
    });
    expect(auth.authenticate({ header: headers({}) })).toMatchObject({ reason: 'missing' });
  });

  it('believes proxy headers from the trusted address only, mapping groups to grants and admin', () => {
    const h = headers({ 'x-forwarded-user': 'carol', 'x-forwarded-groups': 'team-a, team-a2' });
    expect(auth.authenticate({ peer: '10.0.0.5', header: h })).toEqual({
      user: 'carol',
      admin: false,
      grants: [
        { cluster: 'c', namespace: 'a' },
        { cluster: 'd', namespace: '*' },
      ],
      via: 'proxy',
    });
    expect(
      auth.authenticate({
        peer: '::ffff:10.0.0.5',
        header: headers({ 'x-forwarded-user': 'dan', 'x-forwarded-groups': 'sre' }),
      }),
    ).toMatchObject({
      user: 'dan',
      admin: true,
    });
    // The same headers from anyone else are ignored: that caller is not signed in.
    expect(auth.authenticate({ peer: '10.0.0.6', header: h })).toMatchObject({ reason: 'missing' });
    expect(auth.authenticate({ peer: '127.0.0.1', header: h })).toMatchObject({ reason: 'missing' });
  });
});

describe('eventCenter config', () => {
  it('names the file, line and path of a bad value', () => {
    const file = join(dir, 'k2.yaml');
    writeFileSync(file, 'eventCenter:\n  auth:\n    tokens:\n      - user: alice\n        sha256: not-a-hash\n');
    let problem: unknown;
    try {
      loadConfig(file, { env: {} });
    } catch (err) {
      problem = err;
    }
    expect(problem).toBeInstanceOf(ConfigError);
    expect((problem as Error).message).toMatch(
      /k2\.yaml:5:\d+: eventCenter\.auth\.tokens\.0\.sha256: expected the sha256/,
    );
  });

  it('defaults to SQLite under ./data, port 8080, 30 days of retention', () => {
    const c = loadConfig(undefined, { env: {} }).eventCenter;
    expect(c.store).toMatchObject({ kind: 'sqlite', sqlite: { path: 'data/event-center.db' } });
    expect(c.http.port).toBe(8080);
    expect(c.retention.days).toBe(30);
  });
});

describe('retention', () => {
  it('purges old events on its cron schedule', async () => {
    const store = new SqliteEventStore({ path: join(dir, 'retention.db') });
    await store.init();
    const old = event({ at: Date.now() - 3 * 86_400_000 });
    const fresh = event({ at: Date.now() });
    await store.writeEvents([old, fresh]);
    const stop = scheduleRetention(store, 2, '* * * * * *', silent);
    try {
      await eventually(async () => (await store.search({})).items.length === 1, 10_000, 'the purge');
      expect((await store.search({})).items.map((e) => e.id)).toEqual([fresh.id]);
    } finally {
      stop();
      await store.close();
    }
  });

  it('refuses a schedule that is not cron', () => {
    const store = new SqliteEventStore({ path: ':memory:' });
    expect(() => scheduleRetention(store, 1, 'every day', silent)).toThrow(/eventCenter\.retention\.schedule/);
  });
});
