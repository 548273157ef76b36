import type { Incident } from '@k2/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { T0 } from '../../../../libs/event-store/test/fixtures.js';
import { TOKENS } from '../harness.js';
import { poll, startUiHarness, type UiHarness } from './app.js';
import { seedEvents, seedIncidents, tailEvent } from './seed.js';

/** Incidents with ack, the object timeline and live tail in Chromium against the real event center. */
const events = seedEvents();
const incidents = seedIncidents();
let h: UiHarness;
const page = () => h.page;
const searchParams = () => new URL(page().url()).searchParams;
const resultCount = () => h.resultCount();

const api = async <T>(path: string): Promise<T> => {
  const res = await fetch(`${h.url}/api/v1${path}`, { headers: { Authorization: `Bearer ${TOKENS.admin}` } });
  expect(res.status, path).toBe(200);
  return (await res.json()) as T;
};

beforeAll(async () => {
  h = await startUiHarness({ events, incidents });
  await h.signIn(TOKENS.admin);
}, 120_000);
afterAll(async () => {
  await h?.close();
});

describe('event center web UI: incidents, timeline, live tail', () => {
  it('lists incidents, shows one with its objects and timeline, and acknowledges it', async () => {
    const open = incidents[0] as Incident;
    await page().getByRole('menuitem', { name: 'Incidents' }).click();
    await page().getByText(open.summary).waitFor();
    // Open only by default; resolved ones on their own tab.
    expect(await page().getByText('api was OOM-killed').count()).toBe(0);
    await h.screenshot('incidents');
    await page().getByText(open.summary).click();
    await poll(() => searchParams().get('incident')).toBe(open.id);
    const drawer = page().getByTestId('incident-drawer');
    await drawer.getByTestId('affected').getByText('Pod/cart-7d9f-abcde').waitFor();
    await drawer.getByTestId('incident-timeline').getByText('opened · critical').waitFor();
    await drawer.getByText('Nobody has acknowledged it yet').waitFor();
    await drawer.getByTestId('ack-comment').fill('looking into it');
    await drawer.getByTestId('ack-button').click();
    await drawer.getByTestId('acks').getByText('looking into it').waitFor();
    const detail = await api<{ acks: { by: string; comment?: string }[] }>(`/incidents/${open.id}`);
    expect(detail.acks).toMatchObject([{ by: 'root', comment: 'looking into it' }]);
    await h.screenshot('incident-detail');
    await page().keyboard.press('Escape');
    await page().getByText('Resolved', { exact: true }).click();
    await page().getByText('api was OOM-killed').waitFor();
    expect(await page().getByText(open.summary).count()).toBe(0);
    // The namespace filter is part of the permalink too.
    await page().goto(`${h.url}/incidents?status=all&namespace=shop`);
    await page().getByText(open.summary).waitFor();
    expect(await page().getByText('api was OOM-killed').count()).toBe(0);
  });

  it("shows an object's events, OOM kills and incidents in time order", async () => {
    await page().goto(`${h.url}/timeline?cluster=east&namespace=shop&kind=Deployment&name=cart`);
    const timeline = page().getByTestId('object-timeline');
    await timeline.getByText('OOM kill').waitFor();
    const texts = await timeline.locator('.ant-timeline-item, .ant-steps-item').allInnerTexts();
    const oomAt = texts.findIndex((t) => t.includes('OOM-killed (limit 256Mi)'));
    const incidentAt = texts.findIndex((t) => t.includes('cart is crash-looping in shop'));
    expect(oomAt).toBeGreaterThanOrEqual(0);
    expect(incidentAt).toBeGreaterThan(oomAt);
    await h.screenshot('timeline');
  });

  it('live tail shows a new event as it is stored', async () => {
    await page().goto(`${h.url}/?namespace=shop`);
    await poll(resultCount).toBe(events.filter((e) => e.namespace === 'shop').length);
    await page().getByTestId('live-tail').click();
    await poll(() => searchParams().get('live')).toBe('1');
    await page().getByText('live', { exact: true }).waitFor();
    const fresh = tailEvent();
    expect(Date.parse(fresh.lastSeen)).toBeGreaterThan(T0);
    await h.publishEvents([fresh]);
    await page()
      .locator(`tr[data-row-key="${fresh.id}"].k2-fresh`)
      .getByText('tail-check: container started')
      .waitFor();
    await h.screenshot('live-tail');
    await page().getByTestId('live-tail').click();
    await poll(() => searchParams().get('live')).toBeNull();
  });

  it('a namespace member sees only their namespace, and signing out asks for a token again', async () => {
    await page().getByRole('button', { name: 'Sign out' }).click();
    await page().getByTestId('sign-in').waitFor();
    expect(await page().evaluate(() => sessionStorage.length)).toBe(0);
    await page().getByTestId('token').fill(TOKENS.alice);
    await page().getByRole('button', { name: 'Sign in' }).click();
    await page().getByTestId('user').getByText('alice').waitFor();
    const shop = await api<{ items: unknown[] }>('/events?namespace=shop&limit=1000');
    await poll(resultCount).toBe(shop.items.length);
    await poll(() => page().getByTestId('facet-namespace').locator('.ant-checkbox-wrapper').allInnerTexts()).toEqual([
      'shop',
    ]);
  });
});
