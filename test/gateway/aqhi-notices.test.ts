import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimulatedDevice } from '../../firmware-sim/device-client.js';
import { HOUR_MS } from '../../rules/aqhi/index.js';
import { fakeClock } from '../helpers/fake-clock.js';
import { startHarness, TEST_PROVISION, type Harness } from '../helpers/gateway-harness.js';
import { startReceiver, type HttpReceiver } from '../helpers/http-receiver.js';
import { waitFor } from '../helpers/wait-for.js';

/*
 * aqhi_high end to end: a real air station's readings push the index into the high band; the
 * worker on duty in the station's district gets one notice naming the residents at risk, and one
 * more when the index eases. Workers elsewhere hear nothing.
 */

const T0 = Date.UTC(2026, 10, 23, 1, 0, 0); // 09:00 in Shanghai, an hour boundary
const HIGH = { no2: 180, so2: 30, o3: 160, pm10: 150, pm25: 110 };
const CLEAN = { no2: 10, so2: 3, o3: 20, pm10: 15, pm25: 8 };

describe('aqhi_high: one grouped notice per grid, and one when it eases', () => {
  let receiver: HttpReceiver;
  let h: Harness;
  let air: SimulatedDevice;
  const clock = fakeClock(T0);
  const notices = (path: string) => receiver.to(path).filter((r) => r.body.alert?.kind === 'aqhi_high');

  async function hour(n: number, sample: typeof HIGH): Promise<void> {
    clock.set(T0 + n * HOUR_MS);
    await h.gateway.aqhi.tick(clock.now());
    for (const minute of [10, 40]) {
      clock.set(T0 + n * HOUR_MS + minute * 60_000);
      await air.telemetry(sample, 1);
    }
    await h.gateway.alerting.tick();
  }

  beforeAll(async () => {
    receiver = await startReceiver();
    h = await startHarness({
      now: clock.now,
      overrides: { alerts: { tickMs: 60_000 } },
      provision: {
        ...TEST_PROVISION,
        workers: [
          { id: 'w1', name: 'Wang Fang', grids: ['g1'], channels: [{ type: 'webhook', url: receiver.url('/w1') }] },
          { id: 'w2', name: 'Liu Yang', grids: ['g2'], channels: [{ type: 'webhook', url: receiver.url('/w2') }] },
        ],
        residents: [
          ...TEST_PROVISION.residents,
          { id: 'r3', name: 'Sun Lan', grid: 'g1', conditions: ['asthma'] },
          { id: 'r4', name: 'He Ping', grid: 'g1', conditions: ['diabetes'] },
          { id: 'r5', name: 'Ma Hua', grid: 'g2', conditions: ['cardiac'] },
        ],
      },
    });
    air = await h.device('air-01');
  });
  afterAll(async () => {
    await h.dispose();
    await receiver.close();
  });

  it('notifies the on-duty worker of the district once, naming only the residents at risk', async () => {
    for (let n = 0; n < 4; n++) await hour(n, HIGH);
    const [notice] = await waitFor('the aqhi notice', () => (notices('/w1').length > 0 ? notices('/w1') : undefined));
    expect(notices('/w1')).toHaveLength(1);
    expect(notice!.body.alert).toMatchObject({ kind: 'aqhi_high', subject: 's1', grid: 'g1', state: 'open', severity: 'medium' });
    expect(notice!.body.alert.details.residentsAtRisk).toEqual(['r1', 'r3']);
    expect(notice!.body.text).toContain('Li Guiying');
    expect(notice!.body.text).not.toContain('He Ping');
    expect(Number(notice!.body.alert.details.band)).toBeGreaterThanOrEqual(7);
    // Station s1 is in district d1; grid g2 (d2) is not told.
    expect(notices('/w2')).toEqual([]);
  });

  it('tells the same worker once when the index eases, and resolves the alert', async () => {
    for (let n = 4; n < 8; n++) await hour(n, CLEAN);
    await waitFor('the easing notice', () => notices('/w1').length === 2);
    const eased = notices('/w1')[1]!.body;
    expect(eased).toMatchObject({ reason: 'notice', alert: { kind: 'aqhi_high', state: 'resolved' } });
    expect(eased.text).toMatch(/^\[OVER\]/);
    const open = (await h.api('GET', '/api/alerts?kind=aqhi_high&state=open,acked')).body.alerts;
    expect(open).toEqual([]);
    expect(notices('/w2')).toEqual([]);
  });
});
