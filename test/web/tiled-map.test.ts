import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimulatedDevice } from '../../firmware-sim/device-client.js';
import { fakeClock } from '../helpers/fake-clock.js';
import { ADMIN_TOKEN, startHarness, type Harness } from '../helpers/gateway-harness.js';
import { waitFor } from '../helpers/wait-for.js';
import { browserAvailable, DESKTOP, sidewaysOverflowPx, signIn, SuiteBrowser } from './browser.js';
import { startTileServer, type TileServer } from './tile-server.js';
import { alertFor, connectDevice, issueToken, WEB_PROVISION } from './web-fixtures.js';

/*
 * The map over real tiles: a tile server started here serves generated PNG tiles; the map draws
 * them with Leaflet (from the gateway, not a CDN), keeps its labels apart, draws the straight line
 * to the nearest usable AED and says it is one, and moves a responder as soon as they report a
 * new position, without a reload.
 */

const T0 = Date.UTC(2026, 5, 1, 2, 0, 0);
const clock = fakeClock(T0);
const SHOTS = '/tmp/shots';

describe.skipIf(!browserAvailable)('the map over tiles', () => {
  let h: Harness;
  let tileServer: TileServer;
  let browser: SuiteBrowser | undefined;
  const devices: SimulatedDevice[] = [];

  beforeAll(async () => {
    tileServer = await startTileServer();
    h = await startHarness({
      provision: WEB_PROVISION,
      now: clock.now,
      overrides: { map: { tiles: { url: tileServer.template, attribution: 'Test city GIS', maxZoom: 19 } } },
    });
    browser = await SuiteBrowser.launch();
  });

  afterAll(async () => {
    await browser?.close();
    await Promise.all(devices.map((d) => d.close().catch(() => undefined)));
    await h?.dispose();
    await tileServer?.close();
  });

  it('draws the tiles, keeps labels apart, marks the straight line, and moves a responder without a reload', async () => {
    const bracelet = await connectDevice(h, 'b-0001');
    devices.push(bracelet);
    await bracelet.event({ type: 'fall', confidence: 0.9, lat: 30.2656, lon: 120.1553 });
    await alertFor(h, 'r1', 'fall');

    for (const viewport of [DESKTOP, { width: 360, height: 800 }]) {
      const { page, problems, requests } = await browser!.open(viewport);
      await signIn(page, h.httpUrl, ADMIN_TOKEN, '/console');
      await page.goto(`${h.httpUrl}/map`);
      await page
        .locator('.leaflet-tile-loaded')
        .first()
        .waitFor({ timeout: 15_000 })
        .catch(async (err: unknown) => {
          throw new Error(
            `no tile drawn: ${String(err)}; ${problems().join('; ')}; ${JSON.stringify((await h.api('GET', '/api/map')).body.tiles)}; ${String(await page.evaluate('document.querySelector(".map-frame").outerHTML.slice(0, 1500)'))}`,
          );
        });
      expect(tileServer.served.length).toBeGreaterThan(0);
      expect(requests.some((url) => /\/assets\/[0-9a-f]+\/leaflet\/leaflet-src\.esm\.js$/.test(url))).toBe(true);
      expect(await page.locator('.leaflet-control-attribution').innerText()).toContain('Test city GIS');
      expect(await page.locator('#map').isVisible()).toBe(false);

      await page.screenshot({ path: path.join(SHOTS, `map-tiled-${viewport.width}.png`) });
      // The straight line to the nearest usable cabinet, said to be one.
      await expect.poll(() => page.locator('.line-label').innerText()).toMatch(/^\d+ m, straight line$/);

      // No two visible labels overlap, nor a label and the zoom buttons.
      const boxes = (await page.evaluate(
        "[...document.querySelectorAll('.map-label:not(.label-hidden), .leaflet-control')].map((e) => { const r = e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom, e.className]; })",
      )) as [number, number, number, number, string][];
      for (let i = 0; i < boxes.length; i++) {
        for (let j = i + 1; j < boxes.length; j++) {
          const [a, b] = [boxes[i]!, boxes[j]!];
          const overlap = a[0] < b[2] && a[2] > b[0] && a[1] < b[3] && a[3] > b[1];
          const bothControls = a[4].includes('leaflet-control') && b[4].includes('leaflet-control');
          expect(overlap && !bothControls, `${a[4]} and ${b[4]} overlap`).toBe(false);
        }
      }
      expect(await sidewaysOverflowPx(page)).toBe(0);
      await page.screenshot({ path: path.join(SHOTS, `map-tiled-${viewport.width}.png`) });
      expect(problems()).toEqual([]);
    }

    // A responder reports a new place; the open map moves them without a reload.
    const { page, problems } = await browser!.open(DESKTOP);
    await signIn(page, h.httpUrl, ADMIN_TOKEN, '/console');
    await page.goto(`${h.httpUrl}/map`);
    const responder = page.locator('.map-icon[data-type="responder"][data-id="v2"]');
    await responder.waitFor();
    await page.evaluate('window.sameDocument = true');
    // Read once it is laid out: a live update may redraw the markers between finding and measuring.
    const before = await waitFor('the responder laid out on the map', async () => (await responder.boundingBox()) ?? undefined, 30_000);
    const responderToken = await issueToken(h, 'responder', 'v2');
    const moved = await h.api('POST', '/api/responders/me/location', { lat: 30.2665, lon: 120.1565, available: true }, responderToken);
    expect(moved.status).toBe(200);
    await expect.poll(async () => Math.round((await responder.boundingBox())?.x ?? 0), { timeout: 10_000 }).not.toBe(Math.round(before.x));
    expect(await page.evaluate('window.sameDocument')).toBe(true);
    expect(problems()).toEqual([]);
  }, 120_000);
});
