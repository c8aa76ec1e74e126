import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeClock } from '../helpers/fake-clock.js';
import { ADMIN_TOKEN, startHarness, type Harness } from '../helpers/gateway-harness.js';
import { browserAvailable, launchBrowser, PHONE, watchedPage } from './browser.js';
import { WEB_PROVISION } from './web-fixtures.js';

/*
 * Every role signs in in real Chromium and lands on a page it may use, which then loads without
 * an error or a bounce; a role with no web page (the family doctor) is told so in its language on
 * the sign-in page, and stays there instead of going round between pages.
 */

const clock = fakeClock(Date.UTC(2026, 5, 1, 2, 0, 0));

const PROVISION = {
  ...WEB_PROVISION,
  residents: WEB_PROVISION.residents.map((r) => (r.contacts === undefined ? r : { ...r, contacts: r.contacts.map((c) => ({ ...c, id: `fam-${r.id}` })) })),
  doctors: [{ id: 'doc1', name: 'Dr Chen', grids: ['g1'], channels: [] }],
};

/** A page's sign that it has loaded its data (not only its template). */
const LOADED: Record<string, string> = {
  '/console': '#stream-status[data-status="live"]',
  '/board': '#stations > *',
  '/map': '#map-counts:text-matches("\\\\d")',
  '/family': '#family-title',
};

describe.skipIf(!browserAvailable)('each role’s first page', () => {
  let h: Harness;
  let browser: Browser | undefined;

  beforeAll(async () => {
    h = await startHarness({ provision: PROVISION, now: clock.now });
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await h?.dispose();
  });

  async function tokenFor(role: string, subject?: string): Promise<string> {
    const res = await h.api('POST', '/api/tokens', { role, ...(subject === undefined ? {} : { subject }) }, ADMIN_TOKEN);
    expect(res.status).toBe(201);
    return res.body.token as string;
  }

  async function signInAs(token: string, locale = 'en-GB', next = ''): Promise<Awaited<ReturnType<typeof watchedPage>>> {
    const watched = await watchedPage(browser!, PHONE, { locale });
    await watched.page.goto(`${h.httpUrl}/${next}`);
    await watched.page.locator('#token').fill(token);
    await watched.page.locator('#login-submit').click();
    return watched;
  }

  for (const [role, subject, home] of [
    ['admin', undefined, '/console'],
    ['worker', 'w1', '/console'],
    ['bureau', undefined, '/board'],
    ['responder', 'v1', '/map'],
    ['dispatcher', undefined, '/map'],
    ['family', 'fam-r1', '/family'],
  ] as const) {
    it(`takes a ${role} to ${home}, which loads and stays`, async () => {
      const watched = await signInAs(await tokenFor(role, subject));
      const { page } = watched;
      await page.waitForURL((url) => url.pathname === home);
      await page.locator(LOADED[home]!).first().waitFor();
      expect(new URL(page.url()).pathname).toBe(home);
      expect(watched.problems()).toEqual([]);
      // Signed in, the start page sends them straight back to the same place.
      await page.goto(`${h.httpUrl}/`);
      await page.waitForURL((url) => url.pathname === home);
    });
  }

  it('tells a family doctor, in zh and en, that the sign-in has no web page, and keeps them there', async () => {
    const token = await tokenFor('doctor', 'doc1');
    for (const [locale, words] of [
      ['zh-CN', '此登录（家庭医生）没有可用的网页'],
      ['en-GB', 'This sign-in (family doctor) has no web page'],
    ] as const) {
      // Even sent on to the console, the doctor comes back here and is told why.
      const watched = await signInAs(token, locale, `?next=${encodeURIComponent('/console')}`);
      const { page } = watched;
      await page.locator('#login-sign-out').waitFor();
      expect(new URL(page.url()).pathname).toBe('/');
      const said = (await page.locator('#login-message').textContent()) ?? '';
      expect(said).toContain(words);
      expect(said).not.toMatch(/doctor\b.*\bdoc1|GW_ERR_/);
      if (locale === 'zh-CN') expect(said).not.toMatch(/[A-Za-z]{3,}/);
      expect(watched.problems()).toEqual([]);
      await page.locator('#login-sign-out').click();
      await page.waitForURL((url) => url.pathname === '/');
      await expect.poll(async () => (await page.context().cookies()).map((c) => c.name)).not.toContain('gw_csrf');
    }
  });
});
