import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { SimulatedDevice } from '../../firmware-sim/device-client.js';
import { fakeClock } from '../helpers/fake-clock.js';
import { ADMIN_TOKEN, startHarness, type Harness } from '../helpers/gateway-harness.js';
import { startRoutingServer, type RoutingServer } from '../helpers/routing-server.js';
import { browserAvailable, DESKTOP, PHONE, screenshot, signIn, SuiteBrowser } from './browser.js';
import { startTileServer, type TileServer } from './tile-server.js';
import { alertFor, connectDevice, WEB_PROVISION } from './web-fixtures.js';

/*
 * The walking route to the nearest usable AED, from a routing service started here that answers in
 * OSRM's format: drawn and labelled on the tiled map, the offline map and the alert view, in zh and
 * en; the straight line, labelled as one, when the service fails.
 */

const T0 = Date.UTC(2026, 5, 1, 2, 0, 0);
const clock = fakeClock(T0);
const WALKING_EN = /^walking route, \d+ m, about \d+ min$/;
const WALKING_ZH = /^步行路线 \d+ m，约 \d+ 分钟$/;

async function toChinese(page: Page): Promise<void> {
  await page.locator('[data-pref="language"]').click();
  await expect.poll(() => page.evaluate('document.documentElement.lang')).toBe('zh-CN');
}

const routeAnswered = (page: Page) => page.waitForResponse((res) => new URL(res.url()).pathname === '/api/map/route', { timeout: 30_000 });

describe.skipIf(!browserAvailable)('the walking route on the map and the alert view', () => {
  let routing: RoutingServer;
  let tileServer: TileServer;
  let tiledGateway: Harness;
  let offlineGateway: Harness;
  let browser: SuiteBrowser | undefined;
  const devices: SimulatedDevice[] = [];
  let alertId: string;

  async function fall(h: Harness): Promise<string> {
    const bracelet = await connectDevice(h, 'b-0001');
    devices.push(bracelet);
    await bracelet.event({ type: 'fall', confidence: 0.9, lat: 30.2656, lon: 120.1553 });
    return (await alertFor(h, 'r1', 'fall')).id;
  }

  beforeAll(async () => {
    routing = await startRoutingServer();
    tileServer = await startTileServer();
    const map = (tiles: boolean) => ({
      routing: { url: routing.url, timeoutMs: 3000 },
      ...(tiles ? { tiles: { url: tileServer.template, attribution: 'Test city GIS', maxZoom: 19 } } : {}),
    });
    tiledGateway = await startHarness({ provision: WEB_PROVISION, now: clock.now, overrides: { map: map(true) } });
    offlineGateway = await startHarness({ provision: WEB_PROVISION, now: clock.now, overrides: { map: map(false) } });
    alertId = await fall(tiledGateway);
    await fall(offlineGateway);
    browser = await SuiteBrowser.launch();
  });

  afterAll(async () => {
    await browser?.close();
    await Promise.all(devices.map((d) => d.close().catch(() => undefined)));
    await tiledGateway?.dispose();
    await offlineGateway?.dispose();
    await tileServer?.close();
    await routing?.close();
  });

  it('draws the walking route with its length and time on the tiled map, in en and zh', async () => {
    const { page, problems } = await browser!.open(DESKTOP);
    await signIn(page, tiledGateway.httpUrl, ADMIN_TOKEN, '/console');
    await page.goto(`${tiledGateway.httpUrl}/map`);
    const label = page.locator('.walking-label');
    await expect.poll(async () => ((await label.count()) === 0 ? '' : await label.textContent()), { timeout: 30_000 }).toMatch(WALKING_EN);
    // The line follows the route's three points (a turn), not the two ends; no straight line beside it.
    expect(await page.locator('path.walking-route').count()).toBe(1);
    expect((await page.locator('path.walking-route').getAttribute('d'))?.match(/[ML]/g)?.length).toBe(3);
    expect(await page.locator('.line-label:not(.walking-label)').count()).toBe(0);
    expect(await label.isVisible()).toBe(true);
    await screenshot(page, 'walking-route-tiled-1280');
    await toChinese(page);
    await expect.poll(async () => label.textContent()).toMatch(WALKING_ZH);
    await screenshot(page, 'walking-route-tiled-1280-zh');
    expect(problems()).toEqual([]);
  }, 120_000);

  it('draws it on the offline map too', async () => {
    const { page, problems } = await browser!.open(PHONE);
    await signIn(page, offlineGateway.httpUrl, ADMIN_TOKEN, '/console');
    await page.goto(`${offlineGateway.httpUrl}/map`);
    const label = page.locator('text.walking-label');
    await expect.poll(async () => ((await label.count()) === 0 ? '' : await label.textContent()), { timeout: 30_000 }).toMatch(WALKING_EN);
    expect((await page.locator('polyline.walking-route').getAttribute('points'))?.trim().split(/\s+/).length).toBe(3);
    await screenshot(page, 'walking-route-offline-360');
    expect(problems()).toEqual([]);
  }, 120_000);

  it('says the walking route on the alert view, in en and zh', async () => {
    const { page, problems } = await browser!.open(PHONE);
    await signIn(page, tiledGateway.httpUrl, ADMIN_TOKEN, '/console');
    await page.locator(`.alert-card[data-alert-id="${alertId}"] a`).click();
    const line = page.locator(`.alert-detail[data-alert-id="${alertId}"] [data-field="aed-route"]`);
    await expect.poll(async () => ((await line.count()) === 0 ? '' : await line.textContent()), { timeout: 30_000 }).toMatch(WALKING_EN);
    expect(await page.locator('[data-action="to-aed"]').getAttribute('title')).toMatch(WALKING_EN);
    await screenshot(page, 'walking-route-alert-360');
    await toChinese(page);
    await expect.poll(async () => ((await line.count()) === 0 ? '' : await line.textContent()), { timeout: 30_000 }).toMatch(WALKING_ZH);
    expect(problems()).toEqual([]);
  }, 120_000);

  it('shows the straight line, labelled as one, when the routing service fails', async () => {
    routing.mode = 'error';
    // Past the minute a good route is kept: the service is asked again, and fails.
    clock.advance(61_000);
    const { page, problems } = await browser!.open(DESKTOP);
    await signIn(page, tiledGateway.httpUrl, ADMIN_TOKEN, '/console');
    const answered = routeAnswered(page);
    await page.goto(`${tiledGateway.httpUrl}/map`);
    expect((await (await answered).json()).kind).toBe('straight');
    await expect.poll(() => page.locator('.line-label').textContent(), { timeout: 30_000 }).toMatch(/^\d+ m, straight line$/);
    expect(await page.locator('.walking-label').count()).toBe(0);
    expect(await page.locator('path.walking-route').count()).toBe(0);

    await page.goto(`${tiledGateway.httpUrl}/console`);
    const viewAnswered = routeAnswered(page);
    await page.locator(`.alert-card[data-alert-id="${alertId}"] a`).click();
    expect((await (await viewAnswered).json()).kind).toBe('straight');
    const line = page.locator(`.alert-detail[data-alert-id="${alertId}"] [data-field="aed-route"]`);
    await expect.poll(() => line.textContent()).toMatch(/^\d+ m in a straight line \(not a walking route\)$/);
    expect(await line.getAttribute('data-kind')).toBe('straight');
    await toChinese(page);
    await expect.poll(() => line.textContent()).toMatch(/^直线距离 \d+ m（非步行路线）$/);
    await screenshot(page, 'walking-route-failed-alert-1280-zh');
    expect(problems()).toEqual([]);
    routing.mode = 'ok';
  }, 120_000);
});
