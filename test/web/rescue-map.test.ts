import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeClock } from '../helpers/fake-clock.js';
import { ADMIN_TOKEN, startHarness, type Harness } from '../helpers/gateway-harness.js';
import { waitFor } from '../helpers/wait-for.js';
import { browserAvailable, DESKTOP, PHONE, screenshot, sidewaysOverflowPx, signIn, SuiteBrowser } from './browser.js';
import { startTileServer, type TileServer } from './tile-server.js';
import { issueToken, WEB_PROVISION } from './web-fixtures.js';

/*
 * The rescue layer in real Chromium, on both maps: a cardiac arrest reported by the centre, Zhao
 * Lei accepting the run via the community health station's AED and Sun Li asked, each drawn with
 * their name, state and way; Zhao Lei reporting a new position moves him without a reload. On the
 * offline drawing, labels that would overlap are moved or hidden, never left on one another. The
 * maps redraw every marker on each live update: everything read is polled.
 */

const T0 = Date.UTC(2026, 5, 1, 2, 0, 0); // 10:00 in Shanghai
const PATIENT = { lat: 30.2652, lon: 120.1556 };
const IDS = ['v1', 'v2', 'a1', 'a2', 'a3', 'r1', 'r2', 'r3', 'g1', 'g2'];
const PROVISION = { ...WEB_PROVISION, responders: WEB_PROVISION.responders.map((r) => ({ ...r, certifiedUntil: '2027-12-31' })) };

/** A cardiac arrest as the centre reports it, with Zhao Lei (v1) accepting his AED run. */
async function rescueUnderWay(h: Harness, ref: string): Promise<{ id: string; v1: string }> {
  const created = await h.api('POST', '/api/emergencies', { ref, kind: 'cardiac_arrest', ...PATIENT, address: 'Building 3, Fuxing Lane', note: 'man, about 70' });
  expect(created.status).toBe(201);
  const v1 = await issueToken(h, 'responder', 'v1');
  const accepted = await h.api('POST', `/api/emergencies/${created.body.id}/responders/me/accept`, undefined, v1);
  expect(accepted.body.responders[0]).toMatchObject({ id: 'v1', state: 'accepted', aed: { id: 'a1' } });
  return { id: created.body.id as string, v1 };
}

/** The centre of an element's box on screen (undefined while it is being redrawn). */
async function centreOf(page: Page, selector: string): Promise<{ x: number; y: number } | undefined> {
  return (await page.evaluate(`(() => { const e = document.querySelector(${JSON.stringify(selector)}); if (!e) return undefined; const r = e.getBoundingClientRect(); return { x: r.left + r.width / 2, y: r.top + r.height / 2 }; })()`)) as
    | { x: number; y: number }
    | undefined;
}

/** Visible labels that overlap one another or one of `obstacles`, by their text (none is the goal). */
async function overlappingLabels(page: Page, selector: string, obstacles = ''): Promise<string[]> {
  return (await page.evaluate(`(() => {
    const visible = (list) => list.filter((e) => getComputedStyle(e).visibility !== 'hidden')
      .map((e) => ({ r: e.getBoundingClientRect(), text: e.textContent || e.getAttribute('class') }))
      .filter(({ r }) => r.width > 0);
    const labels = visible([...document.querySelectorAll(${JSON.stringify(selector)})]);
    const others = ${JSON.stringify(obstacles)} === '' ? [] : visible([...document.querySelectorAll(${JSON.stringify(obstacles)})]);
    const hit = (a, b) => a.left < b.right && a.right > b.left && a.top < b.bottom && a.bottom > b.top;
    const bad = [];
    for (let i = 0; i < labels.length; i++) {
      for (let j = i + 1; j < labels.length; j++) if (hit(labels[i].r, labels[j].r)) bad.push(labels[i].text + ' / ' + labels[j].text);
      for (const o of others) if (hit(labels[i].r, o.r)) bad.push(labels[i].text + ' / ' + o.text);
    }
    return bad;
  })()`)) as string[];
}

/** Id-shaped words in the visible text of the map and its panel. */
async function idsShown(page: Page): Promise<string[]> {
  const text = (await page.evaluate("document.querySelector('.map-frame').textContent + ' ' + document.querySelector('.map-side').innerText")) as string;
  return text.split(/[\s,;:()（）：，·]+/).filter((word) => IDS.includes(word));
}

