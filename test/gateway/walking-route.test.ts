import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimulatedDevice } from '../../firmware-sim/device-client.js';
import { loadConfig, type ConfigError } from '../../gateway/config/config.js';
import { errorText } from '../../gateway/errors/gateway-errors.js';
import { fakeClock } from '../helpers/fake-clock.js';
import { startHarness, type Harness } from '../helpers/gateway-harness.js';
import { startRoutingServer, type RoutingServer } from '../helpers/routing-server.js';
import { alertFor, connectDevice, issueToken, WEB_PROVISION } from '../web/web-fixtures.js';

/*
 * GET /api/map/route against a real HTTP server that answers in OSRM's format: the walking route
 * when it answers, the straight line (said to be one) when it fails, is slow or is not configured.
 */

const T0 = Date.UTC(2026, 5, 1, 2, 0, 0);
// Li Guiying falls here; the community health station's cabinet (a1) is the nearest usable one.
const FALL = { lat: 30.2656, lon: 120.1553 };
const A1 = { lat: 30.2661, lon: 120.1549 };

async function failures(h: Harness, reason: string): Promise<number> {
  const metric = await h.gateway.metrics.walkingRouteFailures.get();
  return metric.values.find((v) => v.labels.reason === reason)?.value ?? 0;
}

async function fallAlert(h: Harness, devices: SimulatedDevice[]): Promise<string> {
  const bracelet = await connectDevice(h, 'b-0001');
  devices.push(bracelet);
  await bracelet.event({ type: 'fall', confidence: 0.9, ...FALL });
  return (await alertFor(h, 'r1', 'fall')).id;
}

