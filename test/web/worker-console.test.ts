import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimulatedDevice } from '../../firmware-sim/device-client.js';
import { fakeClock } from '../helpers/fake-clock.js';
import { startHarness, type Harness } from '../helpers/gateway-harness.js';
import { browserAvailable, DESKTOP, PHONE, screenshot, sidewaysOverflowPx, signIn, SuiteBrowser, type WatchedPage } from './browser.js';
import { alertFor, connectDevice, issueToken, WEB_PROVISION } from './web-fixtures.js';

/*
 * The grid worker's console in real Chromium against a real gateway: a bracelet falls over real
 * MQTT, the card arrives over the event stream without a reload, the worker acknowledges it with
 * a note and the timeline says so; a fall in another grid never reaches this worker's screen.
 */

const T0 = Date.UTC(2026, 5, 1, 2, 0, 0); // 10:00 in Shanghai
const clock = fakeClock(T0);

describe.skipIf(!browserAvailable)('worker console', () => {
  let h: Harness;
  let browser: SuiteBrowser | undefined;
  let workerToken: string;
  const devices: SimulatedDevice[] = [];

  beforeAll(async () => {
    h = await startHarness({ provision: WEB_PROVISION, now: clock.now });
    browser = await SuiteBrowser.launch();
    workerToken = await issueToken(h, 'worker', 'w1');
  });

  afterAll(async () => {
    await browser?.close();
    await Promise.all(devices.map((d) => d.close().catch(() => undefined)));
    await h?.dispose();
  });

  const open = (viewport: { width: number; height: number }): Promise<WatchedPage> => browser!.open(viewport);

  async function device(id: string): Promise<SimulatedDevice> {
    const d = await connectDevice(h, id);
    devices.push(d);
    return d;
  }

  let fallId: string;
  let otherGridFallId: string;

  it('shows a fall in the worker’s grid without a reload, takes the ack with a note, and puts it on the timeline', async () => {
    const phone = await open(PHONE);
    const { page } = phone;
    await page.goto(`${h.httpUrl}/`);
    await screenshot(page, 'login-360');
    expect(await sidewaysOverflowPx(page)).toBe(0);
    await signIn(page, h.httpUrl, workerToken, '/console');
    await page.locator('#stream-status[data-status="live"]').waitFor();
    await expect.poll(() => page.locator('#inbox-empty').isVisible()).toBe(true);
    // A reload would lose this.
    await page.evaluate('window.sameDocument = true');
    await screenshot(page, 'console-empty-360');
    expect(await sidewaysOverflowPx(page)).toBe(0);

    // Another grid's fall first: the stream delivers in order, so had it leaked it would show first.
    clock.advance(60_000);
    await (await device('b-0002')).event({ type: 'fall', confidence: 0.9, lat: 30.2604, lon: 120.1621 });
    otherGridFallId = (await alertFor(h, 'r2', 'fall')).id;

    clock.advance(60_000);
    await (await device('b-0001')).event({ type: 'fall', confidence: 0.92, lat: 30.2656, lon: 120.1553 });
    fallId = (await alertFor(h, 'r1', 'fall')).id;

    const card = page.locator(`.alert-card[data-alert-id="${fallId}"]`);
    await card.waitFor();
    await expect.poll(() => card.textContent()).toContain('Li Guiying');
    const cardText = (await card.textContent()) ?? '';
    expect(cardText).toContain('Fall');
    expect(cardText).toContain('Critical');
    expect(cardText).toContain('Building 3, Unit 2, Room 401');
    expect(await page.evaluate('window.sameDocument')).toBe(true);
    expect(await page.locator(`[data-alert-id="${otherGridFallId}"]`).count()).toBe(0);
    expect(await page.content()).not.toContain('Zhang Xiuying');
    await screenshot(page, 'console-inbox-360');
    expect(await sidewaysOverflowPx(page)).toBe(0);

    await card.locator('a').click();
    const detail = page.locator(`.alert-detail[data-alert-id="${fallId}"]`);
    await detail.waitFor();
    // On a phone the detail replaces the list.
    expect(await page.locator('#inbox').isVisible()).toBe(false);
    const detailText = (await detail.textContent()) ?? '';
    for (const expected of ['Li Guiying', 'Building 3, Unit 2, Room 401', 'Bracelet position at the alert', 'fall confidence 92%', 'Community health station', 'Li Wei']) {
      expect(detailText).toContain(expected);
    }
    expect(await detail.locator('a.call').getAttribute('href')).toBe('tel:+8613900000000');
    expect(await detail.locator('.timeline .tl-raised').count()).toBe(1);

    await detail.locator('#note').fill('On my way, 3 minutes');
    await detail.locator('[data-action="ack"]').click();
    const acked = detail.locator('.timeline .tl-acked');
    await acked.waitFor();
    expect(await acked.locator('.tl-text').textContent()).toBe('Acknowledged by you');
    expect(await acked.locator('.tl-note').textContent()).toBe('On my way, 3 minutes');
    await expect.poll(() => detail.locator('[data-action="ack"]').isHidden()).toBe(true);

    const onServer = await h.api('GET', `/api/alerts/${fallId}`);
    expect(onServer.body).toMatchObject({ state: 'acked', assignee: 'w1' });
    expect(onServer.body.timeline.at(-1)).toMatchObject({ type: 'acked', by: 'w1', note: 'On my way, 3 minutes' });
    await screenshot(page, 'console-detail-360');
    expect(await sidewaysOverflowPx(page)).toBe(0);

    // Large type, high contrast and Chinese, as an elderly worker might set it.
    await page.locator('[data-pref="language"]').click();
    await page.locator('[data-pref="largeType"]').click();
    await page.locator('[data-pref="highContrast"]').click();
    expect(await page.evaluate('[document.documentElement.lang, document.documentElement.className]')).toEqual(['zh-CN', 'large-type high-contrast']);
    expect(await detail.locator('h2').textContent()).toBe('跌倒');
    expect(await detail.locator('.timeline .tl-acked .tl-text').textContent()).toBe('您 已接手');
    await screenshot(page, 'console-detail-360-zh-large-contrast');
    expect(await sidewaysOverflowPx(page)).toBe(0);

    expect(phone.problems()).toEqual([]);
    expect(phone.requests.every((url) => url.startsWith(h.httpUrl))).toBe(true);
  });

  it('lays the inbox and the alert side by side on a desktop, and resolves with a note', async () => {
    // A wrong token is refused on the page and not kept; the gateway's 401 is the only noise.
    const refused = await open(DESKTOP);
    await refused.page.goto(`${h.httpUrl}/`);
    await refused.page.locator('#token').fill('not-a-token');
    await refused.page.locator('#login-submit').click();
    await expect.poll(() => refused.page.locator('#login-message').textContent()).toBe('This token is unknown or revoked. Ask your administrator for a new one.');
    expect(await refused.page.evaluate('sessionStorage.length')).toBe(0);
    await screenshot(refused.page, 'login-1280');
    expect(refused.problems()).toEqual([
      `HTTP 401: ${h.httpUrl}/api/sessions`,
      'console error: Failed to load resource: the server responded with a status of 401 (Unauthorized)',
    ]);

    const desktop = await open(DESKTOP);
    const { page } = desktop;
    await signIn(page, h.httpUrl, workerToken, '/console');
    await page.locator(`.alert-card[data-alert-id="${fallId}"]`).click();
    const detail = page.locator(`.alert-detail[data-alert-id="${fallId}"]`);
    await detail.waitFor();
    expect(await page.locator('#inbox').isVisible()).toBe(true);
    await screenshot(page, 'console-1280');

    // Resolving asks what was done.
    await detail.locator('[data-action="resolve"]').click();
    await expect.poll(() => detail.locator('.message').textContent()).toBe('Write what was done before resolving.');
    expect((await h.api('GET', `/api/alerts/${fallId}`)).body.state).toBe('acked');

    await detail.locator('#note').fill('Bruised wrist; son is with her');
    await detail.locator('[data-action="resolve"]').click();
    await detail.locator('.timeline .tl-resolved').waitFor();
    expect(await detail.locator('.timeline .tl-resolved .tl-note').textContent()).toBe('Bruised wrist; son is with her');
    // Resolved alerts leave the inbox unless asked for.
    await expect.poll(() => page.locator(`.alert-card[data-alert-id="${fallId}"]`).count()).toBe(0);
    await page.locator('.filters summary').click();
    await page.locator('#filter-state').selectOption('all');
    await page.locator(`.alert-card[data-alert-id="${fallId}"][data-state="resolved"]`).waitFor();
    expect(await page.locator(`[data-alert-id="${otherGridFallId}"]`).count()).toBe(0);

    expect(desktop.problems()).toEqual([]);
  });
});
