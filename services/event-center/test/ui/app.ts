import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InProcessBus } from '@k2/bus';
import { EVENTS_TOPIC, INCIDENTS_TOPIC, type Incident, type K2Event } from '@k2/contracts';
import { SqliteEventStore } from '@k2/event-store';
import { chromium, type Browser, type Page } from 'playwright-core';
import { expect } from 'vitest';
import { startServer, type Tools } from '../../../../test/support/servers.js';
import { startEventCenterService, type EventCenterService } from '../../src/index.js';
import { eventCenterConfig, eventually, silent } from '../harness.js';

const SERVICE_DIR = fileURLToPath(new URL('../../', import.meta.url));
const REPO = fileURLToPath(new URL('../../../../', import.meta.url));
export const SCREENSHOTS = join(REPO, 'test-output', 'screenshots');

/** Waits for the page to get there: the UI fetches after each step. */
export const poll = <T>(read: () => T | Promise<T>) => expect.poll(read, { timeout: 15_000 });

/** Builds the UI from its current source into `outDir`, as `npm run build:ui` does. */
function buildUi(outDir: string): void {
  const vite = join(REPO, 'node_modules/vite/bin/vite.js');
  execFileSync(
    process.execPath,
    [vite, 'build', '--config', 'ui/vite.config.ts', '--outDir', outDir, '--logLevel', 'error'],
    { cwd: SERVICE_DIR, stdio: 'inherit' },
  );
}

export interface UiHarness {
  url: string;
  service: EventCenterService;
  publishEvents(events: K2Event[]): Promise<void>;
  browser: Browser;
  page: Page;
  /** Alerts, confirms and prompts the page opened: script from an event would show here. */
  dialogs: string[];
  /** Signs in through the sign-in form and waits for the event browser to list everything. */
  signIn(token: string): Promise<void>;
  /** The number in the event browser's "N events shown". */
  resultCount(): Promise<number>;
  screenshot(name: string): Promise<string>;
  close(): Promise<void>;
}

/**
 * The real event center (in-process bus, SQLite in a temp dir) serving a fresh UI build, with
 * `seed` published to the bus and stored, and Chromium on it.
 */
export async function startUiHarness(seed: { events: K2Event[]; incidents?: Incident[] }): Promise<UiHarness> {
  const dir = mkdtempSync(join(tmpdir(), 'k2-event-center-ui-'));
  const uiDir = join(dir, 'ui');
  buildUi(uiDir);
  const bus = new InProcessBus();
  const service = await startEventCenterService({
    config: eventCenterConfig({ uiDir }),
    bus,
    log: silent,
    partitions: 2,
    store: new SqliteEventStore({ path: join(dir, 'events.db') }),
    heartbeatMs: 1_000,
    probeMs: 100,
  });
  const publishEvents = (events: K2Event[]) =>
    bus.publish(
      EVENTS_TOPIC,
      events.map((e) => ({ key: e.fingerprint, value: e })),
    );
  const incidents = seed.incidents ?? [];
  await publishEvents(seed.events);
  await bus.publish(
    INCIDENTS_TOPIC,
    incidents.map((i) => ({ key: i.id, value: i })),
  );
  await eventually(
    async () => (await service.store.search({ limit: 1000 })).items.length === seed.events.length,
    15_000,
    'events stored',
  );
  await eventually(
    async () => (await service.store.incidents({})).items.length === incidents.length,
    15_000,
    'incidents stored',
  );

  const tools = (await startServer('tools')) as unknown as Tools;
  const browser = await chromium.launch({ executablePath: tools.chromium, args: ['--no-sandbox', '--disable-gpu'] });
  const context = await browser.newContext({
    viewport: { width: 1440, height: 1000 },
    timezoneId: 'UTC',
    locale: 'en-US',
  });
  const page = await context.newPage();
  const dialogs: string[] = [];
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  mkdirSync(SCREENSHOTS, { recursive: true });
  const resultCount = async () => Number((await page.getByTestId('result-count').innerText()).match(/\d+/)?.[0]);

  return {
    url: service.url,
    service,
    publishEvents,
    browser,
    page,
    dialogs,
    signIn: async (token) => {
      await page.goto(service.url);
      await page.getByTestId('token').fill(token);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByTestId('user').waitFor();
      await page.getByText(`${seed.events.length} events shown`).waitFor();
    },
    resultCount,
    screenshot: async (name) => {
      const path = join(SCREENSHOTS, `${name}.png`);
      // Not mid-load: no spinner left on the page.
      await page.waitForFunction(() => !document.querySelector('.ant-spin-spinning, .ant-skeleton'));
      await page.screenshot({ path });
      console.log(`screenshot: ${path}`);
      return path;
    },
    close: async () => {
      await browser.close();
      await service.stop();
      await bus.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
