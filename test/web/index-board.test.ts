import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimulatedDevice } from '../../firmware-sim/device-client.js';
import type { AqhiFeedBody, AqhiHistoryBody } from '../../gateway/aqhi/feed-schema.js';
import { HOUR_MS } from '../../rules/aqhi/index.js';
import { fakeClock } from '../helpers/fake-clock.js';
import { startHarness, type Harness } from '../helpers/gateway-harness.js';
import { browserAvailable, DESKTOP, PHONE, screenshot, sidewaysOverflowPx, signIn, SuiteBrowser, type WatchedPage } from './browser.js';
import { AIR, connectDevice, issueToken, WEB_PROVISION } from './web-fixtures.js';

/*
 * The index board in real Chromium: three air stations publish over real MQTT while a fake clock
 * steps through six hours (the hourly tick called at each boundary, as aqhi-feed.test.ts does).
 * Riverside climbs into the high band, Hillside stays low, Lakeside falls silent. The board must
 * colour each station by its band, chart its hourly values, and mark the silent one stale.
 */

const T0 = Date.UTC(2026, 5, 1, 0, 0, 0); // 08:00 in Shanghai, an hour boundary
const clock = fakeClock(T0);
const RIVERSIDE_DAY = [AIR.moderate, AIR.moderate, AIR.moderate, AIR.high, AIR.high, AIR.high];
const LAKESIDE_LAST_HOUR = 2;

function rgb(hex: string): string {
  const n = Number.parseInt(hex.replace('#', ''), 16);
  return `rgb(${(n >> 16) & 0xff}, ${(n >> 8) & 0xff}, ${n & 0xff})`;
}

