import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimulatedDevice } from '../../firmware-sim/device-client.js';
import { HOUR_MS } from '../../rules/aqhi/index.js';
import { fakeClock } from '../helpers/fake-clock.js';
import { startHarness, type Harness } from '../helpers/gateway-harness.js';
import { browserAvailable, DESKTOP, screenshot, SuiteBrowser } from './browser.js';
import { AIR, connectDevice, WEB_PROVISION } from './web-fixtures.js';

/*
 * What the board's colours and figures mean, in real Chromium: the band legend from the feed's
 * profile, the history range (24 h, 7 d, 30 d), district names (never ids), how to read the
 * contribution figures, why a pollutant is greyed, and the forecast's reason in Chinese too.
 */

const T0 = Date.UTC(2026, 5, 1, 0); // 08:00 on 1 June in Shanghai
const DAYS = 3;
const clock = fakeClock(T0);

describe.skipIf(!browserAvailable)('index board: legend, range and explanations', () => {
  let h: Harness;
  let browser: SuiteBrowser | undefined;
  let air: SimulatedDevice;

  beforeAll(async () => {
    h = await startHarness({
      now: clock.now,
      provision: {
        ...WEB_PROVISION,
        stations: WEB_PROVISION.stations.map((s) => (s.id === 's1' ? { ...s, districtName: 'Shangcheng District' } : s)),
      },
    });
    air = await connectDevice(h, 'air-01');
    // Three days of hourly readings at Riverside; Hillside and Lakeside stay silent.
    for (let hour = 0; hour < DAYS * 24; hour++) {
      clock.set(T0 + hour * HOUR_MS);
      await h.gateway.aqhi.tick(clock.now());
      clock.set(T0 + hour * HOUR_MS + 20 * 60_000);
      await air.telemetry(hour % 24 < 12 ? AIR.moderate : AIR.low, 1);
    }
    clock.set(T0 + DAYS * 24 * HOUR_MS + 30 * 60_000);
    await h.gateway.aqhi.tick(clock.now());
    browser = await SuiteBrowser.launch();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await air?.close().catch(() => undefined);
    await h?.dispose();
  });

  it('shows the legend, switches the history range, names districts, and says what the figures mean and why one is greyed', async () => {
    const feed = (await h.api('GET', '/api/aqhi', undefined, null)).body;
    const { page, problems } = await browser!.open(DESKTOP);
    await page.goto(`${h.httpUrl}/board`);
    const riverside = page.locator('.station[data-station-id="s1"]');
    await expect.poll(() => riverside.locator('svg.trend').count()).toBe(1);

    // The legend: one chip per category of the profile, in its colour, with its bands.
    const chips = page.locator('.band-legend .legend-chip');
    expect(await chips.count()).toBe(feed.profile.categories.length);
    expect(feed.profile.categories.length).toBeGreaterThan(3);
    const first = feed.profile.categories[0];
    expect(await chips.first().textContent()).toBe(`${first.fromBand}–${first.toBand} ${first.name.en}`);
    expect(await chips.last().textContent()).toContain('10+');

    // District: its name, never its id.
    expect(await riverside.locator('.station-head').textContent()).toContain('Shangcheng District');
    for (const station of ['s1', 's2', 's3']) expect(await page.locator(`.station[data-station-id="${station}"] .station-head`).textContent()).not.toMatch(/\bd[12]\b/);

    // The history range: 24 h, then 7 days (all three days of values), then 30 days.
    const points = () => riverside.locator('svg.trend').getAttribute('data-points').then(Number);
    expect(await points()).toBeLessThanOrEqual(24);
    await page.locator('.range-picker .range[data-hours="168"]').click();
    await expect.poll(points).toBeGreaterThan(48);
    expect(await riverside.locator('h3', { hasText: '7-day trend' }).count()).toBe(1);
    expect(await page.locator('.range-picker .range[data-hours="168"]').getAttribute('aria-pressed')).toBe('true');
    const week = await points();
    await page.locator('.range-picker .range[data-hours="720"]').click();
    await expect.poll(() => riverside.locator('h3', { hasText: '30-day trend' }).count()).toBe(1);
    await expect.poll(points).toBe(week);
    // Dates, not hours, on a long axis.
    const axis = await riverside.locator('svg.trend .axis-label').allTextContents();
    expect(axis.filter((label) => /^\d{1,2} [A-Z][a-z]{2}$/.test(label)).length).toBeGreaterThanOrEqual(4);
    expect(axis.filter((label) => /:/.test(label))).toEqual([]);

    // The contribution figures explained; PM2.5 and PM10 count once, and the greyed one says so.
    const help = riverside.locator('.contributions-help');
    await help.locator('summary').click();
    expect(await help.textContent()).toContain('added health risk');
    const greyed = riverside.locator('.contribution.not-counted');
    expect(await greyed.count()).toBe(1);
    const why = await riverside.locator('.not-counted-why li').first().textContent();
    expect(why).toMatch(/^PM(2\.5|10) not counted: PM2\.5 and PM10 count once, by the larger \(PM(2\.5|10)\)$/);
    expect(await greyed.getAttribute('title')).toBe(why);
    await screenshot(page, 'board-legend-1280');

    // In Chinese: the legend, the explanation, the greyed reason and the forecast's reason.
    const hillsideForecast = (await h.api('GET', '/api/aqhi/s2/forecast', undefined, null)).body;
    expect(hillsideForecast.source).toBe('persistence');
    expect(hillsideForecast.reasonText.zh).toMatch(/[\u4e00-\u9fff]/);
    await page.locator('[data-pref="language"]').click();
    expect(await chips.first().textContent()).toBe(`${first.fromBand}–${first.toBand} ${first.name.zh}`);
    expect(await riverside.locator('.not-counted-why li').first().textContent()).toContain('只计一次');
    expect(await page.locator('.station[data-station-id="s2"] .forecast-source').textContent()).toContain(hillsideForecast.reasonText.zh);
    expect(await riverside.locator('h3', { hasText: '30 天趋势' }).count()).toBe(1);
    await screenshot(page, 'board-legend-1280-zh');
    expect(problems()).toEqual([]);
  });
});
