import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimulatedDevice } from '../../firmware-sim/device-client.js';
import { HOUR_MS } from '../../rules/aqhi/index.js';
import { fakeClock } from '../helpers/fake-clock.js';
import { startHarness, type Harness } from '../helpers/gateway-harness.js';
import { browserAvailable, DESKTOP, screenshot, SuiteBrowser } from './browser.js';
import { AIR, connectDevice, issueToken, WEB_PROVISION } from './web-fixtures.js';

/*
 * The board's outlook in real Chromium: Riverside reported two hours late on 1 June (local), so
 * its daily report is incomplete; the bureau has posted an official forecast for it; Hillside has
 * no history and shows persistence. The board must say each of these.
 */

const D_2200 = Date.UTC(2026, 5, 1, 14); // 22:00 on 1 June in Shanghai
const clock = fakeClock(D_2200);

describe.skipIf(!browserAvailable)('index board outlook', () => {
  let h: Harness;
  let browser: SuiteBrowser | undefined;
  let air: SimulatedDevice;

  beforeAll(async () => {
    h = await startHarness({ provision: WEB_PROVISION, now: clock.now });
    air = await connectDevice(h, 'air-01');
    for (let hour = 0; hour < 2; hour++) {
      clock.set(D_2200 + hour * HOUR_MS);
      await h.gateway.aqhi.tick(clock.now());
      for (const minute of [10, 40]) {
        clock.set(D_2200 + hour * HOUR_MS + minute * 60_000);
        await air.telemetry(AIR.high, 1);
      }
    }
    clock.set(D_2200 + 3 * HOUR_MS); // 01:00 on 2 June: the report of 1 June is due
    await h.gateway.aqhi.tick(clock.now());
    expect((await h.gateway.aqhiReports.daily.issueDue()).some((r) => r.stationId === 's1')).toBe(true);
    const bureau = await issueToken(h, 'bureau');
    const put = await h.api('PUT', '/api/aqhi/s1/forecast', {
      hours: [0, 1, 2].map((i) => ({ at: new Date(clock.now() + i * HOUR_MS).toISOString(), band: 8 - i })),
      tomorrow: { band: 7 },
      validUntil: new Date(clock.now() + 6 * HOUR_MS).toISOString(),
    }, bureau);
    expect(put.status).toBe(200);
    browser = await SuiteBrowser.launch();
  });

  afterAll(async () => {
    await browser?.close();
    await air?.close().catch(() => undefined);
    await h?.dispose();
  });

  it('shows yesterday’s report, marked incomplete, and the forecast strip with its source', async () => {
    const { page, problems } = await browser!.open(DESKTOP);
    await page.goto(`${h.httpUrl}/board`);
    const riverside = page.locator('.station[data-station-id="s1"]');
    await expect.poll(() => riverside.locator('.daily-card').getAttribute('data-report')).toBe('2026-06-01');
    expect(await riverside.locator('.daily-card').getAttribute('data-incomplete')).toBe('true');
    expect(await riverside.locator('.incomplete-mark').textContent()).toContain('Incomplete');
    // 22:00 has no index of its own (a 3-hour mean needs 2 hours): one hour counts.
    expect(await riverside.locator('.daily-card').textContent()).toContain('Hours counted 1/24');
    const strip = riverside.locator('.forecast-strip');
    expect(await strip.getAttribute('data-source')).toBe('official');
    expect(await strip.locator('.forecast-hour').allTextContents()).toEqual(['8', '7', '6']);
    expect(await strip.locator('.forecast-tomorrow').textContent()).toContain('7');
    expect(await strip.locator('.forecast-source').textContent()).toContain('Official forecast');
    // The 8 of the first hour is in the colour of its category (very high).
    const forecast = (await h.api('GET', '/api/aqhi/s1/forecast', undefined, null)).body;
    expect(await strip.locator('.forecast-hour').first().getAttribute('style')).toContain('background');
    expect(forecast.hours[0].category.id).toBe('very-high');

    const hillside = page.locator('.station[data-station-id="s2"]');
    expect(await hillside.locator('.daily-card').getAttribute('data-report')).toBe('none');
    expect(await hillside.locator('.forecast-strip').getAttribute('data-source')).toBe('persistence');
    await screenshot(page, 'board-outlook-1280');
    expect(problems()).toEqual([]);
  });
});