describe.skipIf(!browserAvailable)('index board', () => {
  let h: Harness;
  let browser: SuiteBrowser | undefined;
  const devices: SimulatedDevice[] = [];
  let feed: AqhiFeedBody;
  const histories = new Map<string, AqhiHistoryBody>();

  beforeAll(async () => {
    h = await startHarness({ provision: WEB_PROVISION, now: clock.now });
    const [riverside, hillside, lakeside] = await Promise.all(['air-01', 'air-02', 'air-03'].map((id) => connectDevice(h, id)));
    devices.push(riverside!, hillside!, lakeside!);
    for (const [hour, sample] of RIVERSIDE_DAY.entries()) {
      clock.set(T0 + hour * HOUR_MS);
      await h.gateway.aqhi.tick(clock.now());
      for (const minute of [10, 30]) {
        clock.set(T0 + hour * HOUR_MS + minute * 60_000);
        // QoS 1: the PUBACK comes after the gateway has taken the reading.
        await riverside!.telemetry(sample, 1);
        await hillside!.telemetry(AIR.low, 1);
        if (hour <= LAKESIDE_LAST_HOUR) await lakeside!.telemetry(AIR.moderate, 1);
      }
    }
    // Lakeside's last reading is now well over two hours old.
    clock.set(T0 + 5 * HOUR_MS + 45 * 60_000);
    feed = (await h.api('GET', '/api/aqhi', undefined, null)).body;
    for (const station of feed.stations) histories.set(station.stationId, (await h.api('GET', `/api/aqhi/${station.stationId}/history?hours=24`, undefined, null)).body);
    browser = await SuiteBrowser.launch();
  });

  afterAll(async () => {
    await browser?.close();
    await Promise.all(devices.map((d) => d.close().catch(() => undefined)));
    await h?.dispose();
  });

  const open = (viewport: { width: number; height: number }): Promise<WatchedPage> => browser!.open(viewport);

  /** Every station on the board says what the feed says. */
  async function expectBoardMatchesFeed(page: Page): Promise<void> {
    await expect.poll(() => page.locator('.station').count()).toBe(feed.stations.length);
    // The charts arrive after the tiles.
    await expect.poll(() => page.locator('svg.trend').count()).toBe(feed.stations.length);
    for (const station of feed.stations) {
      const tile = page.locator(`.station[data-station-id="${station.stationId}"]`);
      const box = tile.locator('.index-box');
      expect(await tile.locator('h2').textContent()).toBe(station.name);
      expect(await box.locator('.index-value').textContent()).toBe(station.display ?? '—');
      if (station.color !== null) {
        // Polled: a live update may redraw the tile between finding it and reading its style.
        await expect.poll(() => box.evaluate((el) => el.ownerDocument.defaultView?.getComputedStyle(el).backgroundColor ?? '')).toBe(rgb(station.color));
        expect(await box.locator('.index-category').textContent()).toBe(station.category!.name.en);
        expect(await tile.locator('.advice').first().textContent()).toContain(station.advice!.generalPublic.en);
      }
      expect(await tile.getAttribute('class')).toBe(station.stale ? 'station stale' : 'station');
      expect(await tile.locator('.stale-note').count()).toBe(station.stale ? 1 : 0);
      expect(await tile.locator('.contribution').count()).toBe(station.contributions.length);
      expect(await tile.locator('.reading-time').textContent()).toMatch(/^Last reading \d\d:\d\d \(/);

      const points = histories.get(station.stationId)!.points.filter((p) => p.value !== null);
      const dots = tile.locator('svg.trend circle.point');
      expect(await dots.count()).toBe(points.length);
      expect(await dots.evaluateAll((circles) => circles.map((c) => Number(c.getAttribute('data-value'))))).toEqual(points.map((p) => p.value));
      if (points.length > 0) expect(await dots.last().getAttribute('fill')).toBe(points.at(-1)!.category!.color);
    }
  }

  it('has the right data to show: a high, a low and a stale station, with hours of history', () => {
    const byId = Object.fromEntries(feed.stations.map((s) => [s.stationId, s]));
    expect(byId.s1).toMatchObject({ high: true, stale: false });
    expect(byId.s2).toMatchObject({ high: false, stale: false, category: { id: 'low' } });
    expect(byId.s3).toMatchObject({ stale: true });
    expect(byId.s1!.color).not.toBe(byId.s2!.color);
    expect(histories.get('s1')!.points.filter((p) => p.value !== null).length).toBeGreaterThanOrEqual(4);
  });

  it('shows every station in its band colour with a 24-hour chart of real points, on a public screen', async () => {
    const desktop = await open(DESKTOP);
    const { page } = desktop;
    await page.goto(`${h.httpUrl}/board`);
    await expectBoardMatchesFeed(page);
    await expect.poll(() => page.locator('#board-meta').textContent()).toContain('Live');
    // Not signed in: no alerts or map in the navigation.
    expect(await page.locator('.tabs a').allTextContents()).toEqual(['Air index']);
    await screenshot(page, 'board-1280');
    expect(desktop.problems()).toEqual([]);
    expect(desktop.requests.every((url) => url.startsWith(h.httpUrl))).toBe(true);
  });

  it('is where bureau staff land after signing in, on a phone, and keeps them off the alert console', async () => {
    const phone = await open(PHONE);
    const { page } = phone;
    await signIn(page, h.httpUrl, await issueToken(h, 'bureau'), '/board');
    await expectBoardMatchesFeed(page);
    expect(await page.locator('.tabs a').allTextContents()).toEqual(['Air index', 'Map']);
    await screenshot(page, 'board-360');
    expect(await sidewaysOverflowPx(page)).toBe(0);

    // In Chinese, with high contrast: the categories and advice come in the feed's own Chinese.
    await page.locator('[data-pref="language"]').click();
    await page.locator('[data-pref="highContrast"]').click();
    const riverside = feed.stations.find((s) => s.stationId === 's1')!;
    const tile = page.locator('.station[data-station-id="s1"]');
    expect(await tile.locator('.index-category').textContent()).toBe(riverside.category!.name.zh);
    expect(await tile.locator('.advice').first().textContent()).toContain(riverside.advice!.generalPublic.zh);
    expect(await tile.locator('.index-box').evaluate((el) => el.ownerDocument.defaultView!.getComputedStyle(el).backgroundColor)).toBe(rgb(riverside.color!));
    await screenshot(page, 'board-360-zh-contrast');
    expect(await sidewaysOverflowPx(page)).toBe(0);

    await page.goto(`${h.httpUrl}/console`);
    await page.waitForURL((url) => url.pathname === '/board');
    expect(phone.problems()).toEqual([]);
  });
});
