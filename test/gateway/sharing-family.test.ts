import { afterEach, describe, expect, it } from 'vitest';
import { TEST_PROVISION, type Harness } from '../helpers/gateway-harness.js';
import type { HttpReceiver } from '../helpers/http-receiver.js';
import { startPagedGateway, stopPagedGateway, type PagedGateway } from '../helpers/paged-gateway.js';
import { waitFor } from '../helpers/wait-for.js';

/** 10:00 in Shanghai on a Monday: clinic hours, waking hours. */
const MORNING = Date.parse('2026-11-23T02:00:00Z');
const FALL = { type: 'fall', confidence: 0.92, lat: 30.2656, lon: 120.1551 } as const;

function community(receiver: HttpReceiver, r1: Record<string, unknown> = {}) {
  return {
    ...TEST_PROVISION,
    grids: [
      { id: 'g1', name: 'Fuxing Lane', district: 'd1', onDuty: ['w1'], backup: ['w2'], doctors: ['doc1'] },
      { id: 'g2', name: 'Qingbo Gate', district: 'd2', onDuty: ['w2'] },
    ],
    workers: [
      { id: 'w1', name: 'Wang Fang', grids: ['g1'], channels: [{ type: 'webhook', url: receiver.url('/w1') }] },
      { id: 'w2', name: 'Liu Yang', grids: ['g1', 'g2'], channels: [{ type: 'webhook', url: receiver.url('/w2') }] },
    ],
    doctors: [{ id: 'doc1', name: 'Dr Chen', grids: ['g1'], clinicHours: { 'mon-fri': '08:00-17:00' }, channels: [{ type: 'webhook', url: receiver.url('/doc1') }] }],
    residents: [
      {
        id: 'r1',
        name: 'Li Guiying',
        grid: 'g1',
        address: 'Building 3, Unit 2, Room 401',
        home: { lat: 30.2655, lon: 120.1552, radiusM: 60 },
        conditions: ['copd'],
        doctor: 'doc1',
        contacts: [{ id: 'fam1', name: 'Li Wei', relation: 'son', channels: [{ type: 'webhook', url: receiver.url('/fam1') }] }],
        ...r1,
      },
      { id: 'r2', name: 'Zhang Xiuying', grid: 'g2', contacts: [{ id: 'fam2', name: 'Zhang Min', relation: 'daughter', channels: [] }] },
    ],
  };
}

let g: PagedGateway | undefined;
afterEach(async () => {
  if (g !== undefined) await stopPagedGateway(g);
  g = undefined;
});

async function start(r1: Record<string, unknown> = {}, pager: object = { timeoutMs: 2000, maxAttempts: 2, backoffMs: 1000 }): Promise<PagedGateway> {
  g = await startPagedGateway(MORNING, (receiver) => ({ provision: community(receiver, r1), overrides: { alerts: { tickMs: 60_000 }, pager } }));
  return g;
}

async function token(h: Harness, role: string, subject: string): Promise<string> {
  const res = await h.api('POST', '/api/tokens', { role, subject });
  expect(res.status).toBe(201);
  return res.body.token as string;
}

/** Readings every 30 s for `forMs`, on the fake clock, each stamped with it. */
async function readings(gw: PagedGateway, bracelet: Awaited<ReturnType<Harness['device']>>, values: Record<string, number | boolean>, forMs: number): Promise<void> {
  for (let t = 0; t <= forMs; t += 30_000) {
    await bracelet.telemetry({ ...values, ts: gw.clock.now() }, 1);
    if (t < forMs) gw.clock.advance(30_000);
  }
}

describe('family at once', () => {
  it('a fall pages the family and the on-duty worker in the same step, the family with the location under the emergency rule', async () => {
    const { h, receiver, clock } = await start();
    const bracelet = await h.device('b-0001');
    await bracelet.event(FALL);
    clock.advance(30_000);
    await h.gateway.alerting.tick();
    const [worker, family] = await waitFor('pages to the worker and the son', () => {
      const w = receiver.to('/w1')[0];
      const f = receiver.to('/fam1')[0];
      return w !== undefined && f !== undefined && [w, f];
    });
    expect(worker.body.step).toBe(0);
    expect(family.body.step).toBe(0);
    expect(family.body.recipient).toMatchObject({ name: 'Li Wei', kind: 'contact' });
    // Nothing shared by choice: the location goes out under the emergency rule, marked so.
    expect(family.body.alert.sharedUnder).toBe('emergency');
    expect(family.body.context.location).toMatchObject({ lat: FALL.lat, lon: FALL.lon, sharedUnder: 'emergency' });
    expect(family.body.text).toContain('30.26560');
    const alert = (await h.api('GET', `/api/alerts/${family.body.alert.id}`)).body;
    const step0 = alert.timeline.find((e: { type: string; step?: number }) => e.type === 'escalated' && e.step === 0);
    expect(step0.recipients).toEqual(expect.arrayContaining(['w1', 'contact:r1:fam1']));
    // The son is not paged again at the second step.
    clock.advance(180_000);
    await h.gateway.alerting.tick();
    await waitFor('the backup page', () => receiver.to('/w2')[0]);
    expect(receiver.to('/fam1')).toHaveLength(1);
  });
});

