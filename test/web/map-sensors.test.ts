import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimulatedDevice } from '../../firmware-sim/device-client.js';
import { HOUR_MS } from '../../rules/aqhi/index.js';
import { fakeClock } from '../helpers/fake-clock.js';
import { startHarness, type Harness } from '../helpers/gateway-harness.js';
import { browserAvailable, DESKTOP, screenshot, signIn, SuiteBrowser } from './browser.js';
import { startTileServer, type TileServer } from './tile-server.js';
import { AIR, connectDevice, issueToken, WEB_PROVISION } from './web-fixtures.js';

/*
 * Neighbourhood sensors on the emergency map, in real Chromium: two bins report for seven hours
 * beside Riverside; one's PM2.5 moves with the air (still calibrating: a line needs 24 hours),
 * the other repeats one value (stuck). Each is drawn by its name with its status, and picking
 * it says why, in English and Chinese; no bin id is shown.
 */

const T0 = Date.UTC(2026, 5, 1, 2, 0, 0); // 10:00 in Shanghai
const HOURS = 7;
const clock = fakeClock(T0);
const BINS = [
  { id: 'bin-01', kind: 'bin', secret: 'secret-bin-01', grid: 'g1', lat: 30.2662, lon: 120.1556, name: 'East gate of Building 3' },
  { id: 'bin-02', kind: 'bin', secret: 'secret-bin-02', grid: 'g1', lat: 30.2648, lon: 120.1545, name: 'Fuxing Road bus stop' },
];

describe.skipIf(!browserAvailable)('neighbourhood sensors on the map', () => {
  let h: Harness;
  let browser: SuiteBrowser | undefined;
  const devices: SimulatedDevice[] = [];

  beforeAll(async () => {
    h = await startHarness({ provision: { ...WEB_PROVISION, devices: [...WEB_PROVISION.devices, ...BINS] }, now: clock.now });
    const air = await connectDevice(h, 'air-01');
    const [moving, stuck] = await Promise.all(BINS.map((b) => SimulatedDevice.connect({ id: b.id, secret: b.secret, url: h.mqttUrl })));
    devices.push(air, moving!, stuck!);
    for (let hour = 0; hour < HOURS; hour++) {
      clock.set(T0 + hour * HOUR_MS);
      await h.gateway.aqhi.tick(clock.now());
      clock.set(T0 + hour * HOUR_MS + 20 * 60_000);
      const sample = hour % 2 === 0 ? AIR.moderate : AIR.high;
      await air.telemetry(sample, 1);
      await moving!.telemetry({ pm25: 1.6 * sample.pm25 + 5, fill: 40 }, 1);
      await stuck!.telemetry({ pm25: 42, fill: 10 }, 1);
    }
    clock.set(T0 + HOURS * HOUR_MS + 10 * 60_000);
    await h.gateway.aqhi.tick(clock.now());
    browser = await SuiteBrowser.launch();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await Promise.all(devices.map((d) => d.close().catch(() => undefined)));
    await h?.dispose();
  });

  it('draws each bin by name with its calibration status, and says why when picked, in en and zh', async () => {
    const bureau = await issueToken(h, 'bureau');
    const map = (await h.api('GET', '/api/map', undefined, bureau)).body;
    expect(map.sensors.map((s: { id: string; status: string }) => [s.id, s.status])).toEqual([
      ['bin-01', 'calibrating'],
      ['bin-02', 'stuck'],
    ]);

    const { page, problems } = await browser!.open(DESKTOP);
    await signIn(page, h.httpUrl, bureau, '/board');
    await page.goto(`${h.httpUrl}/map`);
    const stuck = page.locator('.feature[data-type="sensor"][data-id="bin-02"]');
    await expect.poll(() => stuck.count()).toBe(1);
    expect(await stuck.getAttribute('class')).toContain('status-stuck');
    expect(await stuck.locator('.label').textContent()).toBe('Fuxing Road bus stop · stuck');
    const calibrating = page.locator('.feature[data-type="sensor"][data-id="bin-01"]');
    expect(await calibrating.getAttribute('class')).toContain('status-calibrating');
    expect(await page.locator('.legend').textContent()).toContain('Neighbourhood sensor (bin): stuck');

    await stuck.click();
    const panel = page.locator('.sensor-status').locator('xpath=ancestor::*[h2][1]');
    await expect.poll(() => panel.locator('h2').textContent()).toBe('Fuxing Road bus stop');
    const text = await panel.textContent();
    expect(text).toContain('Stuck: the same reading (42) for 6 hours');
    expect(text).toContain('not part of the official index');
    expect(text).toMatch(/PM2\.5 42 as read, — µg\/m³ corrected/);
    expect(await page.locator('main').textContent()).not.toMatch(/\bbin-0\d\b/);
    await screenshot(page, 'map-sensors-1280');

    await page.locator('[data-pref="language"]').click();
    await expect.poll(() => stuck.locator('.label').textContent()).toBe('Fuxing Road bus stop · 卡滞');
    expect(await page.locator('.sensor-status').locator('xpath=ancestor::*[h2][1]').textContent()).toContain('读数卡滞');
    expect(problems()).toEqual([]);
  });
});

describe.skipIf(!browserAvailable)('neighbourhood sensors on the map over tiles', () => {
  let h: Harness;
  let browser: SuiteBrowser | undefined;
  let tileServer: TileServer;
  let bin: SimulatedDevice | undefined;
  let air: SimulatedDevice | undefined;

  beforeAll(async () => {
    tileServer = await startTileServer();
    h = await startHarness({
      provision: { ...WEB_PROVISION, devices: [...WEB_PROVISION.devices, ...BINS] },
      now: clock.now,
      overrides: { map: { tiles: { url: tileServer.template, attribution: 'Test city GIS', maxZoom: 19 } } },
    });
    bin = await SimulatedDevice.connect({ id: 'bin-02', secret: 'secret-bin-02', url: h.mqttUrl });
    air = await connectDevice(h, 'air-01');
    for (let hour = 0; hour < HOURS; hour++) {
      clock.set(T0 + hour * HOUR_MS + 20 * 60_000);
      await air.telemetry(hour % 2 === 0 ? AIR.moderate : AIR.high, 1);
      await bin.telemetry({ pm25: 42 }, 1);
    }
    clock.set(T0 + HOURS * HOUR_MS + 10 * 60_000);
    browser = await SuiteBrowser.launch();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await bin?.close().catch(() => undefined);
    await air?.close().catch(() => undefined);
    await h?.dispose();
    await tileServer?.close();
  });

  it('draws each bin as a marker named with its status', async () => {
    const { page, problems } = await browser!.open(DESKTOP);
    await signIn(page, h.httpUrl, await issueToken(h, 'bureau'), '/board');
    await page.goto(`${h.httpUrl}/map`);
    const stuck = page.locator('.leaflet-marker-icon[data-type="sensor"][data-id="bin-02"]');
    await expect.poll(() => stuck.count(), { timeout: 15_000 }).toBe(1);
    expect(await stuck.getAttribute('class')).toContain('status-stuck');
    expect(await stuck.getAttribute('aria-label')).toBe('Neighbourhood sensor (bin): Fuxing Road bus stop · stuck');
    // The other bin has sent nothing: it is drawn, and says so.
    expect(await page.locator('.leaflet-marker-icon[data-type="sensor"][data-id="bin-01"]').getAttribute('aria-label')).toBe('Neighbourhood sensor (bin): East gate of Building 3 · no air readings');
    await stuck.click();
    await expect.poll(() => page.locator('.sensor-status').textContent()).toBe('stuck');
    expect(problems()).toEqual([]);
  });
});