describe.skipIf(!browserAvailable)('the rescue layer on the offline map', () => {
  const clock = fakeClock(T0);
  let h: Harness;
  let browser: SuiteBrowser | undefined;

  beforeAll(async () => {
    h = await startHarness({ provision: PROVISION, now: clock.now });
    browser = await SuiteBrowser.launch();
  });

  afterAll(async () => {
    await browser?.close();
    await h?.dispose();
  });

  it('draws the patient, the responders with their names and states, the AED fetched and the way; moves a responder live; zh and en', async () => {
    const { page, problems } = await browser!.open(DESKTOP);
    await signIn(page, h.httpUrl, ADMIN_TOKEN, '/console');
    await page.goto(`${h.httpUrl}/map`);
    await page.locator('.feature[data-type="aed"]').first().waitFor();
    expect(await page.locator('.feature[data-type="emergency"]').count()).toBe(0);
    await page.evaluate('window.sameDocument = true');

    const { v1 } = await rescueUnderWay(h, '120-MAP-0001');
    // Live: no reload. Zhao Lei runs to the community health station's cabinet, then to the patient.
    const runnerLabel = page.locator('.feature[data-type="rescuer"][data-id="v1"] .label');
    await expect.poll(() => runnerLabel.textContent(), { timeout: 20_000 }).toBe('Zhao Lei: on the way');
    await expect.poll(() => page.locator('.feature[data-type="emergency"] .label').textContent()).toBe('Cardiac arrest · Building 3, Fuxing Lane');
    await expect.poll(() => page.locator('.rescue-aed[data-responder="v1"] .label').textContent()).toBe('AED for Zhao Lei');
    expect(await page.locator('.rescue-aed[data-responder="v1"]').getAttribute('data-aed')).toBe('a1');
    await expect.poll(() => page.locator('.feature[data-type="rescuer"][data-id="v2"] .label').textContent()).toBe('Sun Li: asked');
    // Someone on a run is drawn once, as on the run, not also as an available responder.
    expect(await page.locator('.feature[data-type="responder"][data-id="v1"]').count()).toBe(0);
    // The ring is on the cabinet, and the way goes responder → cabinet → patient.
    await expect
      .poll(async () => {
        const ring = await centreOf(page, '.rescue-aed[data-responder="v1"] .rescue-ring');
        const cabinet = await centreOf(page, '.feature[data-type="aed"][data-id="a1"] .marker');
        return ring !== undefined && cabinet !== undefined && Math.hypot(ring.x - cabinet.x, ring.y - cabinet.y) < 2;
      })
      .toBe(true);
    await expect.poll(async () => (await page.locator('polyline.rescue-route[data-responder="v1"]').getAttribute('points'))?.split(' ').length).toBe(3);

    // Zhao Lei reports where he is: the open map moves him.
    const before = await waitFor('Zhao Lei laid out', () => centreOf(page, '.feature[data-type="rescuer"][data-id="v1"] .marker'), 30_000);
    const moved = await h.api('POST', '/api/responders/me/location', { lat: 30.2658, lon: 120.1546, available: true }, v1);
    expect(moved.status).toBe(200);
    await expect
      .poll(async () => {
        const now = await centreOf(page, '.feature[data-type="rescuer"][data-id="v1"] .marker');
        return now === undefined ? 0 : Math.round(Math.hypot(now.x - before.x, now.y - before.y));
      }, { timeout: 20_000 })
      .toBeGreaterThan(3);

    // The panel tells the whole rescue in words.
    await waitFor('the emergency panel', async () => {
      await page.locator('.feature[data-type="emergency"]').first().press('Enter');
      return (await page.locator('#map-info h2').textContent()) === 'Cardiac arrest';
    }, 30_000);
    const panel = page.locator('#map-info');
    await expect.poll(() => panel.innerText()).toContain('Zhao Lei: on the way · Fetching the AED: Community health station, left of the entrance (Ready)');
    expect(await panel.innerText()).toContain('Building 3, Fuxing Lane');
    expect(await page.locator('#legend').innerText()).toContain('Responder on the way');
    expect(await page.locator('#map-counts').innerText()).toContain('1 emergency');
    expect(await idsShown(page)).toEqual([]);
    expect(await page.evaluate('window.sameDocument')).toBe(true);
    await screenshot(page, 'rescue-map-1280');

    await page.locator('[data-pref="language"]').click();
    await expect.poll(() => runnerLabel.textContent()).toBe('Zhao Lei：正在赶来');
    await expect.poll(() => page.locator('.feature[data-type="emergency"] .label').textContent()).toBe('心脏骤停 · Building 3, Fuxing Lane');
    await expect.poll(() => page.locator('.rescue-aed[data-responder="v1"] .label').textContent()).toBe('Zhao Lei去取的AED');
    await expect.poll(() => panel.innerText()).toContain('先取AED：Community health station, left of the entrance（可用）');
    expect(await idsShown(page)).toEqual([]);
    await screenshot(page, 'rescue-map-1280-zh');
    expect(problems()).toEqual([]);
  }, 120_000);

  it('moves or hides labels that would overlap, keeping the emergency’s, on a phone zoomed out', async () => {
    const { page, problems } = await browser!.open(PHONE);
    await signIn(page, h.httpUrl, ADMIN_TOKEN, '/console');
    await page.goto(`${h.httpUrl}/map`);
    await page.locator('.feature[data-type="emergency"]').first().waitFor();
    // Zoomed out, the community's labels fall on one another.
    for (let i = 0; i < 3; i++) await page.locator('#zoom-out').click();
    const labels = '#map [data-priority]';
    await expect.poll(() => page.locator(`${labels}.label-hidden, ${labels}.label-moved`).count(), { timeout: 20_000 }).toBeGreaterThan(0);
    await expect.poll(() => overlappingLabels(page, labels), { timeout: 20_000 }).toEqual([]);
    // The most urgent label is never the one hidden; none is cut by the map's edge or lies under a marker.
    await expect.poll(() => page.locator('.feature[data-type="emergency"] .label:not(.label-hidden)').count()).toBe(1);
    await expect.poll(() => overlappingLabels(page, labels, '#map .feature .marker, #map-tools button'), { timeout: 20_000 }).toEqual([]);
    const cut = (await page.evaluate(
      `(() => { const f = document.getElementById('map').getBoundingClientRect(); return [...document.querySelectorAll('${labels}:not(.label-hidden)')].map((e) => e.getBoundingClientRect()).filter((r) => r.width > 0 && (r.left < f.left || r.right > f.right || r.top < f.top || r.bottom > f.bottom)).length; })()`,
    )) as number;
    expect(cut).toBe(0);
    expect(await sidewaysOverflowPx(page)).toBe(0);
    await screenshot(page, 'rescue-map-360-zoomed-out');
    expect(problems()).toEqual([]);
  }, 120_000);
});

