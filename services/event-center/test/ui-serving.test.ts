import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InProcessBus } from '@k2/bus';
import { SqliteEventStore } from '@k2/event-store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEventCenterService, type EventCenterService } from '../src/index.js';
import { eventCenterConfig, silent, TOKENS } from './harness.js';

const dir = mkdtempSync(join(tmpdir(), 'k2-event-center-ui-'));
let service: EventCenterService;
const bus = new InProcessBus();

beforeAll(async () => {
  const ui = join(dir, 'dist');
  mkdirSync(join(ui, 'assets'), { recursive: true });
  writeFileSync(join(ui, 'index.html'), '<!doctype html><title>K2 events</title><div id="root"></div>');
  writeFileSync(join(ui, 'assets', 'app.js'), 'console.log("k2")');
  service = await startEventCenterService({
    config: eventCenterConfig({ uiDir: ui }),
    bus,
    log: silent,
    partitions: 1,
    store: new SqliteEventStore({ path: join(dir, 'events.db') }),
  });
});
afterAll(async () => {
  await service?.stop();
  await bus.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('event center web UI serving', () => {
  it('serves the built UI at /, its assets, and index.html for client-side routes', async () => {
    expect(service.ui).toBe(true);
    const home = await fetch(`${service.url}/`);
    expect(home.status).toBe(200);
    expect(home.headers.get('content-type')).toMatch(/text\/html/);
    expect(await home.text()).toContain('<title>K2 events</title>');
    const asset = await fetch(`${service.url}/assets/app.js`);
    expect(asset.headers.get('content-type')).toMatch(/javascript/);
    const deep = await fetch(`${service.url}/incidents/0123?status=open`);
    expect(deep.status).toBe(200);
    expect(await deep.text()).toContain('<div id="root">');
  });

  it('keeps the API and missing files apart from the UI fallback', async () => {
    expect((await fetch(`${service.url}/missing.png`)).status).toBe(404);
    const api = await fetch(`${service.url}/api/v1/nothing-here`, {
      headers: { Authorization: `Bearer ${TOKENS.admin}` },
    });
    expect(api.status).toBe(404);
    expect(await api.json()).toMatchObject({ error: 'not_found' });
    expect((await fetch(`${service.url}/healthz`)).status).toBe(200);
  });
});
