import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimulatedDevice } from '../../firmware-sim/device-client.js';
import { HOUR_MS } from '../../rules/aqhi/index.js';
import { fakeClock } from '../helpers/fake-clock.js';
import { startHarness, type Harness } from '../helpers/gateway-harness.js';
import { waitFor } from '../helpers/wait-for.js';
import { browserAvailable, DESKTOP, PHONE, screenshot, sidewaysOverflowPx, signIn, SuiteBrowser, type WatchedPage } from './browser.js';
import { AIR, alertFor, connectDevice, issueToken, WEB_PROVISION } from './web-fixtures.js';

/*
 * The emergency map in real Chromium, drawn offline from the provision data: grid outlines,
 * homes, residents with open alerts, AED cabinets by state, available responders and stations by
 * index. A worker sees their own grid's residents (and a new alert appears without a reload);
 * bureau staff see no resident at all.
 */

const T0 = Date.UTC(2026, 5, 1, 2, 0, 0); // 10:00 in Shanghai
const clock = fakeClock(T0);
const RESIDENT_NAMES = WEB_PROVISION.residents.map((r) => r.name);

interface Box {
  minX: number;
  maxX: number;
  minY: number;
  maxY: number;
}

/** The screen box of a grid's outline. */
async function gridBox(page: Page, gridId: string): Promise<Box> {
  const points = (await page.locator(`polygon[data-grid="${gridId}"]`).getAttribute('points'))!.split(' ').map((p) => p.split(',').map(Number) as [number, number]);
  return {
    minX: Math.min(...points.map(([x]) => x)),
    maxX: Math.max(...points.map(([x]) => x)),
    minY: Math.min(...points.map(([, y]) => y)),
    maxY: Math.max(...points.map(([, y]) => y)),
  };
}

/** The centre of a marker's main shape. */
async function markerCentre(page: Page, type: string, id: string): Promise<{ x: number; y: number }> {
  return page.locator(`.feature[data-type="${type}"][data-id="${id}"] .marker`).evaluate((el) => {
    const box = (el as unknown as { getBBox(): { x: number; y: number; width: number; height: number } }).getBBox();
    return { x: box.x + box.width / 2, y: box.y + box.height / 2 };
  });
}

function inside(point: { x: number; y: number }, box: Box): boolean {
  return point.x > box.minX && point.x < box.maxX && point.y > box.minY && point.y < box.maxY;
}

