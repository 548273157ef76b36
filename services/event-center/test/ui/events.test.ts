import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOKENS } from '../harness.js';
import { poll, startUiHarness, type UiHarness } from './app.js';
import { HOSTILE_MESSAGE, seedEvents } from './seed.js';

/**
 * The event browser in Chromium against the real event center: sign in, search, facets, zoom,
 * detail drawer, permalinks, escaping of hostile messages, and the language switch.
 */
const events = seedEvents();
let h: UiHarness;
const page = () => h.page;
const searchParams = () => new URL(page().url()).searchParams;
const resultCount = () => h.resultCount();

beforeAll(async () => {
  h = await startUiHarness({ events });
}, 120_000);
afterAll(async () => {
  await h?.close();
});

describe('event center web UI: event browser', () => {
  it('asks for a token, refuses a wrong one, and signs in with a good one', async () => {
    await page().goto(h.url);
    await page().getByTestId('sign-in').waitFor();
    await h.screenshot('sign-in');
    await page().getByTestId('token').fill('not-a-valid-token-000');
    await page().getByRole('button', { name: 'Sign in' }).click();
    await page().getByText('The token was refused').waitFor();
    await page().getByTestId('token').fill(TOKENS.admin);
    await page().getByRole('button', { name: 'Sign in' }).click();
    await page().getByTestId('user').getByText('root').waitFor();
    await poll(resultCount).toBe(events.length);
    // Warnings are highlighted, Normals are not.
    const warningRows = await page().locator('tr.k2-warning').count();
    expect(warningRows).toBe(events.filter((e) => e.type === 'Warning').length);
    await h.screenshot('events');
  });

  it('searches the messages, and keeps the query in the URL', async () => {
    const search = page().getByTestId('search').locator('input');
    await search.fill('pressure');
    await search.press('Enter');
    await poll(() => searchParams().get('q')).toBe('pressure');
    await poll(resultCount).toBe(3);
    for (const text of await page().locator('.k2-message').allInnerTexts()) expect(text).toContain('disk pressure');
    await page().getByRole('button', { name: 'Clear filters' }).click();
    await poll(resultCount).toBe(events.length);
  });

  it('filters with a facet, whose counts match the data', async () => {
    const payCount = events.filter((e) => e.namespace === 'pay').length;
    const facet = page().getByTestId('facet-namespace');
    await poll(() =>
      facet
        .locator('div', { hasText: /^pay\d+$/ })
        .last()
        .innerText(),
    ).toMatch(new RegExp(`pay\\s*${payCount}`));
    await facet.getByText('pay', { exact: true }).click();
    await poll(() => searchParams().getAll('namespace')).toEqual(['pay']);
    await poll(resultCount).toBe(payCount);
    const places = await page()
      .locator('[data-testid="events-table"] tbody tr[data-row-key] td:nth-child(3)')
      .allInnerTexts();
    expect(new Set(places)).toEqual(new Set(['east / pay']));
    await page().getByRole('button', { name: 'Clear filters' }).click();
    await poll(resultCount).toBe(events.length);
  });

  it('zooms into the range dragged across the histogram', async () => {
    const box = (await page().getByTestId('histogram').locator('svg').boundingBox())!;
    const y = box.y + box.height / 2;
    await page().mouse.move(box.x + box.width * 0.1, y);
    await page().mouse.down();
    await page().mouse.move(box.x + box.width * 0.3, y, { steps: 5 });
    await page().mouse.up();
    await poll(() => searchParams().get('from')).not.toBeNull();
    const from = Date.parse(searchParams().get('from')!);
    const to = Date.parse(searchParams().get('to')!);
    const inRange = events.filter((e) => Date.parse(e.lastSeen) >= from && Date.parse(e.lastSeen) < to);
    expect(inRange.length).toBeGreaterThan(0);
    expect(inRange.length).toBeLessThan(events.length);
    await poll(resultCount).toBe(inRange.length);
    await page().getByRole('button', { name: 'All time' }).click();
    await poll(resultCount).toBe(events.length);
  });

  it('opens an event in a drawer with its raw JSON, also from a permalink', async () => {
    const oom = events.find((e) => e.oom)!;
    await page().locator(`tr[data-row-key="${oom.id}"]`).click();
    await poll(() => searchParams().get('event')).toBe(oom.id);
    const raw = page().getByTestId('raw-event');
    await raw.waitFor();
    expect(JSON.parse(await raw.innerText())).toEqual(oom);
    await h.screenshot('event-detail');
    // The permalink of a filtered query with this event open shows both.
    await page().goto(`${h.url}/?namespace=shop&event=${oom.id}`);
    await poll(async () => JSON.parse((await page().getByTestId('raw-event').innerText()) || 'null')).toEqual(oom);
    await page().getByTestId('active-filters').getByText('namespace: shop').waitFor();
    await poll(resultCount).toBe(events.filter((e) => e.namespace === 'shop').length);
    await page().keyboard.press('Escape');
    await poll(() => searchParams().get('event')).toBeNull();
    await page().getByRole('button', { name: 'Clear filters' }).click();
  });

  it('renders a hostile message as text: no script runs, no element is made', async () => {
    const hostile = events.find((e) => e.reason === 'Evil')!;
    await page().getByTestId('facet-reason').getByText('Evil', { exact: true }).click();
    await poll(resultCount).toBe(1);
    await page().locator(`tr[data-row-key="${hostile.id}"]`).click();
    await page().getByTestId('raw-event').waitFor();
    // The message is visible as the very characters the cluster sent.
    await page().locator('.k2-detail-message').getByText(HOSTILE_MESSAGE, { exact: true }).waitFor();
    expect(await page().locator('.k2-message').first().innerText()).toBe(HOSTILE_MESSAGE);
    const dom = await page().evaluate(() => ({
      images: document.querySelectorAll('img[src="x"]').length,
      onerror: document.querySelectorAll('[onerror]').length,
      scripts: [...document.querySelectorAll('script')].filter((s) => s.textContent?.includes('xss')).length,
    }));
    expect(dom).toEqual({ images: 0, onerror: 0, scripts: 0 });
    expect(h.dialogs).toEqual([]);
    await h.screenshot('hostile-event');
    await page().keyboard.press('Escape');
    await page().getByTestId('active-filters').getByText('reason: Evil').waitFor();
  });

  it('switches to Chinese', async () => {
    await page().getByTestId('lang').getByText('中文').click();
    await page().getByRole('menuitem', { name: '故障' }).waitFor();
    await page().getByText('实时跟踪').waitFor();
    await h.screenshot('events-zh-CN');
    await page().getByTestId('lang').getByText('English').click();
    await page().getByRole('menuitem', { name: 'Incidents' }).waitFor();
  });
});
