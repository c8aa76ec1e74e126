import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FakeClock } from '../helpers/fake-clock.js';
import { TEST_PROVISION, type Harness } from '../helpers/gateway-harness.js';
import type { HttpReceiver } from '../helpers/http-receiver.js';
import { startPagedGateway, stopPagedGateway } from '../helpers/paged-gateway.js';
import { waitFor } from '../helpers/wait-for.js';

/*
 * AED cabinets end to end: a real cabinet device opens its door over MQTT; the grid and the
 * emergency group get the incident, the three nearest available certified responders get a
 * dispatch page in distance order, a decline moves on to the next; faults raise one alert each.
 */

const MORNING = Date.parse('2026-11-23T02:00:00Z'); // 10:00 in Shanghai
const CABINET = { lat: 30.2661, lon: 120.1549 };
const M_PER_DEG_LAT = 111_195;
const north = (m: number) => ({ lat: CABINET.lat + m / M_PER_DEG_LAT, lon: CABINET.lon });

function community(receiver: HttpReceiver) {
  const responder = (id: string, m: number, extra: object = {}) => ({
    id,
    name: `Volunteer ${id}`,
    certifiedUntil: '2027-09-30',
    available: true,
    ...north(m),
    channels: [{ type: 'webhook', url: receiver.url(`/${id}`) }],
    ...extra,
  });
  return {
    ...TEST_PROVISION,
    grids: [
      { id: 'g1', name: 'Fuxing Lane', district: 'd1', onDuty: ['w1'], backup: ['w2'], emergencyGroup: ['w3'] },
      { id: 'g2', name: 'Qingbo Gate', district: 'd2', onDuty: ['w2'] },
    ],
    workers: [
      { id: 'w1', name: 'Wang Fang', grids: ['g1'], channels: [{ type: 'webhook', url: receiver.url('/w1') }] },
      { id: 'w2', name: 'Liu Yang', grids: ['g1', 'g2'], channels: [{ type: 'webhook', url: receiver.url('/w2') }] },
      { id: 'w3', name: 'Chen Jing', grids: ['g1'], channels: [{ type: 'webhook', url: receiver.url('/w3') }] },
    ],
    aeds: [
      { id: 'a1', ...CABINET, grid: 'g1', description: 'Community health station, left of the entrance', floor: 'G', accessHours: '24/7', guardian: 'w2', padsExpiry: '2027-05-01', batteryExpiry: '2028-01-01' },
      { id: 'a2', ...north(600), grid: 'g1', description: 'Supermarket entrance', accessHours: '24/7', guardian: 'w2', padsExpiry: '2027-05-01', batteryExpiry: '2028-01-01' },
    ],
    responders: [
      responder('v1', 100),
      responder('v2', 200),
      responder('v3', 300),
      responder('v4', 400),
      responder('v5', 50, { available: false }),
      responder('v6', 80, { certifiedUntil: undefined }),
      responder('v7', 2000),
    ].map((r) => Object.fromEntries(Object.entries(r).filter(([, v]) => v !== undefined))),
  };
}

