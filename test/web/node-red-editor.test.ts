import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, startHarness, type Harness } from '../helpers/gateway-harness.js';
import { browserAvailable, DESKTOP, launchBrowser, screenshot, watchedPage } from './browser.js';

/*
 * The flow editor in real Chromium: without the admin login /red answers 401 with a sign-in
 * page and no editor; with the admin token the editor loads, with the gateway's nodes in the palette.
 */

describe.skipIf(!browserAvailable)('Node-RED editor in the browser', () => {
  let h: Harness;
  let browser: Browser;

  beforeAll(async () => {
    h = await startHarness({ overrides: { nodeRed: { enabled: true } } });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await h?.dispose();
  });

  it('answers 401 without the admin login, and a worker token does not open it', async () => {
    const watched = await watchedPage(browser, DESKTOP, { expectedStatuses: [401] });
    const response = await watched.page.goto(`${h.httpUrl}/red/`);
    expect(response?.status()).toBe(401);
    await expect(watched.page.locator('#token').isVisible()).resolves.toBe(true);
    expect(await watched.page.locator('#red-ui-editor').count()).toBe(0);

    const worker = (await h.api('POST', '/api/tokens', { role: 'worker', subject: 'w1', label: 'w1' })).body.token as string;
    await watched.page.locator('#token').fill(worker);
    await watched.page.locator('button[type=submit]').click();
    await watched.page.waitForLoadState();
    expect(await watched.page.locator('#red-ui-editor').count()).toBe(0);
    await expect(watched.page.locator('.problem').textContent()).resolves.toContain('not an admin token');
    await watched.page.context().close();
  });

  it('loads the editor with the gateway palette after signing in with the admin token', async () => {
    const watched = await watchedPage(browser, DESKTOP, { expectedStatuses: [401] });
    const { page } = watched;
    await page.goto(`${h.httpUrl}/red/login`);
    await page.locator('#token').fill(ADMIN_TOKEN);
    await page.locator('button[type=submit]').click();
    await page.waitForSelector('#red-ui-palette', { timeout: 30_000 });
    await page.waitForSelector('.red-ui-palette-node[data-palette-type="gateway readings"]', { timeout: 30_000 });
    const gatewayNodes = await page.locator('.red-ui-palette-node[data-palette-type^="gateway"]').count();
    expect(gatewayNodes).toBeGreaterThanOrEqual(3);
    await screenshot(page, 'node-red-editor-1280');
    const offsite = watched.requests.filter((url) => !/^https?:\/\/(127\.0\.0\.1|localhost)[:/]/.test(url) && !url.startsWith('data:'));
    expect(offsite).toEqual([]);
    await page.context().close();
  });
});
