import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InProcessBus, type Bus } from '@k2/bus';
import { configSchema } from '@k2/config';
import { EVENTS_TOPIC, INCIDENTS_TOPIC, type Incident, type K2Event } from '@k2/contracts';
import { SqliteEventStore, type EventStore } from '@k2/event-store';
import { createLogger } from '@k2/log';
import { sha256Hex, startEventCenterService, type EventCenterService } from '../src/index.js';

export const TOKENS = { admin: 'admin-token-0123456789', alice: 'alice-token-0123456789', bob: 'bob-token-0123456789' };

/** Admin; alice is a member of east/shop (A); bob of east/pay (B); the proxy group `shop-team` maps to A. */
export function eventCenterConfig(overrides: Record<string, unknown> = {}) {
  return configSchema.parse({
    eventCenter: {
      http: { port: 0 },
      uiDir: '/nonexistent-k2-ui',
      auth: {
        tokens: [
          { user: 'root', sha256: sha256Hex(TOKENS.admin), admin: true },
          { user: 'alice', sha256: sha256Hex(TOKENS.alice), grants: [{ cluster: 'east', namespace: 'shop' }] },
          { user: 'bob', sha256: sha256Hex(TOKENS.bob), grants: [{ cluster: 'east', namespace: 'pay' }] },
        ],
        proxy: {
          trustedAddresses: ['127.0.0.1'],
          groups: [{ group: 'shop-team', grants: [{ cluster: 'east', namespace: 'shop' }] }],
        },
      },
      ...overrides,
    },
  }).eventCenter;
}

export const silent = createLogger({ name: 'event-center-test', level: process.env.K2_TEST_LOG ?? 'silent' });

export interface Harness {
  bus: Bus;
  store: EventStore;
  service: EventCenterService;
  url: string;
  publishEvents(events: K2Event[]): Promise<void>;
  publishIncidents(records: Incident[]): Promise<void>;
  close(): Promise<void>;
}

/** The event center on an in-process bus and a SQLite file in a temp dir. */
export async function startHarness(options: { store?: EventStore; bus?: Bus } = {}): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), 'k2-event-center-'));
  const bus = options.bus ?? new InProcessBus();
  const store = options.store ?? new SqliteEventStore({ path: join(dir, 'events.db') });
  const service = await startEventCenterService({
    config: eventCenterConfig(),
    bus,
    log: silent,
    partitions: 2,
    store,
    heartbeatMs: 200,
    probeMs: 100,
  });
  return {
    bus,
    store,
    service,
    url: service.url,
    publishEvents: (events) =>
      bus.publish(
        EVENTS_TOPIC,
        events.map((e) => ({ key: e.fingerprint, value: e })),
      ),
    publishIncidents: (records) =>
      bus.publish(
        INCIDENTS_TOPIC,
        records.map((i) => ({ key: i.id, value: i })),
      ),
    close: async () => {
      await service.stop();
      if (!options.bus) await bus.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Polls `check` until it returns something truthy, or fails after `ms`. */
export async function eventually<T>(
  check: () => Promise<T | undefined | false>,
  ms = 10_000,
  what = 'condition',
): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