describe('walking route to the nearest usable AED', () => {
  const clock = fakeClock(T0);
  let routing: RoutingServer;
  let h: Harness;
  let bare: Harness;
  const devices: SimulatedDevice[] = [];
  let alertId: string;
  let bareAlertId: string;

  beforeAll(async () => {
    routing = await startRoutingServer();
    h = await startHarness({ provision: WEB_PROVISION, now: clock.now, overrides: { map: { routing: { url: `${routing.url}/`, timeoutMs: 1500 } } } });
    bare = await startHarness({ provision: WEB_PROVISION, now: clock.now });
    alertId = await fallAlert(h, devices);
    bareAlertId = await fallAlert(bare, devices);
  });

  afterAll(async () => {
    await Promise.all(devices.map((d) => d.close().catch(() => undefined)));
    await h?.dispose();
    await bare?.dispose();
    await routing?.close();
  });

  it('falls back to the straight line, counted, when the service fails, then draws the walking route and keeps it briefly', async () => {
    routing.mode = 'error';
    const refused = await h.api('GET', `/api/map/route?alert=${alertId}`);
    expect(refused.status).toBe(200);
    expect(refused.body).toMatchObject({ kind: 'straight', reason: 'refused', aed: { id: 'a1' }, durationS: null, path: [] });
    const straightM = refused.body.distanceM as number;
    expect(straightM).toBeGreaterThan(40);
    expect(straightM).toBeLessThan(90);
    expect(await failures(h, 'refused')).toBe(1);

    routing.mode = 'no_route';
    expect((await h.api('GET', `/api/map/route?alert=${alertId}`)).body).toMatchObject({ kind: 'straight', reason: 'no_route' });
    expect(await failures(h, 'no_route')).toBe(1);

    routing.mode = 'hang';
    const slow = await h.api('GET', `/api/map/route?alert=${alertId}`);
    expect(slow.status).toBe(200);
    expect(slow.body).toMatchObject({ kind: 'straight', reason: 'timeout', distanceM: straightM });
    expect(await failures(h, 'timeout')).toBe(1);

    routing.mode = 'ok';
    const asked = routing.asked.length;
    const walking = await h.api('GET', `/api/map/route?alert=${alertId}`);
    expect(walking.body).toMatchObject({ kind: 'walking', reason: null, from: FALL, aed: { id: 'a1', description: 'Community health station, left of the entrance' } });
    // The service was asked on foot, from the resident to the cabinet, for the whole line as GeoJSON.
    const last = routing.asked.at(-1)!;
    expect(routing.asked.length).toBe(asked + 1);
    expect(last.profile).toBe('foot');
    expect(last.from).toEqual([FALL.lon, FALL.lat]);
    expect(last.to).toEqual([A1.lon, A1.lat]);
    expect(last.query).toContain('overview=full');
    expect(last.query).toContain('geometries=geojson');
    // Its line, turned to [lat, lon], longer than the straight line.
    expect(walking.body.path).toEqual([[FALL.lat, FALL.lon], [FALL.lat, A1.lon], [A1.lat, A1.lon]]);
    expect(walking.body.distanceM).toBeGreaterThan(straightM);
    expect(walking.body.durationS).toBe(Math.round(walking.body.distanceM / 1.2));

    // Cached: a failing service is not asked again within the minute; after it, it is.
    routing.mode = 'error';
    expect((await h.api('GET', `/api/map/route?alert=${alertId}`)).body.kind).toBe('walking');
    expect(routing.asked.length).toBe(asked + 1);
    clock.advance(61_000);
    expect((await h.api('GET', `/api/map/route?alert=${alertId}`)).body).toMatchObject({ kind: 'straight', reason: 'refused' });
    expect(routing.asked.length).toBe(asked + 2);
    expect(await failures(h, 'refused')).toBe(2);
    routing.mode = 'ok';
  });

  it('gives the straight line, uncounted, where no routing service is configured', async () => {
    const res = await bare.api('GET', `/api/map/route?alert=${bareAlertId}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ kind: 'straight', reason: 'not_configured', aed: { id: 'a1' }, path: [] });
    expect(await failures(bare, 'not_configured')).toBe(0);
  });

  it('shows a resident’s route only to those who see them on the map', async () => {
    const otherGrid = await issueToken(h, 'worker', 'w2');
    expect((await h.api('GET', `/api/map/route?alert=${alertId}`, undefined, otherGrid)).status).toBe(403);
    const responder = await issueToken(h, 'responder', 'v1');
    expect((await h.api('GET', `/api/map/route?alert=${alertId}`, undefined, responder)).status).toBe(403);
    const ownGrid = await issueToken(h, 'worker', 'w1');
    expect((await h.api('GET', `/api/map/route?alert=${alertId}`, undefined, ownGrid)).body.kind).toBe('walking');
    // Wang Shulan shares nothing: a routine alert does not tell her worker where her home is; the admin is told, and the read is logged.
    const routine = await h.gateway.alerting.service.raise({ kind: 'battery_low', severity: 'low', subject: 'r3', grid: 'g1', details: { bat: 9 }, occurredAtMs: clock.now() });
    const routineId = routine.id;
    expect((await h.api('GET', `/api/map/route?alert=${routineId}`, undefined, ownGrid)).body).toMatchObject({ kind: 'none', reason: 'no_location', from: null, path: [] });
    expect((await h.api('GET', `/api/map/route?alert=${routineId}`)).body).toMatchObject({ kind: 'walking', from: { lat: 30.2667, lon: 120.1547 } });
    const audit = (await h.api('GET', '/api/audit?actor=w1')).body.entries as { action: string; resident: string; category: string; ground: string }[];
    expect(audit).toEqual(expect.arrayContaining([expect.objectContaining({ action: 'read_map', resident: 'r1', category: 'location', ground: 'emergency' })]));
    expect(audit.some((e) => e.action === 'read_map' && e.resident === 'r3' && e.category === 'location')).toBe(false);
    expect((await h.api('GET', '/api/map/route?alert=nosuchalert')).status).toBe(404);
    expect((await h.api('GET', '/api/map/route')).status).toBe(400);
  });

  it('refuses a routing service it cannot use at start, with its own code', () => {
    for (const routing of [{ url: 'osrm.local' }, { url: 'http://osrm.local', profile: 'foot/../car' }, { url: 'http://osrm.local', timeoutMs: 10 }, { url: 'http://osrm.local', extra: 1 }]) {
      let error: unknown;
      try {
        loadConfig({ env: {}, overrides: { map: { routing } } });
      } catch (err) {
        error = err;
      }
      expect((error as ConfigError).gatewayCode, JSON.stringify(routing)).toBe('GW_ERR_CONFIG_ROUTING');
      expect((error as Error).message).toContain('map.routing');
    }
    expect(errorText('GW_ERR_CONFIG_ROUTING').zh).toContain('map.routing');
    expect(loadConfig({ env: {}, overrides: { map: { routing: { url: 'http://osrm.local:5000', profile: 'walking' } } } }).map?.routing?.profile).toBe('walking');
  });
});
