import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimulatedDevice } from '../../firmware-sim/device-client.js';
import { fakeClock } from '../helpers/fake-clock.js';
import { ADMIN_TOKEN, startHarness, type Harness } from '../helpers/gateway-harness.js';
import { browserAvailable, PHONE, screenshot, sidewaysOverflowPx, signIn, SuiteBrowser } from './browser.js';
import { alertFor, connectDevice, WEB_PROVISION } from './web-fixtures.js';

/*
 * The family page, in real Chromium: a son signs in with his `family` token and sees his mother by
 * name, in large type, in Chinese and English; her routine whereabouts stay hidden (she shares
 * nothing routine), a fall shows where she is under the emergency rule; "I'm going" is an ack the
 * timeline shows; another resident's fall never appears.
 */

const T0 = Date.UTC(2026, 5, 1, 2, 0, 0);
const clock = fakeClock(T0);
/** Where she is in the street, 600 m from home: routine, not shared with family. */
const STREET = { lat: 30.2705, lon: 120.1552 };
const FALL_AT = { lat: 30.2668, lon: 120.1561 };

const PROVISION = {
  ...WEB_PROVISION,
  workers: WEB_PROVISION.workers.map((w) => (w.id === 'w1' ? { ...w, channels: [{ type: 'sms', phone: '+8613800000011' }] } : w)),
  residents: WEB_PROVISION.residents.map((r) =>
    r.contacts === undefined ? r : { ...r, contacts: r.contacts.map((c) => ({ ...c, id: r.id === 'r1' ? 'fam1' : 'fam2' })) },
  ),
};

describe.skipIf(!browserAvailable)('family page', () => {
  let h: Harness;
  let browser: SuiteBrowser;
  let son: string;
  let mother: SimulatedDevice;

  beforeAll(async () => {
    h = await startHarness({ provision: PROVISION, now: clock.now });
    browser = await SuiteBrowser.launch();
    const issued = await h.api('POST', '/api/tokens', { role: 'family', subject: 'fam1' }, ADMIN_TOKEN);
    son = issued.body.token as string;
    mother = await connectDevice(h, 'b-0001');
    await mother.telemetry({ ts: clock.now(), hr: 74, ...STREET, worn: true }, 1);
  });

  afterAll(async () => {
    await mother?.close();
    await browser?.close();
    await h?.dispose();
  });

  it('shows his mother by name in large type, hides her routine whereabouts, shows a fall under the emergency rule, and takes "I\'m going"', async () => {
    const watched = await browser.open(PHONE);
    const { page } = watched;
    await signIn(page, h.httpUrl, son, '/family');
    await page.locator('#family-title').waitFor();
    expect(await page.locator('#family-title').textContent()).toBe('How Li Guiying is');
    expect(await page.evaluate('document.documentElement.classList.contains("large-type")')).toBe(true);
    expect(await page.locator('[data-field="all-well"]').textContent()).toBe('No alerts right now.');
    const lastSeen = page.locator('[data-field="last-seen"]');
    expect(await lastSeen.textContent()).toContain('has not chosen to share their location');
    expect(await page.locator('a[href^="geo:"]').count()).toBe(0);

    // Another resident falls: nothing of it reaches this page.
    const neighbour = await connectDevice(h, 'b-0002');
    await neighbour.event({ type: 'fall', confidence: 0.9, lat: 30.2605, lon: 120.162 });
    await alertFor(h, 'r2', 'fall');
    await neighbour.close();
    // She falls: the page hears it live, and shows where, marked as shared under the emergency rule.
    await mother.event({ type: 'fall', confidence: 0.9, ...FALL_AT });
    const fall = await alertFor(h, 'r1', 'fall');
    const card = page.locator(`[data-alert="${fall.id}"]`);
    await card.waitFor({ timeout: 15_000 });
    expect(await page.locator('[data-alert]').count()).toBe(1);
    expect(await card.locator('.kind').textContent()).toBe('Fall');
    expect(await card.locator('[data-field="shared-under"]').textContent()).toBe('Shared under the emergency rule');
    expect(await card.locator('a[data-action="open-map"]').getAttribute('href')).toBe(`geo:${FALL_AT.lat},${FALL_AT.lon}`);
    expect(await card.locator('[data-field="on-the-way"]').textContent()).toBe('Nobody has said they are going yet.');
    expect(await page.locator('a[data-action="call-worker"]').getAttribute('href')).toBe('tel:+8613800000011');
    expect(await page.locator('a[data-action="call-worker"]').textContent()).toContain('Wang Fang');

    await card.locator('[data-action="im-going"]').click();
    await card.locator('[data-field="going"]').waitFor();
    expect(await card.locator('[data-field="on-the-way"]').textContent()).toBe('On the way: Li Wei');
    const timeline = (await h.api('GET', `/api/alerts/${fall.id}`)).body.timeline as { type: string; by?: string }[];
    expect(timeline.some((e) => e.type === 'acked' && e.by === 'contact:r1:fam1')).toBe(true);

    // Names, never ids, on the page.
    const text = (await page.locator('main').innerText()) + (await page.title());
    for (const id of ['r1', 'r2', 'b-0001', 'w1', 'fam1', 'g1', fall.id]) expect(text).not.toContain(id);
    expect(text).not.toContain('Zhang Xiuying');
    expect(await sidewaysOverflowPx(page)).toBe(0);
    await screenshot(page, 'family-en-360');

    // In Chinese.
    await page.locator('button[data-pref="language"]').click();
    await page.locator('#family-title', { hasText: 'Li Guiying 的情况' }).waitFor();
    expect(await card.locator('.kind').textContent()).toBe('跌倒');
    expect(await card.locator('[data-field="shared-under"]').textContent()).toBe('紧急情况下依法共享');
    await screenshot(page, 'family-zh-360');
    expect(watched.problems()).toEqual([]);

    // His reads are in the access log, under his name for his mother's family page.
    const audit = (await h.api('GET', '/api/audit?actor=fam1')).body.entries as { action: string; resident: string; category: string; ground: string }[];
    expect(audit.some((e) => e.action === 'read_family_page' && e.resident === 'r1' && e.category === 'location' && e.ground === 'emergency')).toBe(true);
    expect(audit.every((e) => e.resident === 'r1')).toBe(true);
  });

  it('answers a family token only, and only for its own relative', async () => {
    const worker = await h.api('POST', '/api/tokens', { role: 'worker', subject: 'w1' }, ADMIN_TOKEN);
    expect((await h.api('GET', '/api/family', undefined, worker.body.token as string)).status).toBe(403);
    const daughter = await h.api('POST', '/api/tokens', { role: 'family', subject: 'fam2' }, ADMIN_TOKEN);
    const hers = await h.api('GET', '/api/family', undefined, daughter.body.token as string);
    expect(hers.status).toBe(200);
    expect(hers.body.resident.name).toBe('Zhang Xiuying');
    expect(JSON.stringify(hers.body)).not.toContain('Li Guiying');
  });
});
