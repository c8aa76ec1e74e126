import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimulatedDevice } from '../../firmware-sim/device-client.js';
import { HOUR_MS } from '../../rules/aqhi/index.js';
import { startHarness } from '../helpers/gateway-harness.js';
import { startPagedGateway, stopPagedGateway, type PagedGateway } from '../helpers/paged-gateway.js';
import { waitFor } from '../helpers/wait-for.js';

/*
 * Neighbourhood sensors end to end, over real MQTT into a real SQLite store on a fake clock: an
 * official station and three bins near it report for 40 hours. One bin reads PM2.5 at 1.6× the
 * station's plus 5 µg/m³ and is corrected back to within 10 %; one sticks at a value; one's gain
 * creeps up in its last 12 hours. None of them touches the official index. A full bin pages the
 * grid's sanitation worker at the next working hour, by the bin's name.
 */

const T0 = Date.UTC(2026, 11, 1, 0, 0, 0); // 08:00 in Shanghai, Tuesday
const HOURS = 40;
const STATION = { lat: 30.27, lon: 120.16 };
const near = (dLat: number) => ({ lat: STATION.lat + dLat, lon: STATION.lon });
/** The station's PM2.5 with a daily cycle; the other pollutants steady. */
const stationPm25 = (ms: number): number => Math.round((35 + 20 * Math.sin(((ms - T0) / HOUR_MS / 24) * 2 * Math.PI)) * 10) / 10;
const OTHERS = { pm10: 60, no2: 30, o3: 50, so2: 6 };
/** A small deterministic wobble, so the line is fitted on imperfect data. */
const wobble = (ms: number): number => 1 + 0.03 * Math.sin(ms / 1_234_567);

