import { afterEach, describe, expect, it } from 'vitest';
import { SimulatedDevice } from '../../firmware-sim/device-client.js';
import type { FakeClock } from '../helpers/fake-clock.js';
import { TEST_PROVISION, type Harness } from '../helpers/gateway-harness.js';
import type { HttpReceiver } from '../helpers/http-receiver.js';
import { startPagedGateway, stopPagedGateway } from '../helpers/paged-gateway.js';
import { waitFor } from '../helpers/wait-for.js';

/*
 * Emergencies from the 120 centre end to end: a real broker with real cabinet clients, the
 * responders' and the centre's webhooks on a real HTTP server, SQLite, and a fake clock for the
 * 60 s answer window.
 */

const MORNING = Date.parse('2026-11-23T02:00:00Z'); // 10:00 in Shanghai
const PATIENT = { lat: 30.2661, lon: 120.1549 };
const M_PER_DEG_LAT = 111_195;
const north = (m: number) => ({ lat: PATIENT.lat + m / M_PER_DEG_LAT, lon: PATIENT.lon });

interface Setup {
  responders: [id: string, metresNorth: number][];
  rules?: object;
}

function community(receiver: HttpReceiver, setup: Setup) {
  return {
    ...TEST_PROVISION,
    rules: setup.rules ?? {},
    workers: [{ id: 'w1', name: 'Wang Fang', grids: ['g1'], channels: [{ type: 'webhook', url: receiver.url('/w1') }] }, TEST_PROVISION.workers[1]!],
    devices: [
      ...TEST_PROVISION.devices.filter((d) => d.kind !== 'aed'),
      { id: 'aed-north', kind: 'aed', secret: 'secret-aed-north', aed: 'a-north' },
      { id: 'aed-south', kind: 'aed', secret: 'secret-aed-south', aed: 'a-south' },
    ],
    aeds: [
      { id: 'a-north', ...north(300), grid: 'g1', description: 'Community health station, left of the entrance', accessHours: '24/7', guardian: 'w1' },
      { id: 'a-south', ...north(-300), grid: 'g1', description: 'Supermarket entrance', accessHours: '24/7', guardian: 'w1' },
    ],
    responders: setup.responders.map(([id, m]) => ({
      id,
      name: `Volunteer ${id}`,
      certifiedUntil: '2027-09-30',
      available: true,
      ...north(m),
      channels: [{ type: 'webhook', url: receiver.url(`/${id}`) }],
    })),
  };
}

