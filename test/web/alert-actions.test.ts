import { copyFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimulatedDevice } from '../../firmware-sim/device-client.js';
import { fakeClock } from '../helpers/fake-clock.js';
import { ADMIN_TOKEN, startHarness, type Harness } from '../helpers/gateway-harness.js';
import { waitFor } from '../helpers/wait-for.js';
import { browserAvailable, screenshot, sidewaysOverflowPx, SuiteBrowser, type WatchedPage } from './browser.js';
import { alertFor, connectDevice, issueToken, WEB_PROVISION } from './web-fixtures.js';

/*
 * The two minutes after a page arrives, on a 360 × 800 phone: the action bar is on screen without
 * scrolling (also in large type), failed retries fold into one line per page, a new critical alert
 * rings and raises a notification, the filters and search narrow the inbox, and the resident's
 * last 24 hours are drawn from the bracelet's readings.
 */

const T0 = Date.UTC(2026, 5, 1, 2, 0, 0);
const clock = fakeClock(T0);
const PHONE_800 = { width: 360, height: 800 } as const;
const SHOTS = '/tmp/shots';

// Wang Fang's app push goes to a port nothing listens on: every attempt fails. Li Guiying shares
// her vital signs and activity with her grid worker (the charts show only what is shared).
const PROVISION = {
  ...WEB_PROVISION,
  residents: WEB_PROVISION.residents.map((r) => (r.id === 'r1' ? { ...r, sharing: { vitals: ['worker'], activity: ['worker'] } } : r)),
  workers: WEB_PROVISION.workers.map((w) => (w.id === 'w1' ? { ...w, channels: [{ type: 'webhook', url: 'http://127.0.0.1:9/w1' }] } : w)),
};

async function shot(page: WatchedPage['page'], name: string): Promise<void> {
  const file = await screenshot(page, name);
  mkdirSync(SHOTS, { recursive: true });
  copyFileSync(file, path.join(SHOTS, `${name}.png`));
}