describe('vitals shared with the doctor only', () => {
  it('the doctor reads the hourly vitals and the readings, the worker gets 403 and readings without them', async () => {
    const { h, clock } = await start({ sharing: { vitals: ['doctor'], location: ['worker'] } });
    const bracelet = await h.device('b-0001');
    await bracelet.telemetry({ ts: clock.now() - 20 * 60_000, hr: 70, spo2: 97, sbp: 120, dbp: 80, lat: 30.2655, lon: 120.1552 }, 1);
    await bracelet.telemetry({ ts: clock.now() - 10 * 60_000, hr: 80, spo2: 95, sbp: 130, dbp: 84, lat: 30.2655, lon: 120.1552 }, 1);
    const w1 = await token(h, 'worker', 'w1');
    const doc = await token(h, 'doctor', 'doc1');
    const byDoctor = await waitFor('two readings for the doctor', async () => {
      const res = await h.api('GET', '/api/devices/b-0001/readings', undefined, doc);
      return res.body.readings?.length === 2 && res.body;
    });
    expect(byDoctor.readings[1]).toMatchObject({ hr: 80, spo2: 95 });
    expect(byDoctor.readings[1].lat).toBeUndefined();
    const byWorker = (await h.api('GET', '/api/devices/b-0001/readings', undefined, w1)).body;
    expect(byWorker.readings).toHaveLength(2);
    expect(byWorker.readings[1].hr).toBeUndefined();
    expect(byWorker.readings[1].lat).toBe(30.2655);

    const denied = await h.api('GET', '/api/residents/r1/vitals?hours=24', undefined, w1);
    expect(denied.status).toBe(403);
    expect(denied.body.error).toBe('GW_ERR_SHARING_NOT_SHARED');
    const vitals = await h.api('GET', '/api/residents/r1/vitals?hours=24', undefined, doc);
    expect(vitals.status).toBe(200);
    const filled = vitals.body.hours.filter((x: { hr: unknown }) => x.hr !== null);
    expect(filled).toHaveLength(1);
    expect(filled[0].hr).toEqual({ min: 70, mean: 75, max: 80, n: 2 });
    expect(filled[0].sbp).toMatchObject({ min: 120, max: 130 });
    expect(vitals.body.hours.length).toBeGreaterThanOrEqual(24);
  });

  it('a routine vitals alert reaches the doctor and not the worker; a critical one reaches the worker under the emergency rule', async () => {
    const gw = await start({ sharing: { vitals: ['doctor'] } });
    const { h, receiver } = gw;
    const bracelet = await h.device('b-0001');
    await readings(gw, bracelet, { hr: 138, worn: true }, 150_000);
    await h.gateway.alerting.tick();
    const toDoctor = await waitFor('the vitals page to the doctor', () => receiver.to('/doc1')[0]);
    expect(toDoctor.body.alert).toMatchObject({ kind: 'vitals', severity: 'high' });
    expect(toDoctor.body.alert.details.hr).toBe(138);
    expect(toDoctor.body.alert.sharedUnder).toBeUndefined();
    await h.gateway.alerting.tick();
    expect(receiver.to('/w1')).toEqual([]);
    const w1 = await token(h, 'worker', 'w1');
    // The worker's list shows neither the alert's readings nor anything shared under the emergency rule.
    const listed = (await h.api('GET', '/api/alerts?kind=vitals', undefined, w1)).body.alerts;
    for (const a of listed) expect(a.details.hr).toBeUndefined();
  });

  it('a routine vitals alert that no doctor or family would hear still reaches the worker, without the readings', async () => {
    const gw = await start({ doctor: undefined, sharing: {} });
    const { h, receiver } = gw;
    const bracelet = await h.device('b-0001');
    await readings(gw, bracelet, { hr: 138, worn: true }, 150_000);
    await h.gateway.alerting.tick();
    const toWorker = await waitFor('the vitals page to the on-duty worker', () => receiver.to('/w1')[0]);
    expect(toWorker.body.alert).toMatchObject({ kind: 'vitals', severity: 'high' });
    expect(toWorker.body.alert.details.hr).toBeUndefined();
    expect(JSON.stringify(toWorker.body)).not.toContain('138');
    expect(receiver.to('/doc1')).toEqual([]);
    expect(receiver.to('/fam1')).toEqual([]);
  });

  it('critical vitals reach the on-duty worker with the doctor, marked as shared under the emergency rule', async () => {
    const gw = await start({ sharing: { vitals: ['doctor'] } });
    const { h, receiver } = gw;
    const bracelet = await h.device('b-0001');
    await readings(gw, bracelet, { hr: 162, worn: true }, 150_000);
    await h.gateway.alerting.tick();
    const [worker, doctor] = await waitFor('pages to the worker and the doctor', () => {
      const w = receiver.to('/w1')[0];
      const d = receiver.to('/doc1')[0];
      return w !== undefined && d !== undefined && [w, d];
    });
    expect(worker.body.alert).toMatchObject({ kind: 'vitals', sharedUnder: 'emergency' });
    expect(worker.body.alert.details.hr).toBe(162);
    expect(doctor.body.alert.details.hr).toBe(162);
  });
});

