import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimulatedDevice } from '../../firmware-sim/device-client.js';
import { errorText } from '../../gateway/errors/gateway-errors.js';
import { fakeClock } from '../helpers/fake-clock.js';
import { startHarness, type Harness } from '../helpers/gateway-harness.js';
import { browserAvailable, launchBrowser, PHONE, signIn, watchedPage } from './browser.js';
import { alertFor, connectDevice, issueToken, WEB_PROVISION } from './web-fixtures.js';

/*
 * A refused action in real Chromium against a real gateway: the console says why in the page's
 * language, from the error registry's text for the code, never the code or the server's English
 * message; a code the registry does not hold gets a plain general sentence.
 */

const clock = fakeClock(Date.UTC(2026, 5, 1, 2, 0, 0));

describe.skipIf(!browserAvailable)('a failed action, in the reader’s language', () => {
  let h: Harness;
  let browser: Browser | undefined;
  let workerToken: string;
  let device: SimulatedDevice | undefined;
  let fallId: string;

  beforeAll(async () => {
    // One note per alert, so the console's second note is refused with a 409.
    h = await startHarness({ provision: WEB_PROVISION, now: clock.now, overrides: { alerts: { maxNotesPerAlert: 1 } } });
    browser = await launchBrowser();
    workerToken = await issueToken(h, 'worker', 'w1');
    device = await connectDevice(h, 'b-0001');
    await device.event({ type: 'fall', confidence: 0.9, lat: 30.2656, lon: 120.1553 });
    fallId = (await alertFor(h, 'r1', 'fall')).id;
    expect((await h.api('POST', `/api/alerts/${fallId}/notes`, { text: 'Called her son' })).status).toBe(200);
  });

  afterAll(async () => {
    await browser?.close();
    await device?.close().catch(() => undefined);
    await h?.dispose();
  });

  async function refusedNote(locale: string): Promise<{ message: string; body: string; watched: Awaited<ReturnType<typeof watchedPage>> }> {
    const watched = await watchedPage(browser!, PHONE, { locale, expectedStatuses: [409] });
    const { page } = watched;
    await signIn(page, h.httpUrl, workerToken, '/console');
    const card = page.locator(`.alert-card[data-alert-id="${fallId}"]`);
    await card.locator('a').click();
    const detail = page.locator(`.alert-detail[data-alert-id="${fallId}"]`);
    await detail.locator('#note').fill('Second note');
    await detail.locator('[data-action="note"]').click();
    const message = detail.locator('p.message');
    await message.waitFor({ state: 'visible' });
    return { message: (await message.textContent()) ?? '', body: (await page.locator('body').textContent()) ?? '', watched };
  }

  it('shows the registry’s Chinese sentence for the code in zh, with no code or English', async () => {
    const { message, body, watched } = await refusedNote('zh-CN');
    const text = errorText('GW_ERR_ALERT_TOO_MANY_NOTES');
    expect(message).toContain('操作未成功');
    expect(message).toContain(text.zh);
    expect(body).not.toContain('GW_ERR_');
    expect(body).not.toContain('this alert has');
    expect(body.toLowerCase()).not.toContain(text.en.toLowerCase());
    expect(watched.problems().filter((p) => !p.includes('409'))).toEqual([]);
  });

  it('shows the English sentence in en, not the server’s message', async () => {
    const { message, body, watched } = await refusedNote('en-GB');
    expect(message).toBe('That did not go through: The alert has as many notes as alerts.maxNotesPerAlert allows.');
    expect(body).not.toContain('GW_ERR_');
    expect(body).not.toContain('this alert has 1 notes');
    expect(watched.problems().filter((p) => !p.includes('409'))).toEqual([]);
  });

  it('says a plain general sentence for a code the registry does not hold', async () => {
    for (const [locale, expected] of [
      ['zh-CN', '出了点问题，请稍后再试。'],
      ['en-GB', 'Something went wrong. Please try again in a moment.'],
    ] as const) {
      const { page } = await watchedPage(browser!, PHONE, { locale });
      await page.goto(`${h.httpUrl}/`);
      const assets = (await page.locator('script[src*="/assets/"]').first().getAttribute('src')) ?? '';
      const base = assets.slice(0, assets.lastIndexOf('/') + 1);
      // A string, so the test runner leaves the browser's own import() alone.
      const sentence = await page.evaluate(`(async () => {
        const { errorSentence } = await import('${h.httpUrl}${base}error-text.js');
        const { ApiError } = await import('${h.httpUrl}${base}session.js');
        return errorSentence(new ApiError(500, 'GW_ERR_NOT_REGISTERED', 'some English detail'));
      })()`);
      expect(sentence).toBe(expected);
    }
  });
});
