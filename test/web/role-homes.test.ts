import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeClock } from '../helpers/fake-clock.js';
import { ADMIN_TOKEN, startHarness, type Harness } from '../helpers/gateway-harness.js';
import { browserAvailable, launchBrowser, PHONE, watchedPage } from './browser.js';
import { WEB_PROVISION } from './web-fixtures.js';

/*
 * Every role signs in in real Chromium and lands on a page it may use, which then loads without
 * an error or a bounce; a family doctor sent to a page that is not theirs comes back to their
 * patients, in their language, instead of going round between pages.
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
  '/doctor': '#doctor-title',
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
    ['doctor', 'doc1', '/doctor'],
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

  it('brings a family doctor sent on to the console back to their patients, in zh and en', async () => {
    const token = await tokenFor('doctor', 'doc1');
    for (const [locale, title] of [
      ['zh-CN', '我的患者'],
      ['en-GB', 'My patients'],
    ] as const) {
      const watched = await signInAs(token, locale, `?next=${encodeURIComponent('/console')}`);
      const { page } = watched;
      await page.waitForURL((url) => url.pathname === '/doctor');
      expect(await page.locator('#doctor-title').textContent()).toBe(title);
      expect(watched.problems()).toEqual([]);
      await page.close();
    }
  });
});