describe.skipIf(!browserAvailable)('the rescue layer on the map over tiles', () => {
  const clock = fakeClock(T0);
  let h: Harness;
  let tiles: TileServer;
  let browser: SuiteBrowser | undefined;

  beforeAll(async () => {
    tiles = await startTileServer();
    h = await startHarness({ provision: PROVISION, now: clock.now, overrides: { map: { tiles: { url: tiles.template, attribution: 'Test city GIS', maxZoom: 19 } } } });
    browser = await SuiteBrowser.launch();
  });

  afterAll(async () => {
    await browser?.close();
    await h?.dispose();
    await tiles?.close();
  });

  it('draws the patient, the responders, the AED fetched and the way over tiles, and moves a responder live', async () => {
    const { v1 } = await rescueUnderWay(h, '120-MAP-0002');
    const { page, problems } = await browser!.open(DESKTOP);
    await signIn(page, h.httpUrl, ADMIN_TOKEN, '/console');
    await page.goto(`${h.httpUrl}/map`);
    await page.locator('.leaflet-tile-loaded').first().waitFor({ timeout: 15_000 });
    await page.locator('.map-icon[data-type="emergency"]').waitFor();
    await expect.poll(() => page.locator('.map-icon[data-type="emergency"]').getAttribute('aria-label')).toBe('Emergency: Cardiac arrest · Building 3, Fuxing Lane');
    await expect.poll(() => page.locator('.map-icon[data-type="rescuer"][data-id="v1"]').getAttribute('aria-label')).toBe('Responder on the way: Zhao Lei: on the way');
    await expect.poll(() => page.locator('.map-label.rescue-label[data-aed="a1"]').textContent()).toBe('AED for Zhao Lei');
    await expect.poll(() => page.locator('path.rescue-route').count()).toBe(2);
    expect(await page.locator('.map-icon[data-type="responder"][data-id="v1"]').count()).toBe(0);
    // Labels still never overlap, the rescue's among them.
    await expect.poll(() => overlappingLabels(page, '.map-label:not(.label-hidden)'), { timeout: 20_000 }).toEqual([]);
    await expect.poll(() => page.locator('.map-label:not(.label-hidden)').filter({ hasText: 'Cardiac arrest' }).count()).toBe(1);
    await page.evaluate('window.sameDocument = true');

    const marker = '.map-icon[data-type="rescuer"][data-id="v1"]';
    const before = await waitFor('Zhao Lei laid out', () => centreOf(page, marker), 30_000);
    expect((await h.api('POST', '/api/responders/me/location', { lat: 30.2658, lon: 120.1546, available: true }, v1)).status).toBe(200);
    await expect
      .poll(async () => {
        const now = await centreOf(page, marker);
        return now === undefined ? 0 : Math.round(Math.hypot(now.x - before.x, now.y - before.y));
      }, { timeout: 20_000 })
      .toBeGreaterThan(3);
    expect(await page.evaluate('window.sameDocument')).toBe(true);

    await page.locator('[data-pref="language"]').click();
    await expect.poll(() => page.locator('.map-label.rescue-label[data-aed="a1"]').textContent()).toBe('Zhao Lei去取的AED');
    await expect.poll(() => page.locator(marker).getAttribute('aria-label')).toBe('赶来的急救员: Zhao Lei：正在赶来');
    await screenshot(page, 'rescue-map-tiled-1280');
    expect(problems()).toEqual([]);
  }, 120_000);
});