describe.skipIf(!browserAvailable)('acting on an alert from a phone', () => {
  let h: Harness;
  let browser: SuiteBrowser | undefined;
  let workerToken: string;
  const devices: SimulatedDevice[] = [];

  beforeAll(async () => {
    h = await startHarness({ provision: PROVISION, now: clock.now });
    browser = await SuiteBrowser.launch();
    workerToken = await issueToken(h, 'worker', 'w1');
  });

  afterAll(async () => {
    await browser?.close();
    await Promise.all(devices.map((d) => d.close().catch(() => undefined)));
    await h?.dispose();
  });

  async function device(id: string): Promise<SimulatedDevice> {
    const d = await connectDevice(h, id);
    devices.push(d);
    return d;
  }

  async function phone(): Promise<WatchedPage> {
    const watched = await browser!.open(PHONE_800);
    await watched.page.context().grantPermissions(['notifications'], { origin: h.httpUrl });
    await watched.page.goto(`${h.httpUrl}/`);
    await watched.page.locator('#token').fill(workerToken);
    await watched.page.locator('#login-submit').click();
    await watched.page.waitForURL((url) => url.pathname === '/console');
    await watched.page.locator('#stream-status[data-status="live"]').waitFor();
    return watched;
  }

  it('rings and notifies on a new critical alert, keeps the action bar on screen and folds retries into one line', async () => {
    // A day of the bracelet's readings, an hour apart, before anything happens.
    const bracelet = await device('b-0001');
    for (const [hr, spo2, sbp, dbp, steps] of [
      [72, 97, 128, 82, 400],
      [75, 96, 131, 84, 900],
      [80, 94, 138, 88, 1500],
    ] as const) {
      await bracelet.telemetry({ hr, spo2, sbp, dbp, steps }, 1);
      clock.advance(3_600_000);
    }
    await waitFor('three stored readings', async () => (await h.api('GET', '/api/devices/b-0001/readings')).body.readings?.length === 3);

    const watched = await phone();
    const { page } = watched;
    await page.locator('#sound-on').check();
    expect(await page.evaluate('window.gwNotices')).toMatchObject({ sounds: 0, notifications: 0 });

    await bracelet.event({ type: 'fall', confidence: 0.92, lat: 30.2656, lon: 120.1553 });
    const fall = await alertFor(h, 'r1', 'fall');
    await expect.poll(() => page.evaluate('window.gwNotices.notifications')).toBe(1);
    expect(await page.evaluate('window.gwNotices.sounds')).toBe(1);
    expect(await page.evaluate('window.gwNotices.last')).toBe('Critical alert: Fall');

    // Let the pager fail its three attempts at Wang Fang's app push.
    for (let i = 0; i < 4; i++) {
      clock.advance(10_000);
      await waitFor(`page attempt ${i + 2}`, async () => {
        const timeline = (await h.api('GET', `/api/alerts/${fall.id}`)).body.timeline as { type: string; to?: string; channel?: string }[];
        return timeline.filter((e) => e.type === 'failed' && e.to === 'w1' && e.channel === 'webhook').length >= Math.min(3, i + 1);
      });
    }

    await page.locator(`.alert-card[data-alert-id="${fall.id}"] a`).click();
    const detail = page.locator(`.alert-detail[data-alert-id="${fall.id}"]`);
    await detail.waitFor();
    // She shares no location with her worker: the fall's place reaches Wang Fang under the emergency rule, and says so.
    expect(await detail.locator('[data-field="shared-under"]').innerText()).toBe('Shared under the emergency rule');
    expect(await detail.locator('[data-field="location-shared-under"]').innerText()).toBe('Shared under the emergency rule');
    // Wang Fang's (the worker's own) app push: one line however many attempts.
    const failedPage = detail.locator('.tl-page[data-outcome="failed"]').filter({ hasText: 'Paged you by app push' });
    await expect.poll(() => failedPage.getAttribute('data-attempts')).toBe('3');
    expect(await failedPage.count()).toBe(1);
    // Why, in words (nothing listens on that port); the pager's own words stay folded until asked for.
    expect(await failedPage.locator('.tl-text').innerText()).toBe('Paged you by app push: not reached after 3 attempts (the receiver could not be reached)');
    expect(await failedPage.locator('.tl-errors li').first().isVisible()).toBe(false);
    await failedPage.locator('.tl-errors summary').click();
    expect(await failedPage.locator('.tl-errors li').first().innerText()).toMatch(/^attempt 1 of 3: could not connect: ECONNREFUSED$/);
    await failedPage.locator('.tl-errors summary').click();

    // The charts of the last day: one point per hour with readings.
    await expect.poll(() => detail.locator('.vital[data-vital="hr"] .vital-chart').getAttribute('data-points')).toBe('3');
    expect(await detail.locator('.vital[data-vital="steps"] .vital-chart').getAttribute('data-points')).toBe('2');
    expect(await detail.locator('.vital[data-vital="sbp"] .vital-chart').getAttribute('data-points')).toBe('6');

    // One alert with its retries, its charts and the way to the nearest AED fits a few screens, not 3,800 px.
    expect(await page.evaluate('document.documentElement.scrollHeight')).toBeLessThan(2700);
    await shot(page, 'alert-detail-360-full');
    for (const large of [false, true]) {
      if (large) await page.locator('[data-pref="largeType"]').click();
      await page.evaluate('window.scrollTo(0, 0)');
      for (const action of ['ack', 'call-family', 'to-aed', 'resolve']) {
        const box = await detail.locator(`.action-bar [data-action="${action}"]`).boundingBox();
        expect(box, `${action} has a box`).not.toBeNull();
        expect(box!.y, `${action} top`).toBeGreaterThanOrEqual(0);
        expect(box!.y + box!.height, `${action} bottom${large ? ' in large type' : ''}`).toBeLessThanOrEqual(PHONE_800.height);
      }
      await page.screenshot({ path: path.join(SHOTS, `alert-actions-360${large ? '-large' : ''}.png`) });
      expect(await sidewaysOverflowPx(page)).toBe(0);
    }
    expect(await detail.locator('[data-action="call-family"]').getAttribute('href')).toBe('tel:+8613900000000');
    expect(await detail.locator('[data-action="to-aed"]').getAttribute('href')).toMatch(/^geo:30\.2661,120\.1549/);
    await shot(page, 'alert-detail-360-large-full');

    await detail.locator('[data-action="ack"]').click();
    await expect.poll(async () => (await h.api('GET', `/api/alerts/${fall.id}`)).body.state).toBe('acked');
    expect(watched.problems()).toEqual([]);
  }, 120_000);

  it('narrows the inbox by kind and severity, and finds a resident by name or address', async () => {
    await (await device('b-0003')).event({ type: 'sos' });
    await alertFor(h, 'r3', 'sos');
    const { page, problems } = await phone();
    await page.locator('.alert-card').nth(1).waitFor();
    expect(await page.locator('.alert-card').count()).toBe(2);

    await page.locator('#filter-search').fill('wang shulan');
    await expect.poll(() => page.locator('.alert-card').count()).toBe(1);
    expect(await page.locator('.alert-card .card-who').innerText()).toBe('Wang Shulan');
    await page.locator('#filter-search').fill('Building 3');
    await expect.poll(() => page.locator('.alert-card .card-who').innerText()).toBe('Li Guiying');
    await page.locator('#filter-search').fill('');

    await page.locator('.filters summary').click();
    await page.locator('#filter-kind').selectOption('sos');
    await expect.poll(() => page.locator('.alert-card').count()).toBe(1);
    expect(await page.locator('#inbox-counts').innerText()).toContain('Showing 1 of 2');
    await page.locator('#filter-kind').selectOption('');
    await page.locator('#filter-state').selectOption('open');
    await expect.poll(() => page.locator('.alert-card').count()).toBe(1);
    await page.locator('#filter-state').selectOption('acked');
    await expect.poll(() => page.locator('.alert-card .card-who').innerText()).toBe('Li Guiying');
    await shot(page, 'console-filters-360');
    expect(problems()).toEqual([]);

    // The same alert on a desk, and in Chinese on the phone.
    const desk = await browser!.open({ width: 1280, height: 800 });
    await desk.page.goto(`${h.httpUrl}/`);
    await desk.page.locator('#token').fill(workerToken);
    await desk.page.locator('#login-submit').click();
    await desk.page.waitForURL((url) => url.pathname === '/console');
    await desk.page.locator('.alert-card a').first().click();
    await desk.page.locator('.alert-detail .action-bar').waitFor();
    await desk.page.screenshot({ path: path.join(SHOTS, 'console-detail-1280.png') });
    expect(await sidewaysOverflowPx(desk.page)).toBe(0);
    await page.locator('.alert-card a').first().click();
    await page.locator('[data-pref="language"]').click();
    await page.locator('.alert-detail .action-bar [data-action="resolve"]').waitFor();
    await page.screenshot({ path: path.join(SHOTS, 'console-detail-360-zh.png') });
    expect(await page.locator('.action-bar [data-action="resolve"]').innerText()).toContain('结束告警');
    expect(desk.problems()).toEqual([]);
  }, 120_000);

  it('lists drill reports in the console, each exportable as CSV', async () => {
    const started = await h.api('POST', '/api/drills', { grid: 'g1', scenario: 'fall', at: { lat: 30.2656, lon: 120.1553 } }, ADMIN_TOKEN);
    expect(started.status).toBeLessThan(300);
    const { page, problems } = await phone();
    const drills = page.locator('#drills');
    await drills.locator('summary').click();
    const line = drills.locator(`[data-drill-id="${started.body.id as string}"]`);
    await line.waitFor();
    expect(await line.innerText()).toContain('Fall drill, Fuxing Lane');
    const csv = (await page.evaluate(`fetch(${JSON.stringify(await line.locator('a').getAttribute('href'))}).then(async (r) => [r.status, r.headers.get('content-type'), await r.text()])`)) as [number, string, string];
    expect(csv[0]).toBe(200);
    expect(csv[1]).toContain('text/csv');
    expect(csv[2].length).toBeGreaterThan(0);
    await page.screenshot({ path: path.join(SHOTS, 'console-drills-360.png') });
    expect(problems()).toEqual([]);
  }, 120_000);
});