describe('neighbourhood sensors (bins): calibration, flags, and full-bin pages', () => {
  let g: PagedGateway;
  const devices = new Map<string, SimulatedDevice>();
  const sanitationPages = () => g.receiver.to('/w5').filter((r) => r.body.alert?.kind === 'bin_full');

  let provision: object;
  beforeAll(async () => {
    g = await startPagedGateway(T0, (receiver) => ({
      provision: (provision = {
        timeZone: 'Asia/Shanghai',
        grids: [{ id: 'g1', name: 'Fuxing Lane', district: 'd1', onDuty: ['w1'], sanitation: ['w5'] }],
        workers: [
          { id: 'w1', name: 'Wang Fang', grids: ['g1'], channels: [{ type: 'webhook', url: receiver.url('/w1') }] },
          { id: 'w5', name: 'Chen Jie', grids: [], channels: [{ type: 'webhook', url: receiver.url('/w5') }] },
        ],
        stations: [{ id: 's1', name: 'Riverside', ...STATION, district: 'd1' }],
        devices: [
          { id: 'air-01', kind: 'air', secret: 'secret-air-01', station: 's1' },
          { id: 'bin-01', kind: 'bin', secret: 'secret-bin-01', grid: 'g1', ...near(0.002), name: 'East gate of Building 3' },
          { id: 'bin-02', kind: 'bin', secret: 'secret-bin-02', grid: 'g1', ...near(-0.002), name: 'Bus stop on Fuxing Road' },
          { id: 'bin-03', kind: 'bin', secret: 'secret-bin-03', grid: 'g1', ...near(0.004), name: 'Market square' },
        ],
      }),
      overrides: { alerts: { tickMs: 60_000 } },
    }));
    for (const id of ['air-01', 'bin-01', 'bin-02', 'bin-03']) {
      devices.set(id, await SimulatedDevice.connect({ id, secret: `secret-${id}`, url: g.h.mqttUrl, encoding: 'cbor' }));
    }
    // 40 hours, two reports an hour from each, acknowledged (QoS 1: stored before the PUBACK).
    for (let n = 0; n < HOURS; n++) {
      g.clock.set(T0 + n * HOUR_MS);
      await g.h.gateway.aqhi.tick(g.clock.now());
      for (const minute of [10, 40]) {
        const ms = T0 + n * HOUR_MS + minute * 60_000;
        g.clock.set(ms);
        const pm25 = stationPm25(ms);
        await devices.get('air-01')!.telemetry({ pm25, ...OTHERS }, 1);
        const biased = (gain: number) => Math.round((gain * pm25 + 5) * wobble(ms) * 10) / 10;
        await devices.get('bin-01')!.telemetry({ pm25: biased(1.6), rh: 60, fill: 20 }, 1);
        await devices.get('bin-02')!.telemetry({ pm25: n < HOURS - 8 ? biased(1.6) : 42 }, 1);
        // Its gain creeps from 1.6 to 2.6 over the last 12 hours.
        await devices.get('bin-03')!.telemetry({ pm25: biased(n < HOURS - 12 ? 1.6 : 1.6 + (n - (HOURS - 13)) / 12) }, 1);
      }
    }
    g.clock.set(T0 + HOURS * HOUR_MS + 5 * 60_000);
    await g.h.gateway.aqhi.tick(g.clock.now());
  }, 120_000);
  afterAll(async () => {
    await Promise.all([...devices.values()].map((d) => d.client.endAsync(true)));
    await stopPagedGateway(g);
  });

  /** Stops the gateway and starts it again on the same data directory (devices reconnect). */
  async function restart(): Promise<void> {
    for (const d of devices.values()) await d.client.endAsync(true);
    const ids = [...devices.keys()];
    devices.clear();
    const dataDir = g.h.dataDir;
    await g.h.stop();
    g.h = await startHarness({ dataDir, provision, now: g.clock.now, overrides: { alerts: { tickMs: 60_000 } } });
    for (const id of ids) devices.set(id, await SimulatedDevice.connect({ id, secret: `secret-${id}`, url: g.h.mqttUrl, encoding: 'cbor' }));
  }

  const sensor = async (id: string) => {
    const res = await g.h.api('GET', `/api/neighbourhood/${id}`, undefined, null);
    expect(res.status).toBe(200);
    return res.body;
  };

  it('corrects a bin reading 1.6 × the station’s PM2.5 + 5 µg/m³ to within 10 % of the station, and shows the fit', async () => {
    const bin = await sensor('bin-01');
    expect(bin).toMatchObject({ id: 'bin-01', name: 'East gate of Building 3', grid: { id: 'g1', name: 'Fuxing Lane' }, official: false, station: { id: 's1', name: 'Riverside' }, status: 'ok', fill: 20, stale: false });
    const pm25 = bin.pollutants.find((p: { pollutant: string }) => p.pollutant === 'pm25');
    expect(pm25.status).toBe('ok');
    // The last complete hour: as read it is far off; corrected it is within 10 %.
    expect(Math.abs(pm25.raw - pm25.station) / pm25.station).toBeGreaterThan(0.5);
    expect(Math.abs(pm25.corrected - pm25.station) / pm25.station).toBeLessThan(0.1);
    expect(pm25.fit.slope).toBeCloseTo(1 / 1.6, 1);
    expect(pm25.fit.r2).toBeGreaterThan(0.9);
    expect(pm25.fit.n).toBeGreaterThanOrEqual(24);
    expect(pm25.reason.en).toMatch(/Calibrated against Riverside/);
    expect(pm25.reason.zh).toMatch(/已对Riverside监测站校准/);
    // The station's hour as the official index counted it: the station's own readings only.
    const last = T0 + (HOURS - 1) * HOUR_MS;
    const expected = (stationPm25(last + 10 * 60_000) + stationPm25(last + 40 * 60_000)) / 2;
    expect(pm25.hourStart).toBe(new Date(last).toISOString());
    expect(pm25.station).toBeCloseTo(expected, 1);
  });

  it('flags a stuck bin and does not correct it', async () => {
    const bin = await sensor('bin-02');
    expect(bin.status).toBe('stuck');
    const pm25 = bin.pollutants.find((p: { pollutant: string }) => p.pollutant === 'pm25');
    expect(pm25).toMatchObject({ status: 'stuck', corrected: null, raw: 42 });
    expect(pm25.reason.en).toMatch(/^Stuck: the same reading \(42\) for 6 hours while Riverside's changed/);
    expect(pm25.reason.zh).toContain('读数卡滞');
  });

  it('flags a bin whose response drifts from its line', async () => {
    const bin = await sensor('bin-03');
    expect(bin.status).toBe('drifting');
    const pm25 = bin.pollutants.find((p: { pollutant: string }) => p.pollutant === 'pm25');
    expect(pm25.status).toBe('drifting');
    expect(pm25.fit.slope).toBeCloseTo(1 / 1.6, 1);
    expect(pm25.reason.zh).toContain('传感器漂移');
  });

  it('keeps neighbourhood readings out of the official index', async () => {
    const feed = (await g.h.api('GET', '/api/aqhi', undefined, null)).body;
    expect(feed.stations.map((s: { stationId: string }) => s.stationId)).toEqual(['s1']);
    const list = (await g.h.api('GET', '/api/neighbourhood', undefined, null)).body;
    expect(list.sensors.map((s: { id: string }) => s.id).sort()).toEqual(['bin-01', 'bin-02', 'bin-03']);
    expect(list.note.zh).toContain('不计入官方指数');
  });

  it('a bin full at night pages the grid’s sanitation worker once, at 08:00, by the bin’s name in zh and en; emptied, it resolves', async () => {
    // 23:00 local.
    g.clock.set(T0 + 15 * HOUR_MS + 2 * 24 * HOUR_MS);
    const bin = devices.get('bin-01')!;
    await bin.telemetry({ fill: 93 }, 1);
    await bin.telemetry({ fill: 95 }, 1);
    const open = await waitFor('the bin_full alert', async () => (await g.h.api('GET', '/api/alerts?kind=bin_full')).body.alerts[0]);
    expect(open).toMatchObject({ kind: 'bin_full', severity: 'low', subject: 'bin-01', grid: 'g1', state: 'open', occurrences: 2 });
    await g.h.gateway.alerting.tick();
    expect(sanitationPages()).toEqual([]);
    // The page waiting for the morning survives a restart.
    await restart();
    await g.h.gateway.alerting.tick();
    expect(sanitationPages()).toEqual([]);

    g.clock.set(T0 + 24 * HOUR_MS + 2 * 24 * HOUR_MS); // 08:00
    await g.h.gateway.alerting.tick();
    const [page] = await waitFor('the page to sanitation', () => (sanitationPages().length > 0 ? sanitationPages() : undefined));
    expect(page!.body.recipient).toMatchObject({ id: 'w5', name: 'Chen Jie' });
    expect(page!.body.text).toContain('垃圾桶已满 Bin full');
    expect(page!.body.text).toContain('East gate of Building 3, Fuxing Lane');
    expect(page!.body.text).not.toContain('bin-01');
    expect(page!.body.context.nearestAeds).toEqual([]);
    // Nobody else is paged about a bin.
    expect(g.receiver.to('/w1').filter((r) => r.body.alert?.kind === 'bin_full')).toEqual([]);

    await devices.get('bin-01')!.telemetry({ fill: 5 }, 1);
    const resolved = await waitFor('the alert resolved', async () => {
      const alert = (await g.h.api('GET', '/api/alerts?kind=bin_full')).body.alerts[0];
      return alert.state === 'resolved' ? alert : undefined;
    });
    expect(resolved.subject).toBe('bin-01');
    await g.h.gateway.alerting.tick();
    expect(sanitationPages()).toHaveLength(1);
  });

  it('after a restart shows the same calibrations and flags, worked out from the stored readings', async () => {
    const before = (await g.h.api('GET', '/api/neighbourhood', undefined, null)).body.sensors;
    await restart();
    const after = (await g.h.api('GET', '/api/neighbourhood', undefined, null)).body.sensors;
    const calibrations = (sensors: { id: string; status: string; pollutants: unknown[] }[]) => sensors.map((x) => [x.id, x.status, x.pollutants]);
    expect(calibrations(after)).toEqual(calibrations(before));
    expect(after.find((x: { id: string }) => x.id === 'bin-01').fill).toBe(5);
  });
});