describe('an emergency reported by the 120 centre', () => {
  let receiver: HttpReceiver;
  let clock: FakeClock;
  let h: Harness;
  const devices: SimulatedDevice[] = [];

  async function start(setup: Setup): Promise<void> {
    ({ receiver, clock, h } = await startPagedGateway(MORNING, (r) => ({
      provision: community(r, setup),
      overrides: { alerts: { tickMs: 60_000 }, emergencies: { centre: [{ type: 'webhook', url: r.url('/centre') }] } },
    })));
  }
  afterEach(async () => {
    await Promise.all(devices.splice(0).map((d) => d.close().catch(() => undefined)));
    await stopPagedGateway({ receiver, h });
  });

  const cabinet = async (id: string) => {
    const device = await SimulatedDevice.connect({ id, secret: `secret-${id}`, url: h.mqttUrl, encoding: 'json' });
    devices.push(device);
    return device;
  };
  const token = async (role: string, subject?: string) =>
    (await h.api('POST', '/api/tokens', { role, ...(subject === undefined ? {} : { subject }), label: `${role} test` })).body.token as string;
  const report = async (body: object, as: string) => h.api('POST', '/api/emergencies', { kind: 'cardiac_arrest', ...PATIENT, address: 'Building 3, Fuxing Lane', ...body }, as);
  const pages = (id: string) => receiver.to(`/${id}`).map((r) => r.body);
  const tick = () => h.gateway.emergencies.tick();

  it('sends the first responder via the usable AED of two, unlocks it once on acceptance, and its opening raises no alarm', async () => {
    await start({ responders: [['v1', -280]] });
    const north = await cabinet('aed-north');
    const south = await cabinet('aed-south');
    await south.event({ type: 'self_test_fail' });
    await waitFor('the south cabinet in fault', async () => (await h.api('GET', '/api/aeds/a-south')).body.state === 'fault');

    const dispatcher = await token('dispatcher');
    const created = await report({ ref: '120-20261123-0001' }, dispatcher);
    expect(created.status).toBe(201);
    const page = await waitFor('the dispatch page', () => pages('v1')[0]);
    expect(page.run).toMatchObject({ route: 'via_aed', aed: { id: 'a-north', name: 'Community health station, left of the entrance' } });
    expect(page.text).toContain('Community health station');
    expect(page.link).toMatch(/\/rescue\//);
    expect(north.commands).toEqual([]);

    const v1 = await token('responder', 'v1');
    clock.advance(20_000);
    const accepted = await h.api('POST', `/api/emergencies/${created.body.id}/responders/me/accept`, undefined, v1);
    expect(accepted.body).toMatchObject({ changed: true, responders: [{ id: 'v1', state: 'accepted', aed: { id: 'a-north', unlocked: true } }] });
    await waitFor('the unlock command', () => north.commands.length === 1);
    expect(north.commands[0]).toEqual({ cmd: 'unlock', emergencyId: created.body.id, responder: 'v1', validS: 300 });
    // Accepting again, and the periodic tick, send nothing more.
    expect((await h.api('POST', `/api/emergencies/${created.body.id}/responders/me/accept`, undefined, v1)).body.changed).toBe(false);
    await tick();

    await north.event({ type: 'door_open' });
    const view = await waitFor('the opening noted on the emergency', async () => {
      const body = (await h.api('GET', `/api/emergencies/${created.body.id}`, undefined, dispatcher)).body;
      return body.timeline.some((t: { type: string }) => t.type === 'cabinet_opened') ? body : undefined;
    });
    expect(view.unlocks).toEqual([expect.objectContaining({ aedId: 'a-north', deviceId: 'aed-north', responderId: 'v1', responderName: 'Volunteer v1' })]);
    expect((await h.api('GET', '/api/alerts?kind=aed_opened')).body.alerts).toEqual([]);
    expect(north.commands).toHaveLength(1);
    expect(south.commands).toEqual([]);

    // v1 brings the AED; the centre heard of every change, in order, and reports the ambulance.
    clock.advance(100_000);
    await h.api('POST', `/api/emergencies/${created.body.id}/responders/me/aed-collected`, undefined, v1);
    clock.advance(120_000);
    await h.api('POST', `/api/emergencies/${created.body.id}/responders/me/on-scene`, undefined, v1);
    clock.advance(300_000);
    const done = await h.api('POST', `/api/emergencies/${created.body.id}/ambulance-arrived`, {}, dispatcher);
    expect(done.body.outcome).toEqual({
      timeToFirstAcceptS: 20,
      timeToAedOnSceneS: 240,
      attended: [{ id: 'v1', name: 'Volunteer v1' }],
      aedUsed: { id: 'a-north', name: 'Community health station, left of the entrance' },
      ambulanceArrivedAt: MORNING + 540_000,
      timeToAmbulanceS: 540,
    });
    // The cabinet is closed again with the AED back: its guardian restocks, from the emergency.
    await north.telemetry({ door: 'closed', present: true }, 1);
    await north.event({ type: 'door_closed' });
    // (w1 also guards the faulted south cabinet: its fault page is theirs too.)
    const restock = await waitFor('the restock request to the guardian', () => receiver.to('/w1').find((r) => r.body.type === 'emergency')?.body);
    expect(restock).toMatchObject({ type: 'emergency', emergencyId: created.body.id, purpose: 'restock', aed: { id: 'a-north' } });
    expect(restock.text).toContain('Community health station');
    expect((await h.api('GET', '/api/alerts?kind=aed_opened')).body.alerts).toEqual([]);

    const notices = await waitFor('the centre notices', () => (receiver.to('/centre').length >= 7 ? receiver.to('/centre').map((r) => r.body) : undefined));
    const changes = notices.sort((a, b) => a.emergency.revision - b.emergency.revision).flatMap((n) => n.change);
    expect(changes).toEqual(['created', 'responder_asked', 'responder_accepted', 'cabinet_unlocked', 'cabinet_opened', 'aed_collected', 'responder_on_scene', 'ambulance_arrived', 'restock_requested']);
  });

  it('sends one of two responders near the same AED for it and the other straight to the patient; the stream and the map follow them', async () => {
    await start({ responders: [['v1', 320], ['v2', 330]] });
    const dispatcher = await token('dispatcher');
    const created = await report({ ref: 'call-2' }, dispatcher);
    await waitFor('both pages', () => pages('v1').length === 1 && pages('v2').length === 1);
    expect(pages('v1')[0].run).toMatchObject({ route: 'via_aed', aed: { id: 'a-north' } });
    expect(pages('v2')[0].run).toMatchObject({ route: 'direct', aed: null });
    expect(pages('v2')[0].text).toContain('Go straight to the patient');
    const view = (await h.api('GET', `/api/emergencies/${created.body.id}`, undefined, dispatcher)).body;
    expect(view.responders.map((r: { id: string; route: string; state: string }) => [r.id, r.route, r.state])).toEqual([
      ['v1', 'via_aed', 'asked'],
      ['v2', 'direct', 'asked'],
    ]);

    // The dispatcher's stream follows v1 as they walk to the AED; the map draws them and it.
    const stream = await fetch(`${h.httpUrl}/api/emergencies/stream`, { headers: { authorization: `Bearer ${dispatcher}` } });
    const reader = stream.body!.getReader();
    let text = '';
    const v1 = await token('responder', 'v1');
    await h.api('POST', `/api/emergencies/${created.body.id}/responders/me/accept`, undefined, v1);
    await h.api('POST', '/api/responders/me/location', north(310), v1);
    const moved = await waitFor('the move on the stream', async () => {
      text += new TextDecoder().decode((await reader.read()).value);
      const frame = text.split('\n\n').find((f) => f.includes('"responder_moved"'));
      return frame === undefined ? undefined : JSON.parse(frame.split('data: ')[1]!);
    });
    await reader.cancel();
    expect(moved.emergency.responders[0]).toMatchObject({ id: 'v1', state: 'accepted', position: { lat: north(310).lat }, aed: { id: 'a-north', unlocked: true } });
    const map = (await h.api('GET', '/api/map', undefined, dispatcher)).body;
    expect(map.residents).toEqual([]);
    expect(map.emergencies).toEqual([
      expect.objectContaining({
        id: created.body.id,
        label: { zh: '心脏骤停', en: 'Cardiac arrest' },
        responders: [
          { id: 'v1', name: 'Volunteer v1', state: 'accepted', position: north(310), aed: { id: 'a-north', name: 'Community health station, left of the entrance', ...north(300), state: 'unknown' } },
          expect.objectContaining({ id: 'v2', state: 'asked', aed: null }),
        ],
      }),
    ]);
  });

  it('moves to the next responder on a decline and after 60 s of silence; nobody near is reported at once', async () => {
    await start({ responders: [['v1', 50], ['v2', 100], ['v3', 150]], rules: { aedOpened: { responders: 1 } } });
    const dispatcher = await token('dispatcher');
    const created = await report({ ref: 'call-3' }, dispatcher);
    await waitFor('v1 paged', () => pages('v1').length === 1);
    expect(pages('v2')).toEqual([]);

    // v1 declines from the page link (the form the page shows).
    const link = new URL(pages('v1')[0].link as string).pathname;
    const shown = await h.gateway.http.inject({ method: 'GET', url: link });
    expect(shown.body).toContain('I cannot go');
    const declined = await h.gateway.http.inject({ method: 'POST', url: link, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'answer=decline' });
    expect(declined.statusCode).toBe(200);
    await waitFor('v2 paged', () => pages('v2').length === 1);

    clock.advance(59_000);
    await tick();
    expect(pages('v3')).toEqual([]);
    clock.advance(1_000);
    await tick();
    await waitFor('v3 paged', () => pages('v3').length === 1);
    const view = (await h.api('GET', `/api/emergencies/${created.body.id}`, undefined, dispatcher)).body;
    expect(view.responders.map((r: { id: string; state: string }) => [r.id, r.state])).toEqual([
      ['v1', 'declined'],
      ['v2', 'timed_out'],
      ['v3', 'asked'],
    ]);
    expect(pages('v1')).toHaveLength(1);
    expect(pages('v2')).toHaveLength(1);

    // 5 km away nobody is within the widest radius: the centre hears it with the creation, no tick needed.
    const far = await report({ ref: 'call-far', lat: PATIENT.lat + 0.05 }, dispatcher);
    expect(far.body).toMatchObject({ responders: [], dispatchStatus: 'exhausted', noRespondersAt: MORNING + 60_000 });
    const notice = await waitFor('the centre told', () => receiver.to('/centre').find((r) => r.body.emergency.id === far.body.id));
    expect(notice.body.change).toEqual(['created', 'no_responders']);
    expect(notice.body.text).toContain('NO RESPONDER AVAILABLE');
  });

  it('lets the dispatcher create and read emergencies but not residents or alerts; a responder sees only their own run', async () => {
    await start({ responders: [['v1', 50], ['v2', 100]] });
    const dispatcher = await token('dispatcher');
    const first = await report({ ref: 'call-4', note: 'caller says he collapsed in the lobby' }, dispatcher);
    const again = await report({ ref: 'call-4' }, dispatcher);
    expect(first.status).toBe(201);
    expect(again).toMatchObject({ status: 200, body: { id: first.body.id } });
    expect((await h.api('GET', '/api/emergencies', undefined, dispatcher)).body.emergencies).toHaveLength(1);
    expect((await h.api('GET', '/api/residents', undefined, dispatcher)).status).toBe(403);
    expect((await h.api('GET', '/api/residents/r1', undefined, dispatcher)).status).toBe(403);
    expect((await h.api('GET', '/api/alerts', undefined, dispatcher)).status).toBe(403);

    const bad = await report({ ref: 'call-5', kind: 'heart_attack', lat: 95 }, dispatcher);
    expect(bad).toMatchObject({ status: 400, body: { error: 'GW_ERR_EMERGENCY_INVALID' } });
    expect(bad.body.message).toMatch(/kind|lat/);
    const metrics = (await h.api('GET', '/metrics')).body as string;
    expect(metrics).toMatch(/gateway_emergency_requests_rejected_total\{code="GW_ERR_EMERGENCY_INVALID",role="dispatcher"\} 1/);
    expect(metrics).toMatch(/gateway_emergencies_created_total\{source="centre",kind="cardiac_arrest"\} 1/);

    await waitFor('both asked', () => pages('v1').length === 1 && pages('v2').length === 1);
    const v1 = await token('responder', 'v1');
    const own = await h.api('GET', `/api/emergencies/${first.body.id}`, undefined, v1);
    expect(own.status).toBe(200);
    expect(own.body.responders.map((r: { id: string }) => r.id)).toEqual(['v1']);
    expect(own.body.timeline).toBeUndefined();
    expect((await h.api('GET', '/api/emergencies', undefined, v1)).status).toBe(403);
    const outsider = await h.api('POST', '/api/emergencies', { ref: 'x', kind: 'cardiac_arrest', ...PATIENT }, v1);
    expect(outsider.status).toBe(403);
    const worker = await h.api('POST', '/api/tokens', { role: 'worker', subject: 'w1' });
    expect((await h.api('GET', `/api/emergencies/${first.body.id}`, undefined, worker.body.token)).status).toBe(403);
  });
});
