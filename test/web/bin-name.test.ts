import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimulatedDevice } from '../../firmware-sim/device-client.js';
import { fakeClock } from '../helpers/fake-clock.js';
import { startHarness, type Harness } from '../helpers/gateway-harness.js';
import { waitFor } from '../helpers/wait-for.js';
import { browserAvailable, launchBrowser, PHONE, signIn, watchedPage } from './browser.js';
import { issueToken, WEB_PROVISION } from './web-fixtures.js';

/*
 * A full bin with no name of its own, in real Chromium against a real gateway: the console names
 * it by its grid in the reader's language ("Fuxing Lane的垃圾桶" / "A bin in Fuxing Lane"), never
 * by its id nor, in zh, in English.
 */

const clock = fakeClock(Date.UTC(2026, 5, 1, 2, 0, 0)); // 10:00 in Shanghai, working hours
const BIN = { id: 'bin-07', kind: 'bin', secret: 'secret-bin-07', grid: 'g1', lat: 30.2662, lon: 120.1556 };

describe.skipIf(!browserAvailable)('a bin with no name', () => {
  let h: Harness;
  let browser: Browser | undefined;
  let bin: SimulatedDevice | undefined;
  let workerToken: string;
  let alertId: string;

  beforeAll(async () => {
    h = await startHarness({ provision: { ...WEB_PROVISION, devices: [...WEB_PROVISION.devices, BIN] }, now: clock.now });
    browser = await launchBrowser();
    workerToken = await issueToken(h, 'worker', 'w1');
    bin = await SimulatedDevice.connect({ id: BIN.id, secret: BIN.secret, url: h.mqttUrl });
    await bin.telemetry({ fill: 93 }, 1);
    await bin.telemetry({ fill: 95 }, 1);
    alertId = await waitFor('the bin_full alert', async () => (await h.api('GET', '/api/alerts?kind=bin_full')).body.alerts[0]?.id as string | undefined);
  });

  afterAll(async () => {
    await browser?.close();
    await bin?.close().catch(() => undefined);
    await h?.dispose();
  });

  for (const [locale, name, foreign] of [
    ['zh-CN', 'Fuxing Lane的垃圾桶', /a bin in/i],
    ['en-GB', 'A bin in Fuxing Lane', /垃圾桶/],
  ] as const) {
    it(`is named by its grid in ${locale}, in the card and the detail`, async () => {
      const watched = await watchedPage(browser!, PHONE, { locale });
      const { page } = watched;
      await signIn(page, h.httpUrl, workerToken, '/console');
      const card = page.locator(`.alert-card[data-alert-id="${alertId}"]`);
      await expect.poll(() => card.textContent()).toContain(name);
      await card.locator('a').click();
      const detail = page.locator(`.alert-detail[data-alert-id="${alertId}"]`);
      await expect.poll(() => detail.textContent()).toContain(name);
      const body = (await page.locator('body').textContent()) ?? '';
      expect(body).not.toMatch(foreign);
      expect(body).not.toContain(BIN.id);
      expect(watched.problems()).toEqual([]);
    });
  }
});
