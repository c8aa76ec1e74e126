import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOUR_MS } from '../../rules/aqhi/index.js';
import { fakeClock } from '../helpers/fake-clock.js';
import { startHarness, TEST_PROVISION, type Harness } from '../helpers/gateway-harness.js';
import { startReceiver, type HttpReceiver } from '../helpers/http-receiver.js';
import { waitFor } from '../helpers/wait-for.js';

/*
 * The morning outreach on the forecast: the bureau forecasts tomorrow high for a station; at
 * 07:00 local the grid of its district gets one notice naming its residents at risk, whatever
 * the number of runs that morning; the next morning, with the forecast eased, none, and the
 * previous notice is closed without a page.
 */

const DAY1_0700 = Date.UTC(2026, 10, 22, 23); // 2026-11-23 07:00 in Shanghai
const DAY = 24 * HOUR_MS;

describe('forecast outreach', () => {
  let receiver: HttpReceiver;
  let h: Harness;
  let bureau: string;
  const clock = fakeClock(DAY1_0700 - 2 * HOUR_MS);
  const notices = (path: string) => receiver.to(path).filter((r) => r.body.alert?.details?.forecast === true);

  async function officialTomorrow(band: number): Promise<void> {
    const res = await h.api('PUT', '/api/aqhi/s1/forecast', { tomorrow: { band }, validUntil: new Date(clock.now() + 20 * HOUR_MS).toISOString() }, bureau);
    expect(res.status).toBe(200);
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
        // A station for g2's district too, forecast by nobody: persistence of nothing.
        stations: [...TEST_PROVISION.stations, { id: 's2', name: 'Hillside', lat: 30.28, lon: 120.17, district: 'd2' }],
      },
    });
    bureau = (await h.api('POST', '/api/tokens', { role: 'bureau' })).body.token as string;
  });
  afterAll(async () => {
    await h.dispose();
    await receiver.close();
  });

  it('is not sent before the morning time', async () => {
    await officialTomorrow(8);
    expect(await h.gateway.forecastNotices.runDue(clock.now())).toEqual([]);
  });

  it('tells the grid of the district forecast high once, naming the residents at risk', async () => {
    clock.set(DAY1_0700);
    expect(await h.gateway.forecastNotices.runDue()).toEqual(['g1']);
    const [notice] = await waitFor('the forecast notice', () => (notices('/w1').length > 0 ? notices('/w1') : undefined));
    expect(notice!.body.alert).toMatchObject({ kind: 'aqhi_high', grid: 'g1', subject: 's1', severity: 'medium', state: 'open' });
    expect(notice!.body.alert.details).toMatchObject({ forecastDate: '2026-11-23', when: 'tomorrow', band: 8, source: 'official', residentsAtRisk: ['r1', 'r3'] });
    expect(notice!.body.alert.details.advice).toEqual(expect.any(String));
    expect(notice!.body.text).toContain('Li Guiying');
    expect(notice!.body.text).toContain('Sun Lan');
    expect(notice!.body.text).not.toContain('He Ping');
    // Later that morning, and after a restart: still one.
    clock.set(DAY1_0700 + HOUR_MS);
    expect(await h.gateway.forecastNotices.runDue()).toEqual([]);
    const dataDir = h.dataDir;
    await h.stop();
    h = await startHarness({ now: clock.now, dataDir, overrides: { alerts: { tickMs: 60_000 } }, provision: null });
    expect(await h.gateway.forecastNotices.runDue()).toEqual([]);
    await h.gateway.alerting.tick();
    expect(notices('/w1')).toHaveLength(1);
    expect(notices('/w2')).toEqual([]);
  });

  it('the next morning, with the forecast eased, sends nothing and closes the previous notice', async () => {
    clock.set(DAY1_0700 + DAY - 3 * HOUR_MS);
    bureau = (await h.api('POST', '/api/tokens', { role: 'bureau' })).body.token as string;
    await officialTomorrow(3);
    clock.set(DAY1_0700 + DAY);
    expect(await h.gateway.forecastNotices.runDue()).toEqual([]);
    await h.gateway.alerting.tick();
    const { alerts } = (await h.api('GET', '/api/alerts?grid=g1&kind=aqhi_high')).body as { alerts: { state: string; details: { forecastDate?: string } }[] };
    expect(alerts.filter((a) => a.details.forecastDate !== undefined).map((a) => [a.details.forecastDate, a.state])).toEqual([['2026-11-23', 'resolved']]);
    expect(notices('/w1')).toHaveLength(1);
  });
});