describe('withdrawing location sharing', () => {
  it('the next routine page carries no coordinates; an SOS still does, marked', async () => {
    const { h, receiver, clock } = await start({ sharing: { location: ['worker'] } });
    const bracelet = await h.device('b-0001');
    await bracelet.telemetry({ ts: clock.now(), lat: 30.2671, lon: 120.1533, worn: true }, 1);
    await bracelet.status({ online: true, bat: 9 });
    const low = await waitFor('the battery page', () => receiver.to('/w1').find((r) => r.body.alert?.kind === 'battery_low'));
    expect(low.body.context.location).toMatchObject({ lat: 30.2671, lon: 120.1533 });
    expect(low.body.alert.sharedUnder).toBeUndefined();

    const withdrawn = await h.api('PUT', '/api/residents/r1/sharing', { sharing: {}, basis: 'paper_form', formRef: 'FX-2026-118' });
    expect(withdrawn.status).toBe(200);
    expect(withdrawn.body).toMatchObject({ sharing: {}, recordedBy: 'admin', basis: 'paper_form', formRef: 'FX-2026-118' });
    expect(Date.parse(withdrawn.body.recordedAt)).toBe(clock.now());

    clock.advance(31 * 60_000);
    await h.gateway.alerting.tick();
    const offline = await waitFor('the offline page', () => receiver.to('/w1').find((r) => r.body.alert?.kind === 'device_offline'));
    expect(offline.body.context.location).toBeNull();
    expect(offline.body.context.nearestAeds).toEqual([]);
    expect(offline.body.text).not.toMatch(/30\.26|120\.15/);
    expect(offline.body.context.resident).toMatchObject({ name: 'Li Guiying', address: 'Building 3, Unit 2, Room 401', conditions: [] });

    await bracelet.event({ type: 'sos' });
    const sos = await waitFor('the SOS page', () => receiver.to('/w1').find((r) => r.body.alert?.kind === 'sos'));
    expect(sos.body.alert.sharedUnder).toBe('emergency');
    expect(sos.body.context.location).toMatchObject({ lat: 30.2671, lon: 120.1533, sharedUnder: 'emergency' });
    // The worker's app topic and API follow the same choices.
    const w1 = await token(h, 'worker', 'w1');
    const viaApi = (await h.api('GET', '/api/alerts?kind=wandering,device_offline', undefined, w1)).body.alerts[0];
    expect(viaApi.details.lat).toBeUndefined();
  });
});