describe.skipIf(!browserAvailable)('emergency map', () => {
  let h: Harness;
  let browser: SuiteBrowser | undefined;
  let workerToken: string;
  let fallId: string;
  const devices: SimulatedDevice[] = [];

  async function device(id: string): Promise<SimulatedDevice> {
    const d = await connectDevice(h, id);
    devices.push(d);
    return d;
  }

  const open = (viewport: { width: number; height: number }): Promise<WatchedPage> => browser!.open(viewport);

  beforeAll(async () => {
    h = await startHarness({ provision: WEB_PROVISION, now: clock.now });
    // Two hours of air readings give the stations an index.
    const riverside = await device('air-01');
    const hillside = await device('air-02');
    for (const hour of [0, 1]) {
      clock.set(T0 + hour * HOUR_MS);
      await h.gateway.aqhi.tick(clock.now());
      clock.set(T0 + hour * HOUR_MS + 20 * 60_000);
      await riverside.telemetry(AIR.high, 1);
      await hillside.telemetry(AIR.low, 1);
    }
    await (await device('b-0001')).event({ type: 'fall', confidence: 0.9, lat: 30.2656, lon: 120.1553 });
    await (await device('b-0002')).event({ type: 'fall', confidence: 0.9, lat: 30.2604, lon: 120.1621 });
    fallId = (await alertFor(h, 'r1', 'fall')).id;
    await alertFor(h, 'r2', 'fall');
    // The market's cabinet is being serviced.
    await (await device('aed-02')).event({ type: 'maintenance_start' });
    await waitFor('cabinet a2 in maintenance', () => h.gateway.alerting.aed.cabinet('a2')?.status === 'maintenance');
    workerToken = await issueToken(h, 'worker', 'w1');
    browser = await SuiteBrowser.launch();
  });

  afterAll(async () => {
    await browser?.close();
    await Promise.all(devices.map((d) => d.close().catch(() => undefined)));
    await h?.dispose();
  });

  it('draws the worker’s grid, homes, the resident who fell, AEDs by state, responders and stations, and adds a new alert live', async () => {
    const desktop = await open(DESKTOP);
    const { page } = desktop;
    await signIn(page, h.httpUrl, workerToken, '/console');
    await page.goto(`${h.httpUrl}/map`);
    await page.locator('.feature[data-type="resident"]').first().waitFor();

    expect(await page.locator('polygon.grid-area').count()).toBe(2);
    expect(await page.locator('polygon.grid-area.yours').getAttribute('data-grid')).toBe('g1');
    expect(await page.locator('#map rect.home').count()).toBe(2); // r1 and r3: g1's homes only
    expect(await page.locator('.feature[data-type="resident"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-id')))).toEqual(['r1']);
    expect(await page.locator('.feature[data-type="aed"]').count()).toBe(3);
    expect(await page.locator('.feature[data-id="a2"]').getAttribute('class')).toContain('state-maintenance');
    expect(await page.locator('.feature[data-id="a1"]').getAttribute('class')).toContain('state-ready');
    expect(await page.locator('.feature[data-type="responder"]').count()).toBe(2);
    expect(await page.locator('.feature[data-type="station"]').count()).toBe(3);
    const feed = (await h.api('GET', '/api/aqhi', undefined, null)).body;
    const riverside = feed.stations.find((s: { stationId: string }) => s.stationId === 's1');
    expect(await page.locator('.feature[data-id="s1"] .marker').getAttribute('fill')).toBe(riverside.color);

    // The geography holds: the fall lies in its grid, the metro AED in the other. Polled: both are
    // read from one drawing, and a live update may redraw the map between the two reads.
    await expect.poll(async () => inside(await markerCentre(page, 'resident', 'r1'), await gridBox(page, 'g1')), { timeout: 10_000 }).toBe(true);
    await expect.poll(async () => inside(await markerCentre(page, 'aed', 'a3'), await gridBox(page, 'g2')), { timeout: 10_000 }).toBe(true);
    for (const name of ['Zhang Xiuying']) expect(await page.content()).not.toContain(name);

    await page.locator('.feature[data-id="r1"] .marker').click();
    const info = page.locator('#map-info');
    await expect.poll(() => info.locator('h2').textContent()).toBe('Li Guiying');
    expect(await info.locator('a').getAttribute('href')).toBe(`/console#alert=${fallId}`);
    expect(await info.textContent()).toContain('Fall');

    // An SOS from another of the worker's residents shows up without a reload.
    await page.evaluate('window.sameDocument = true');
    await (await device('b-0003')).event({ type: 'sos' });
    await alertFor(h, 'r3', 'sos');
    await page.locator('.feature[data-type="resident"][data-id="r3"]').waitFor();
    expect(await page.evaluate('window.sameDocument')).toBe(true);
    await screenshot(page, 'map-1280');
    await page.locator('#zoom-reset').click();
    await screenshot(page, 'map-1280-whole-area');

    expect(desktop.problems()).toEqual([]);
    expect(desktop.requests.every((url) => url.startsWith(h.httpUrl))).toBe(true);
  });

  it('opens on a phone focused on the resident a console link names', async () => {
    const phone = await open(PHONE);
    const { page } = phone;
    await signIn(page, h.httpUrl, workerToken, '/console');
    await page.goto(`${h.httpUrl}/map#resident=r1`);
    await page.locator('.feature.selected[data-id="r1"]').waitFor();
    expect(await page.locator('#map-info h2').textContent()).toBe('Li Guiying');
    await screenshot(page, 'map-360');
    expect(await sidewaysOverflowPx(page)).toBe(0);
    expect(phone.problems()).toEqual([]);
  });

  it('shows bureau staff the cabinets and stations but no resident, home or responder', async () => {
    const phone = await open(PHONE);
    const { page } = phone;
    await signIn(page, h.httpUrl, await issueToken(h, 'bureau'), '/board');
    await page.goto(`${h.httpUrl}/map`);
    await page.locator('.feature[data-type="station"]').first().waitFor();
    expect(await page.locator('.feature[data-type="aed"]').count()).toBe(3);
    expect(await page.locator('.feature[data-type="station"]').count()).toBe(3);
    expect(await page.locator('polygon.grid-area').count()).toBe(2);
    expect(await page.locator('.feature[data-type="resident"], .feature[data-type="responder"], #map rect.home').count()).toBe(0);
    const html = await page.content();
    for (const name of [...RESIDENT_NAMES, 'Zhao Lei', 'Sun Li']) expect(html).not.toContain(name);
    await screenshot(page, 'map-360-bureau');
    expect(await sidewaysOverflowPx(page)).toBe(0);
    expect(phone.problems()).toEqual([]);
  });
});