describe('an opened AED cabinet', () => {
  let receiver: HttpReceiver;
  let clock: FakeClock;
  let h: Harness;

  beforeEach(async () => {
    ({ receiver, clock, h } = await startPagedGateway(MORNING, (r) => ({ provision: community(r), overrides: { alerts: { tickMs: 60_000 } } })));
  });
  afterEach(() => stopPagedGateway({ receiver, h }));

  const pagedResponders = () => ['v1', 'v2', 'v3', 'v4', 'v5', 'v6', 'v7'].filter((id) => receiver.to(`/${id}`).length > 0);

  it('pages the grid, the emergency group and the three nearest available certified responders; a decline asks the next', async () => {
    const cabinet = await h.device('aed-01');
    await cabinet.event({ type: 'door_open' });
    await waitFor('three dispatch pages', () => pagedResponders().length === 3);
    expect(pagedResponders()).toEqual(['v1', 'v2', 'v3']);
    await waitFor('the grid and the emergency group', () => receiver.to('/w1').length === 1 && receiver.to('/w3').length === 1);

    const [alert] = (await h.api('GET', '/api/alerts?kind=aed_opened')).body.alerts;
    expect(alert).toMatchObject({ kind: 'aed_opened', severity: 'critical', subject: 'a1', grid: 'g1', state: 'open' });
    const order = alert.timeline.filter((e: { type: string; text?: string }) => e.type === 'note' && e.text?.startsWith('Responder')).map((e: { text: string }) => e.text);
    expect(order).toEqual(['Responder Volunteer v1 paged (100 m away).', 'Responder Volunteer v2 paged (200 m away).', 'Responder Volunteer v3 paged (300 m away).']);

    const page = receiver.to('/v2')[0]!.body;
    expect(page.reason).toBe('dispatch');
    expect(page.context.location).toMatchObject({ lat: CABINET.lat, lon: CABINET.lon });
    expect(page.text).toContain('Accept:');
    expect(receiver.to('/w1')[0]!.body.alert.kind).toBe('aed_opened');

    // v2 declines through the link in the page: v4 is asked.
    const decline = new URL(page.dispatch.declineUrl as string).pathname;
    const declined = await h.gateway.http.inject({ method: 'POST', url: decline, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: '' });
    expect(declined.statusCode).toBe(200);
    await waitFor('v4 paged', () => receiver.to('/v4').length === 1);
    expect(pagedResponders()).toEqual(['v1', 'v2', 'v3', 'v4']);

    // v1 accepts from the app.
    const token = (await h.api('POST', '/api/tokens', { role: 'responder', subject: 'v1', label: 'v1 app' })).body.token as string;
    clock.advance(45_000);
    const accepted = await h.api('POST', `/api/dispatches/${alert.id}/accept`, undefined, token);
    expect(accepted).toMatchObject({ status: 200, body: { answer: 'accept', changed: true } });
    const stranger = (await h.api('POST', '/api/tokens', { role: 'responder', subject: 'v7', label: 'v7 app' })).body.token as string;
    expect((await h.api('POST', `/api/dispatches/${alert.id}/accept`, undefined, stranger)).status).toBe(403);
    const metrics = (await h.api('GET', '/metrics')).body as string;
    expect(metrics).toMatch(/gateway_aed_time_to_first_accept_seconds_sum\{grid="g1"\} 45/);

    // While it is in use, the cabinet is skipped by the nearest-AED lookup, with the reason.
    const nearest = await h.api('GET', `/api/aeds/nearest?lat=${CABINET.lat}&lon=${CABINET.lon}&limit=1`);
    expect(nearest.body.distanceMethod).toBe('great-circle');
    expect(nearest.body.aeds.map((a: { id: string }) => a.id)).toEqual(['a2']);
    expect(nearest.body.skipped).toEqual([expect.objectContaining({ id: 'a1', reason: 'in_use' })]);
    expect(receiver.to('/v5')).toEqual([]);
    expect(receiver.to('/v6')).toEqual([]);
    expect(receiver.to('/v7')).toEqual([]);
  });

  it('is in use while open, back to ready when closed with the AED inside, and asks the guardian to restock', async () => {
    const cabinet = await h.device('aed-01');
    await cabinet.event({ type: 'door_open' });
    expect((await h.api('GET', '/api/aeds/a1')).body).toMatchObject({ id: 'a1', state: 'in_use' });
    await cabinet.telemetry({ door: 'closed', present: true }, 1);
    await cabinet.event({ type: 'door_closed' });
    expect((await h.api('GET', '/api/aeds/a1')).body).toMatchObject({ state: 'ready', restockPending: true });
    const restock = await waitFor('the restock page to the guardian', () => receiver.to('/w2').find((r) => r.body.reason === 'notice'));
    expect(restock.body.alert).toMatchObject({ kind: 'aed_opened', subject: 'a1' });
    const nearest = await h.api('GET', `/api/aeds/nearest?lat=${CABINET.lat}&lon=${CABINET.lon}&limit=1`);
    expect(nearest.body.aeds.map((a: { id: string }) => a.id)).toEqual(['a1']);
    const w2 = (await h.api('POST', '/api/tokens', { role: 'worker', subject: 'w2', label: 'w2' })).body.token as string;
    const w1 = (await h.api('POST', '/api/tokens', { role: 'worker', subject: 'w1', label: 'w1' })).body.token as string;
    expect((await h.api('POST', '/api/aeds/a1/restock', undefined, w1)).status).toBe(403);
    expect((await h.api('POST', '/api/aeds/a1/restock', undefined, w2)).status).toBe(200);
    expect((await h.api('GET', '/api/aeds/a1')).body).toMatchObject({ state: 'ready', restockPending: false });
  });

  it('pages nobody when the door opens during maintenance', async () => {
    const cabinet = await h.device('aed-01');
    await cabinet.event({ type: 'maintenance_start' });
    await cabinet.event({ type: 'door_open' });
    await h.gateway.alerting.tick();
    expect((await h.api('GET', '/api/alerts?kind=aed_opened')).body.alerts).toEqual([]);
    expect(receiver.requests).toEqual([]);
  });

  it('links a fall near the cabinet with the opening into one incident', async () => {
    const bracelet = await h.device('b-0001');
    await bracelet.event({ type: 'sos' });
    await bracelet.telemetry({ lat: north(80).lat, lon: CABINET.lon }, 1);
    await bracelet.event({ type: 'fall', confidence: 0.9, lat: north(80).lat, lon: CABINET.lon });
    clock.advance(30_000);
    await h.gateway.alerting.tick();
    const cabinet = await h.device('aed-01');
    clock.advance(60_000);
    await cabinet.event({ type: 'door_open' });
    const alerts = (await h.api('GET', '/api/alerts')).body.alerts as { kind: string; timeline: { type: string; text?: string; zh?: string; code?: string }[] }[];
    const fall = alerts.find((a) => a.kind === 'fall')!;
    const opened = alerts.find((a) => a.kind === 'aed_opened')!;
    expect(fall.timeline.some((e) => e.text?.startsWith('Linked with the opened AED cabinet at Community health station, left of the entrance'))).toBe(true);
    expect(fall.timeline.some((e) => e.zh?.startsWith('与Community health station, left of the entrance被打开的AED柜关联'))).toBe(true);
    expect(opened.timeline.some((e) => e.text?.startsWith('Linked with the fall of Li Guiying') && e.code === 'linkedResident')).toBe(true);
  });
});