describe('one-key call', () => {
  it('an SOS reaches the doctor first in clinic hours, the family at once, and the bracelet hears who answered', async () => {
    const { h, receiver } = await start({ callButton: ['doctor', 'onDuty', 'family'] });
    const bracelet = await h.device('b-0001');
    await bracelet.event({ type: 'sos' });
    const toDoctor = await waitFor('the doctor’s page', () => receiver.to('/doc1')[0]);
    await waitFor('the son’s page', () => receiver.to('/fam1')[0]);
    await h.gateway.alerting.tick();
    expect(receiver.to('/w1')).toEqual([]);
    const doc = await token(h, 'doctor', 'doc1');
    const acked = await h.api('POST', `/api/alerts/${toDoctor.body.alert.id}/ack`, { note: 'calling her now' }, doc);
    expect(acked.status).toBe(200);
    const command = await waitFor('the ack on the bracelet', () => (bracelet.commands as { cmd?: string }[]).find((c) => c.cmd === 'ack'));
    expect(command).toMatchObject({ cmd: 'ack', by: 'doc1', byName: 'Dr Chen' });
  });

  it('falls through to the on-duty worker when the doctor’s channel fails', async () => {
    const gw = await start({ callButton: ['doctor', 'onDuty'] }, { timeoutMs: 2000, maxAttempts: 2, backoffMs: 1000 });
    const { h, receiver, clock } = gw;
    receiver.answer('/doc1', 500);
    const bracelet = await h.device('b-0001');
    await bracelet.event({ type: 'sos' });
    await waitFor('the doctor’s first attempt', () => receiver.to('/doc1').length === 1);
    // The retry is timed from the failure: wait for it to be recorded before moving the clock.
    const alertId = (await h.api('GET', '/api/alerts?kind=sos')).body.alerts[0].id as string;
    await waitFor('the failure on the timeline', async () => (await h.api('GET', `/api/alerts/${alertId}`)).body.timeline.some((e: { type: string }) => e.type === 'failed'));
    clock.advance(1_000);
    await h.gateway.alerting.tick();
    const toWorker = await waitFor('the worker’s page', () => receiver.to('/w1')[0]);
    expect(receiver.to('/doc1')).toHaveLength(2);
    const alert = (await h.api('GET', `/api/alerts/${toWorker.body.alert.id}`)).body;
    const paged = alert.timeline.filter((e: { type: string }) => e.type === 'paged').map((e: { to: string }) => e.to);
    expect(paged.indexOf('doc1')).toBeLessThan(paged.indexOf('w1'));
  });

  it('outside clinic hours an SOS goes straight to the on-duty worker', async () => {
    const gw = await start({ callButton: ['doctor', 'onDuty'] });
    gw.clock.set(Date.parse('2026-11-23T13:00:00Z')); // 21:00 in Shanghai
    const bracelet = await gw.h.device('b-0001');
    await bracelet.event({ type: 'sos' });
    await waitFor('the worker’s page', () => gw.receiver.to('/w1')[0]);
    expect(gw.receiver.to('/doc1')).toEqual([]);
  });

  it('an SOS whose only chosen target is unavailable still reaches the on-duty worker', async () => {
    const gw = await start({ callButton: ['doctor'] });
    gw.clock.set(Date.parse('2026-11-23T13:00:00Z')); // 21:00 in Shanghai: the doctor's clinic is closed
    const bracelet = await gw.h.device('b-0001');
    await bracelet.event({ type: 'sos' });
    const page = await waitFor('the worker’s page', () => gw.receiver.to('/w1')[0]);
    expect(page.body.step).toBe(0);
    expect(gw.receiver.to('/doc1')).toEqual([]);
  });
});

