import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FakeClock } from '../helpers/fake-clock.js';
import { TEST_PROVISION, type Harness } from '../helpers/gateway-harness.js';
import type { HttpReceiver } from '../helpers/http-receiver.js';
import { startPagedGateway, stopPagedGateway } from '../helpers/paged-gateway.js';
import { waitFor } from '../helpers/wait-for.js';

/*
 * Emergencies the gateway raises itself: a fall whose wearer then shows no pulse and no motion,
 * and a worker on the scene pressing "cardiac arrest" on an alert. Real bracelet over MQTT,
 * responders' webhooks on a real HTTP server, fake clock.
 */

const MORNING = Date.parse('2026-11-23T02:00:00Z'); // 10:00 in Shanghai
const HOME = { lat: 30.2655, lon: 120.1552 };

function community(receiver: HttpReceiver) {
  return {
    ...TEST_PROVISION,
    rules: { fall: { cancelWindowS: 0 } },
    residents: [
      { ...TEST_PROVISION.residents[0]!, address: 'Building 3, Unit 2, Room 401' },
      TEST_PROVISION.residents[1]!,
    ],
    responders: [{ id: 'v1', name: 'Zhao Lei', certifiedUntil: '2027-09-30', available: true, lat: HOME.lat + 0.001, lon: HOME.lon, channels: [{ type: 'webhook', url: receiver.url('/v1') }] }],
  };
}

describe('an emergency raised by the gateway', () => {
  let receiver: HttpReceiver;
  let clock: FakeClock;
  let h: Harness;

  beforeEach(async () => {
    ({ receiver, clock, h } = await startPagedGateway(MORNING, (r) => ({ provision: community(r), overrides: { alerts: { tickMs: 60_000 } } })));
  });
  afterEach(() => stopPagedGateway({ receiver, h }));

  const fallAlert = async () => {
    const bracelet = await h.device('b-0001');
    await bracelet.event({ type: 'fall', confidence: 0.95, ...HOME });
    const alert = await waitFor('the fall alert', async () => {
      await h.gateway.alerting.tick();
      return (await h.api('GET', '/api/alerts?kind=fall')).body.alerts[0];
    });
    return { bracelet, alert };
  };
  const emergencies = async () => (await h.api('GET', '/api/emergencies')).body.emergencies;

  it('raises a cardiac arrest when the worn bracelet shows no pulse (no hr) and no motion within 60 s of a fall, once', async () => {
    const { bracelet, alert } = await fallAlert();
    clock.advance(20_000);
    await bracelet.telemetry({ worn: true, hr: 72, motion: 0 }, 1);
    await bracelet.telemetry({ worn: false, motion: 0 }, 1);
    expect(await emergencies()).toEqual([]);

    await bracelet.telemetry({ worn: true, motion: 0, spo2: 91 }, 1);
    const [emergency] = await waitFor('the emergency', async () => ((await emergencies()).length === 1 ? emergencies() : undefined));
    expect(emergency).toMatchObject({
      ref: `arrest-${alert.id}`,
      kind: 'cardiac_arrest',
      source: 'gateway',
      resident: { id: 'r1', name: 'Li Guiying' },
      alertId: alert.id,
      address: 'Li Guiying, Building 3, Unit 2, Room 401',
      lat: HOME.lat,
      lon: HOME.lon,
      grid: 'g1',
      district: 'd1',
    });
    await waitFor('the responder paged', () => receiver.to('/v1').length === 1);
    expect(receiver.to('/v1')[0]!.body.text).toContain('Building 3');
    const timeline = (await h.api('GET', `/api/alerts/${alert.id}`)).body.timeline;
    expect(timeline.some((e: { text?: string }) => e.text?.includes('cardiac arrest suspected'))).toBe(true);

    await bracelet.telemetry({ worn: true, motion: 0 }, 1);
    await waitFor('the repeated reading stored', async () => (await h.api('GET', '/api/devices/b-0001/readings')).body.readings?.length === 4);
    expect(await emergencies()).toHaveLength(1);
  });

  it('does not raise one after the window', async () => {
    const { bracelet } = await fallAlert();
    clock.advance(61_000);
    await bracelet.telemetry({ worn: true, motion: 0, spo2: 91 }, 1);
    // A reading accepted after this one proves the first was evaluated.
    await bracelet.telemetry({ worn: true, hr: 65 }, 1);
    await waitFor('both readings stored', async () => (await h.api('GET', '/api/devices/b-0001/readings')).body.readings?.length >= 2);
    expect(await emergencies()).toEqual([]);
  });

  it('raises one when a worker on the scene presses cardiac arrest, once per alert; another grid’s worker cannot', async () => {
    const { alert } = await fallAlert();
    const w1 = (await h.api('POST', '/api/tokens', { role: 'worker', subject: 'w1' })).body.token as string;
    const w2 = (await h.api('POST', '/api/tokens', { role: 'worker', subject: 'w2' })).body.token as string;
    expect((await h.api('POST', `/api/alerts/${alert.id}/cardiac-arrest`, {}, w2)).status).toBe(404);
    const first = await h.api('POST', `/api/alerts/${alert.id}/cardiac-arrest`, { note: 'no breathing, CPR started' }, w1);
    expect(first).toMatchObject({ status: 201, body: { kind: 'cardiac_arrest', source: 'worker', createdBy: 'w1', resident: { name: 'Li Guiying' }, note: 'no breathing, CPR started' } });
    const again = await h.api('POST', `/api/alerts/${alert.id}/cardiac-arrest`, {}, w1);
    expect(again).toMatchObject({ status: 200, body: { id: first.body.id } });
    await waitFor('the responder paged', () => receiver.to('/v1').length === 1);

    // The month's review counts it under the grid's district.
    const summary = await h.api('GET', '/api/emergencies/summary?month=2026-11');
    expect(summary.body.districts).toEqual([expect.objectContaining({ district: 'd1', emergencies: 1, byKind: { cardiac_arrest: 1 }, accepted: 0 })]);
    expect((await h.api('GET', '/api/emergencies/summary?month=2026-12')).body.districts).toEqual([]);
  });
});