describe('AED faults', () => {
  let receiver: HttpReceiver;
  let clock: FakeClock;
  let h: Harness;

  beforeEach(async () => {
    // 22:00 in Shanghai.
    ({ receiver, clock, h } = await startPagedGateway(Date.parse('2026-11-23T14:00:00Z'), (r) => ({ provision: community(r), overrides: { alerts: { tickMs: 60_000 } } })));
  });
  afterEach(() => stopPagedGateway({ receiver, h }));

  const faults = async () =>
    ((await h.api('GET', '/api/alerts?kind=aed_fault')).body.alerts as { subject: string; state: string; details: { faultKey: string } }[]).filter((a) => a.subject === 'a1');
  // Residents' bracelets are silent in these tests and page too (device_offline): count the guardian's AED pages.
  const guardianPages = () => receiver.to('/w2').filter((r) => r.body.alert?.kind === 'aed_fault');

  it('raises one alert per fault, pages the guardian in working hours only, and clears when fixed', async () => {
    const cabinet = await h.device('aed-01');
    await cabinet.event({ type: 'self_test_fail' });
    await cabinet.telemetry({ bat: 12 }, 1);
    await cabinet.telemetry({ bat: 11 }, 1);
    let open = await faults();
    expect(open.map((a) => a.details.faultKey).sort()).toEqual(['battery_low', 'self_test_failed']);
    expect(open.every((a) => a.state === 'open')).toBe(true);

    // Night: the guardian is not woken.
    await h.gateway.alerting.tick();
    expect(guardianPages()).toEqual([]);
    clock.set(Date.parse('2026-11-24T00:00:00Z')); // 08:00
    await h.gateway.alerting.tick();
    await waitFor('two pages to the guardian', () => guardianPages().length === 2);
    expect(guardianPages().map((r) => r.body.alert.details.faultKey).sort()).toEqual(['battery_low', 'self_test_failed']);
    expect(receiver.to('/w1').filter((r) => r.body.alert?.kind === 'aed_fault')).toEqual([]);

    await cabinet.telemetry({ selfTest: 'pass', bat: 90 }, 1);
    open = await faults();
    expect(open.map((a) => a.state)).toEqual(['resolved', 'resolved']);
  });

  it('warns once when the pads expire within 30 days, not every day, and clears when the date is renewed', async () => {
    await h.device('aed-01');
    clock.set(Date.parse('2027-04-02T02:00:00Z')); // 29 days before 2027-05-01, 10:00
    await h.gateway.alerting.tick();
    const day = 24 * 3600_000;
    for (let i = 0; i < 3; i++) {
      clock.advance(day);
      await h.gateway.alerting.tick();
    }
    const pads = (await faults()).filter((a) => a.details.faultKey === 'pads_expiring');
    expect(pads).toHaveLength(1);
    expect(pads[0]!.state).toBe('open');

    await h.api('PUT', '/api/aeds/a1', { id: 'a1', ...CABINET, grid: 'g1', accessHours: '24/7', guardian: 'w2', padsExpiry: '2029-05-01', batteryExpiry: '2028-01-01' });
    clock.advance(60_000);
    await h.gateway.alerting.tick();
    const after = (await faults()).filter((a) => a.details.faultKey === 'pads_expiring');
    expect(after.map((a) => a.state)).toEqual(['resolved']);
  });
});