describe('access log and family tokens', () => {
  it('logs the worker’s reads; a family token reads its own relative only, and sees who looked', async () => {
    const { h, receiver, clock } = await start({ sharing: { location: ['family'] } });
    const bracelet = await h.device('b-0001');
    await bracelet.event({ type: 'sos', lat: 30.2656, lon: 120.1551 } as never);
    const page = await waitFor('the SOS page', () => receiver.to('/w1')[0]);
    const alertId = page.body.alert.id as string;
    const w1 = await token(h, 'worker', 'w1');
    const fam1 = await token(h, 'family', 'fam1');
    const fam2 = await token(h, 'family', 'fam2');
    clock.advance(1_000);
    expect((await h.api('GET', `/api/alerts/${alertId}`, undefined, w1)).status).toBe(200);
    expect((await h.api('GET', '/api/devices/b-0001/readings', undefined, w1)).status).toBe(200);

    const audit = (await h.api('GET', '/api/audit?resident=r1&actor=w1')).body.entries;
    expect(audit).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ actor: 'w1', role: 'worker', resident: 'r1', action: 'read_alert', category: 'location', ground: 'emergency' }),
        expect.objectContaining({ actor: 'w1', role: 'worker', resident: 'r1', action: 'read_readings', category: 'profile', ground: 'consent' }),
      ]),
    );
    // Pages are in it too.
    const pages = (await h.api('GET', '/api/audit?resident=r1&actor=w1')).body.entries.filter((e: { action: string }) => e.action === 'page');
    expect(pages.length).toBeGreaterThan(0);

    // Another family's token: 403 on this resident, and on an admin route.
    expect((await h.api('GET', `/api/alerts/${alertId}`, undefined, fam2)).status).toBe(403);
    expect((await h.api('GET', '/api/residents/r1/access-log', undefined, fam2)).status).toBe(403);
    expect((await h.api('GET', '/api/residents', undefined, fam1)).status).toBe(403);
    expect((await h.api('GET', '/api/audit', undefined, fam1)).status).toBe(403);
    expect((await h.api('GET', '/api/alerts', undefined, fam2)).body.alerts).toEqual([]);

    const own = await h.api('GET', '/api/alerts', undefined, fam1);
    expect(own.body.alerts.map((a: { id: string }) => a.id)).toEqual([alertId]);
    const log = (await h.api('GET', '/api/residents/r1/access-log', undefined, fam1)).body.entries;
    expect(log).toEqual(expect.arrayContaining([expect.objectContaining({ actor: 'w1', actorName: 'Wang Fang', action: 'read_alert' })]));
    expect(log).toEqual(expect.arrayContaining([expect.objectContaining({ actor: 'fam1', role: 'family', action: 'read_alerts' })]));

    // "I'm going": the son's ack is on the timeline, by name on the bracelet.
    const going = await h.api('POST', `/api/alerts/${alertId}/ack`, { note: 'I am going' }, fam1);
    expect(going.status).toBe(200);
    expect(going.body.timeline.find((e: { type: string }) => e.type === 'acked')).toMatchObject({ by: 'contact:r1:fam1', note: 'I am going' });
    const command = await waitFor('the ack on the bracelet', () => (bracelet.commands as { cmd?: string }[]).find((c) => c.cmd === 'ack'));
    expect(command).toMatchObject({ byName: 'Li Wei' });
    expect((await h.api('POST', `/api/alerts/${alertId}/resolve`, {}, fam1)).status).toBe(403);

    // Append-only: the store refuses to change or remove a row.
    expect(() => h.gateway.db.prepare('UPDATE access_log SET actor = ?').run('x')).toThrow(/append-only/);
    expect(() => h.gateway.db.prepare('DELETE FROM access_log').run()).toThrow(/append-only/);
  });
});

describe('bad sharing input', () => {
  it('names an unknown category or recipient and writes nothing', async () => {
    const { h } = await start({ sharing: { location: ['worker'] } });
    const before = (await h.api('GET', '/api/residents/r1/sharing')).body;
    const category = await h.api('PUT', '/api/residents/r1/sharing', { sharing: { photos: ['worker'] }, basis: 'app' });
    expect(category.status).toBe(400);
    expect(category.body).toMatchObject({ error: 'GW_ERR_REGISTRY_INVALID' });
    expect(category.body.message).toContain('unknown category "photos"');
    const recipient = await h.api('PUT', '/api/residents/r1/sharing', { sharing: { location: ['worker', 'neighbour'] }, basis: 'in_person' });
    expect(recipient.status).toBe(400);
    expect(recipient.body.message).toContain('unknown recipient "neighbour"');
    const form = await h.api('PUT', '/api/residents/r1/sharing', { sharing: {}, basis: 'paper_form' });
    expect(form.status).toBe(400);
    expect(form.body.message).toContain('formRef');
    expect((await h.api('GET', '/api/residents/r1/sharing')).body).toEqual(before);
    expect(h.gateway.db.prepare('SELECT COUNT(*) AS n FROM sharing_records').get()).toEqual({ n: 0 });

    const viaRegistry = await h.api('PUT', '/api/residents/r1', { ...(await h.api('GET', '/api/residents/r1')).body, sharing: { vitals: ['insurer'] } });
    expect(viaRegistry.status).toBe(400);
    expect(viaRegistry.body.message).toContain('unknown recipient "insurer"');
    expect((await h.api('GET', '/api/residents/r1')).body.sharing).toEqual({ location: ['worker'] });

    const unknownDoctor = await h.api('POST', '/api/tokens', { role: 'doctor', subject: 'nobody' });
    expect(unknownDoctor.status).toBe(400);
    const unknownContact = await h.api('POST', '/api/tokens', { role: 'family', subject: 'nobody' });
    expect(unknownContact.body.message).toContain('no resident has a contact with id "nobody"');
  });
});
