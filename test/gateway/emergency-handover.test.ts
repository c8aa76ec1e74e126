import { afterEach, describe, expect, it } from 'vitest';
import { SimulatedDevice } from '../../firmware-sim/device-client.js';
import type { FakeClock } from '../helpers/fake-clock.js';
import { TEST_PROVISION, type Harness } from '../helpers/gateway-harness.js';
import type { HttpReceiver } from '../helpers/http-receiver.js';
import { startPagedGateway, stopPagedGateway } from '../helpers/paged-gateway.js';
import { waitFor } from '../helpers/wait-for.js';

/*
 * A responder who accepted to fetch an AED drops out, by declining or by going silent past
 * emergencies.aedRunSilentS (fake clock): the AED goes to the responder already coming straight,
 * or, with nobody, to the next one asked; the timeline says so, the cabinet is unlocked for the
 * new runner once, and nobody is paged twice for one run. Real broker and cabinet, the responders'
 * webhooks on a real HTTP server, SQLite.
 */

const MORNING = Date.parse('2026-11-23T02:00:00Z');
const PATIENT = { lat: 30.2661, lon: 120.1549 };
const north = (m: number) => ({ lat: PATIENT.lat + m / 111_195, lon: PATIENT.lon });

describe('an AED run handed over', () => {
  let receiver: HttpReceiver;
  let clock: FakeClock;
  let h: Harness | undefined;
  const devices: SimulatedDevice[] = [];

  afterEach(async () => {
    await Promise.all(devices.splice(0).map((d) => d.close().catch(() => undefined)));
    if (h !== undefined) await stopPagedGateway({ receiver, h });
    h = undefined;
  });

  async function start(responders: [string, number][], rules: object = {}): Promise<Harness> {
    let harness: Harness;
    ({ receiver, clock, h: harness } = await startPagedGateway(MORNING, (r) => ({
      provision: {
        ...TEST_PROVISION,
        rules,
        devices: [...TEST_PROVISION.devices.filter((d) => d.kind !== 'aed'), { id: 'aed-north', kind: 'aed', secret: 'secret-aed-north', aed: 'a-north' }],
        aeds: [{ id: 'a-north', ...north(300), grid: 'g1', description: 'Community health station, left of the entrance', accessHours: '24/7' }],
        responders: responders.map(([id, m]) => ({ id, name: `Volunteer ${id}`, certifiedUntil: '2027-09-30', available: true, ...north(m), channels: [{ type: 'webhook', url: r.url(`/${id}`) }] })),
      },
      overrides: { alerts: { tickMs: 60_000 }, emergencies: { aedRunSilentS: 90 } },
    })));
    h = harness;
    return harness;
  }

  const token = async (role: string, subject?: string) => (await h!.api('POST', '/api/tokens', { role, ...(subject === undefined ? {} : { subject }) })).body.token as string;
  const pages = (id: string) => receiver.to(`/${id}`).map((r) => r.body);
  const answer = (id: string, who: string, what: string) => h!.api('POST', `/api/emergencies/${id}/responders/me/${what}`, undefined, who);
  const cabinet = async () => {
    const device = await SimulatedDevice.connect({ id: 'aed-north', secret: 'secret-aed-north', url: h!.mqttUrl, encoding: 'json' });
    devices.push(device);
    return device;
  };
  const unlocksFor = (device: SimulatedDevice) => device.commands.map((c) => (c as { responder: string }).responder);

  it('a runner who declines after accepting: the AED goes to the one coming straight, unlocked for them once', async () => {
    await start([['v1', 320], ['v2', 330]]);
    const north300 = await cabinet();
    const dispatcher = await token('dispatcher');
    const created = await h!.api('POST', '/api/emergencies', { ref: 'hand-1', kind: 'cardiac_arrest', ...PATIENT, address: 'Building 3, Fuxing Lane' }, dispatcher);
    const id = created.body.id as string;
    await waitFor('both pages', () => pages('v1').length === 1 && pages('v2').length === 1);
    expect([pages('v1')[0].run.route, pages('v2')[0].run.route]).toEqual(['via_aed', 'direct']);
    const [v1, v2] = [await token('responder', 'v1'), await token('responder', 'v2')];
    await answer(id, v1, 'accept');
    await answer(id, v2, 'accept');
    await waitFor('the unlock for v1', () => north300.commands.length === 1);

    clock.advance(20_000);
    const declined = await answer(id, v1, 'decline');
    expect(declined.status).toBe(200);
    const view = (await h!.api('GET', `/api/emergencies/${id}`, undefined, dispatcher)).body;
    expect(view.responders.map((r: { id: string; state: string; route: string }) => [r.id, r.state, r.route])).toEqual([
      ['v1', 'declined', 'via_aed'],
      ['v2', 'accepted', 'via_aed'],
    ]);
    expect(view.responders[1].aed).toMatchObject({ id: 'a-north', unlocked: true });
    expect(view.timeline.find((t: { type: string }) => t.type === 'aed_reassigned').text).toBe(
      'Community health station, left of the entrance: Volunteer v1 can no longer fetch it; it goes to Volunteer v2.',
    );
    // v2 hears of the change once, with the AED to fetch; the cabinet opens for v2, once.
    const change = await waitFor('v2’s change of plan', () => pages('v2')[1]);
    expect(change.run).toMatchObject({ route: 'via_aed', aed: { id: 'a-north', name: 'Community health station, left of the entrance' } });
    expect(change.text).toMatch(/^\[改变路线 CHANGE OF PLAN\] Volunteer v1 can no longer fetch it\. .*Fetch the AED first: Community health station/);
    await waitFor('the unlock for v2', () => north300.commands.length === 2);
    expect(unlocksFor(north300)).toEqual(['v1', 'v2']);

    // The door that opens is v2's, expected: no alarm.
    await north300.event({ type: 'door_open' });
    await waitFor('the opening explained', async () => (await h!.api('GET', `/api/emergencies/${id}`, undefined, dispatcher)).body.timeline.some((t: { type: string; text: string }) => t.type === 'cabinet_opened' && t.text.includes('Volunteer v2')));
    expect((await h!.api('GET', '/api/alerts?kind=aed_opened')).body.alerts).toEqual([]);

    // Ticks and repeated answers change nothing more.
    clock.advance(200_000);
    await h!.gateway.emergencies.tick();
    expect((await answer(id, v1, 'decline')).body.changed).toBe(false);
    await h!.gateway.emergencies.tick();
    expect(pages('v1')).toHaveLength(1);
    expect(pages('v2')).toHaveLength(2);
    expect(unlocksFor(north300)).toEqual(['v1', 'v2']);
    expect((await h!.api('GET', '/api/alerts?kind=aed_opened')).body.alerts).toEqual([]);
  });

  it('a runner who stops moving past aedRunSilentS: timed out, the AED to the next responder asked; moving keeps the run', async () => {
    await start([['v1', 280], ['v2', 400], ['v3', 450]], { aedOpened: { responders: 1 } });
    const north300 = await cabinet();
    const dispatcher = await token('dispatcher');
    const created = await h!.api('POST', '/api/emergencies', { ref: 'hand-2', kind: 'cardiac_arrest', ...PATIENT }, dispatcher);
    const id = created.body.id as string;
    await waitFor('v1 paged', () => pages('v1').length === 1);
    expect(pages('v1')[0].run.route).toBe('via_aed');
    const v1 = await token('responder', 'v1');
    await answer(id, v1, 'accept');
    const moveV1 = async (m: number) => expect((await h!.api('POST', '/api/responders/me/location', { ...north(m), available: true }, v1)).status).toBe(200);

    // Moving keeps the run: a position every 60 s, 4 minutes long.
    for (let i = 1; i <= 4; i++) {
      clock.advance(60_000);
      await moveV1(280 + i * 3);
      await h!.gateway.emergencies.tick();
    }
    expect(pages('v2')).toEqual([]);

    // Then nothing: 89 s later still his, 90 s later he is out and the AED goes to the next asked.
    clock.advance(89_000);
    await h!.gateway.emergencies.tick();
    expect(pages('v2')).toEqual([]);
    clock.advance(1_000);
    await h!.gateway.emergencies.tick();
    const page = await waitFor('v2 asked', () => pages('v2')[0]);
    expect(page.run).toMatchObject({ route: 'via_aed', aed: { id: 'a-north' } });
    const view = (await h!.api('GET', `/api/emergencies/${id}`, undefined, dispatcher)).body;
    expect(view.responders.map((r: { id: string; state: string }) => [r.id, r.state])).toEqual([
      ['v1', 'timed_out'],
      ['v2', 'asked'],
    ]);
    expect(view.timeline.find((t: { type: string }) => t.type === 'aed_reassigned').text).toBe(
      'Community health station, left of the entrance: Volunteer v1 has not moved or answered in time; nobody coming straight can fetch it; the next responder asked may be sent for it.',
    );
    const v2 = await token('responder', 'v2');
    await answer(id, v2, 'accept');
    await waitFor('the unlock for v2', () => north300.commands.length === 2);
    expect(unlocksFor(north300)).toEqual(['v1', 'v2']);
    await h!.gateway.emergencies.tick();
    expect(pages('v1')).toHaveLength(1);
    expect(pages('v2')).toHaveLength(1);
    expect(pages('v3')).toEqual([]);
  });
});
