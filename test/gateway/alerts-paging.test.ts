import { openAlertStream } from '../helpers/alert-stream.js';
import mqtt from 'mqtt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FakeClock } from '../helpers/fake-clock.js';
import { TEST_PROVISION, type Harness } from '../helpers/gateway-harness.js';
import type { HttpReceiver } from '../helpers/http-receiver.js';
import { startPagedGateway, stopPagedGateway } from '../helpers/paged-gateway.js';
import { waitFor } from '../helpers/wait-for.js';

/** 10:00 in Shanghai on a weekday: waking hours, outside the night digest. */
const MORNING = Date.parse('2026-11-23T02:00:00Z');
const FALL = { type: 'fall', confidence: 0.92, lat: 30.2656, lon: 120.1551 } as const;

function community(receiver: HttpReceiver, rules: object = {}) {
  return {
    ...TEST_PROVISION,
    rules,
    grids: [
      { id: 'g1', name: 'Fuxing Lane', district: 'd1', onDuty: ['w1'], backup: ['w2'], emergencyGroup: ['w3'] },
      { id: 'g2', name: 'Qingbo Gate', district: 'd2', onDuty: ['w4'] },
    ],
    workers: [
      { id: 'w1', name: 'Wang Fang', grids: ['g1'], channels: [{ type: 'webhook', url: receiver.url('/w1') }, { type: 'sms', phone: '+8613800000001' }] },
      { id: 'w2', name: 'Liu Yang', grids: ['g1'], channels: [{ type: 'webhook', url: receiver.url('/w2') }] },
      { id: 'w3', name: 'Chen Jing', grids: ['g1'], channels: [{ type: 'webhook', url: receiver.url('/w3') }] },
      { id: 'w4', name: 'Zhou Min', grids: ['g2'], channels: [{ type: 'webhook', url: receiver.url('/w4') }] },
    ],
    residents: [
      {
        id: 'r1',
        name: 'Li Guiying',
        grid: 'g1',
        address: 'Building 3, Unit 2, Room 401',
        home: { lat: 30.2655, lon: 120.1552, radiusM: 60 },
        conditions: ['copd', 'hypertension'],
        livesAlone: true,
        contacts: [{ name: 'Li Wei', relation: 'son', channels: [{ type: 'webhook', url: receiver.url('/family-r1') }] }],
      },
      { id: 'r2', name: 'Zhang Xiuying', grid: 'g2', conditions: [] },
    ],
  };
}

async function issueToken(h: Harness, role: string, subject: string): Promise<string> {
  const res = await h.api('POST', '/api/tokens', { role, subject, label: `${subject} phone` });
  expect(res.status).toBe(201);
  return res.body.token as string;
}

function entries(alert: { timeline: { type: string }[] }, type: string) {
  return alert.timeline.filter((e) => e.type === type) as any[]; // eslint-disable-line @typescript-eslint/no-explicit-any
}

describe('resident safety end to end: fall → page → escalation → ack', () => {
  let receiver: HttpReceiver;
  let clock: FakeClock;
  let h: Harness;

  beforeEach(async () => {
    ({ receiver, clock, h } = await startPagedGateway(MORNING, (r) => ({
      provision: community(r),
      overrides: { alerts: { tickMs: 60_000 }, pager: { timeoutMs: 2000, maxAttempts: 2, backoffMs: 1000 } },
    })));
  });
  afterEach(() => stopPagedGateway({ receiver, h }));

  it('pages the on-duty worker and the family once after the cancel window, escalates to backup, and stops at the ack', async () => {
    const bracelet = await h.device('b-0001');
    await bracelet.event(FALL);
    const tick = () => h.gateway.alerting.tick();

    // Inside the cancel window: nothing yet.
    clock.advance(29_000);
    await tick();
    expect((await h.api('GET', '/api/alerts')).body.alerts).toEqual([]);
    expect(receiver.requests).toEqual([]);

    clock.advance(1_000);
    await tick();
    const page = await waitFor('the page to w1', () => receiver.to('/w1')[0]);
    expect(receiver.to('/w1')).toHaveLength(1);
    expect(page.body.type).toBe('page');
    expect(page.body.alert).toMatchObject({ kind: 'fall', severity: 'critical', state: 'open', subject: 'r1', grid: 'g1' });
    expect(page.body.context.resident).toMatchObject({ name: 'Li Guiying', address: 'Building 3, Unit 2, Room 401', conditions: ['copd', 'hypertension'] });
    expect(page.body.context.location).toMatchObject({ lat: FALL.lat, lon: FALL.lon, source: 'event' });
    expect(page.body.context.nearestAeds[0]).toMatchObject({ id: 'a1' });
    expect(page.body.context.contacts).toEqual([{ name: 'Li Wei', relation: 'son', phones: [] }]);
    expect(page.body.ackUrl).toMatch(/\/ack\//);
    expect(page.headers['idempotency-key']).toMatch(/^page-\d+-0$/);
    expect(receiver.to('/w2')).toEqual([]);
    // A fall reaches the family at once, with the on-duty worker.
    const family = await waitFor('the page to the son', () => receiver.to('/family-r1')[0]);
    expect(family.body.step).toBe(0);
    const alertId = page.body.alert.id as string;

    // The next step waits 180 s for an ack.
    clock.advance(179_000);
    await tick();
    expect(receiver.to('/w2')).toEqual([]);
    clock.advance(1_000);
    await tick();
    await waitFor('the backup page', () => receiver.to('/w2').length === 1);
    expect(receiver.to('/family-r1')).toHaveLength(1);
    expect(receiver.to('/w2')[0]!.body.step).toBe(1);

    const w1 = await issueToken(h, 'worker', 'w1');
    const acked = await h.api('POST', `/api/alerts/${alertId}/ack`, { note: 'on my way' }, w1);
    expect(acked.status).toBe(200);
    expect(acked.body).toMatchObject({ state: 'acked', assignee: 'w1' });
    const again = await h.api('POST', `/api/alerts/${alertId}/ack`, {}, w1);
    expect(again.status).toBe(200);
    expect(again.body.ackedAt).toBe(acked.body.ackedAt);

    // The bracelet hears that help is coming.
    const command = await waitFor('the ack command on the bracelet', () => bracelet.commands[0]);
    expect(command).toMatchObject({ cmd: 'ack', alertId, by: 'w1', byName: 'Wang Fang' });

    // No emergency-group page after the ack.
    clock.advance(600_000);
    await tick();
    expect(receiver.to('/w3')).toEqual([]);
    expect(receiver.to('/w1')).toHaveLength(1);
    expect(receiver.to('/w2')).toHaveLength(1);

    const detail = await h.api('GET', `/api/alerts/${alertId}`, undefined, w1);
    expect(detail.status).toBe(200);
    expect(entries(detail.body, 'escalated').map((e) => e.step)).toEqual([0, 1]);
    expect(entries(detail.body, 'delivered').map((e) => e.to).sort()).toEqual(['contact:r1:0', 'w1', 'w2']);
    expect(entries(detail.body, 'acked')).toEqual([expect.objectContaining({ by: 'w1', note: 'on my way' })]);
    expect(detail.body.context.resident.name).toBe('Li Guiying');
  });

  it('records a fall cancelled inside the window as a false alarm and pages nobody', async () => {
    const bracelet = await h.device('b-0001');
    await bracelet.event(FALL);
    clock.advance(10_000);
    await bracelet.event({ type: 'cancel' });
    clock.advance(60_000);
    await h.gateway.alerting.tick();
    expect(receiver.requests).toEqual([]);
    const list = await h.api('GET', '/api/alerts?kind=fall');
    expect(list.body.alerts).toHaveLength(1);
    expect(list.body.alerts[0]).toMatchObject({ state: 'resolved', details: expect.objectContaining({ falseAlarm: true }) });
    expect(entries(list.body.alerts[0], 'escalated')).toEqual([]);
  });

  it('keeps one alert per resident and kind, counting repeats', async () => {
    const bracelet = await h.device('b-0001');
    await bracelet.event({ type: 'sos' });
    await bracelet.event({ type: 'sos' });
    await h.gateway.alerting.tick();
    const list = await h.api('GET', '/api/alerts?state=open,acked');
    expect(list.body.alerts).toHaveLength(1);
    expect(list.body.alerts[0]).toMatchObject({ kind: 'sos', occurrences: 2 });
    await waitFor('the sos page', () => receiver.to('/w1').length >= 1);
    // The second press is paged again only when it came after the first page went out (a re-page).
    expect(receiver.to('/w1').slice(1).map((r) => r.body.reason)).toEqual(receiver.to('/w1').length === 1 ? [] : ['repage']);
  });

  it('scopes alerts by grid: another grid’s worker gets 403, never sees it in the list or the stream', async () => {
    const w1 = await issueToken(h, 'worker', 'w1');
    const w4 = await issueToken(h, 'worker', 'w4');
    const streams = await Promise.all([w1, w4].map((token) => openAlertStream(h.httpUrl, token)));
    const bracelet = await h.device('b-0001');
    await bracelet.event({ type: 'sos' });
    const id = (await waitFor('the sos alert', async () => (await h.api('GET', '/api/alerts')).body.alerts[0]))!.id as string;

    expect((await h.api('GET', `/api/alerts/${id}`, undefined, w4)).status).toBe(403);
    expect((await h.api('POST', `/api/alerts/${id}/ack`, {}, w4)).status).toBe(403);
    expect((await h.api('POST', `/api/alerts/${id}/resolve`, {}, w4)).status).toBe(403);
    expect((await h.api('GET', '/api/alerts', undefined, w4)).body.alerts).toEqual([]);
    expect((await h.api('GET', '/api/alerts?grid=g1', undefined, w4)).body.alerts).toEqual([]);
    expect((await h.api('GET', '/api/alerts', undefined, w1)).body.alerts.map((a: { id: string }) => a.id)).toEqual([id]);

    // w1's stream carries it; then a g2 alert shows w4's stream works and never carried the g1 one.
    await waitFor('w1 stream event', () => streams[0]!.events.some((e) => e.alert.id === id));
    const other = await h.device('b-0002');
    await other.event({ type: 'sos' });
    await waitFor('w4 stream event', () => streams[1]!.events.some((e) => e.alert.subject === 'r2'));
    expect(streams[1]!.events.every((e) => e.alert.grid === 'g2')).toBe(true);
    expect(streams[0]!.events.every((e) => e.alert.grid === 'g1')).toBe(true);
    for (const s of streams) s.close();
  });

  it('pages the worker again while an acked critical alert stays unresolved, and stops when resolved', async () => {
    const w1 = await issueToken(h, 'worker', 'w1');
    const bracelet = await h.device('b-0001');
    await bracelet.event({ type: 'sos' });
    const page = await waitFor('the sos page', () => receiver.to('/w1')[0]);
    const id = page.body.alert.id as string;
    await h.api('POST', `/api/alerts/${id}/ack`, {}, w1);

    // The bracelet stays silent meanwhile, so a device_offline alert pages too: count this alert's pages.
    const pagesOfThis = () => receiver.to('/w1').filter((r) => r.body.alert?.id === id);
    clock.advance(29 * 60_000);
    await h.gateway.alerting.tick();
    expect(pagesOfThis()).toHaveLength(1);
    clock.advance(60_000);
    await h.gateway.alerting.tick();
    const repage = await waitFor('the re-page', () => pagesOfThis()[1]);
    expect(repage.body).toMatchObject({ reason: 'repage', alert: { id, state: 'acked' } });

    const resolved = await h.api('POST', `/api/alerts/${id}/resolve`, { note: 'checked, she is fine' }, w1);
    expect(resolved.body).toMatchObject({ state: 'resolved', assignee: 'w1' });
    clock.advance(60 * 60_000);
    await h.gateway.alerting.tick();
    expect(pagesOfThis()).toHaveLength(2);
    expect(receiver.to('/w2').filter((r) => r.body.alert?.id === id)).toEqual([]);
  });

  it('holds a low-severity alert raised at night for one morning digest', async () => {
    clock.set(Date.parse('2026-11-23T15:00:00Z')); // 23:00 in Shanghai
    const bracelet = await h.device('b-0001');
    await bracelet.status({ online: true, bat: 9 });
    await h.gateway.alerting.tick();
    const [alert] = (await h.api('GET', '/api/alerts?kind=battery_low')).body.alerts;
    expect(alert).toMatchObject({ severity: 'low', state: 'open' });
    expect(receiver.requests).toEqual([]);

    // Silent all night, the bracelet is also offline (medium: paged at once); only the low one waits.
    const digests = () => receiver.to('/w1').filter((r) => r.body.type === 'digest');
    const aboutBattery = () => receiver.requests.filter((r) => r.body.alert?.id === alert.id);
    clock.set(Date.parse('2026-11-23T22:59:00Z')); // 06:59
    await h.gateway.alerting.tick();
    expect(digests()).toEqual([]);
    expect(aboutBattery()).toEqual([]);
    clock.set(Date.parse('2026-11-23T23:00:00Z')); // 07:00
    await h.gateway.alerting.tick();
    const digest = await waitFor('the digest', () => digests()[0]);
    expect(digest.body).toMatchObject({ type: 'digest', recipient: { id: 'w1' } });
    expect(digest.body.alerts.map((a: { alert: { id: string } }) => a.alert.id)).toEqual([alert.id]);
    // In both languages, by name, one alert in the singular.
    expect(digest.body.text).toMatch(/^\[晨间汇总 Morning digest\] 夜间低优先级告警 1 条, 1 low-priority alert overnight: 手环电量低 Bracelet battery low: Li Guiying \(23 Nov, 23:00\)$/);
    clock.advance(3600_000);
    await h.gateway.alerting.tick();
    expect(digests()).toHaveLength(1);
    expect(aboutBattery()).toEqual([]);
  });

  it('shows alerts about the same resident a few minutes apart as one incident', async () => {
    const bracelet = await h.device('b-0001');
    await bracelet.event({ type: 'sos' });
    clock.advance(2 * 60_000);
    await bracelet.event(FALL);
    clock.advance(30_000);
    await h.gateway.alerting.tick();
    const alerts = (await h.api('GET', '/api/alerts')).body.alerts as { id: string; kind: string }[];
    expect(alerts.map((a) => a.kind)).toEqual(['fall', 'sos']);
    const detail = (await h.api('GET', `/api/alerts/${alerts[0]!.id}`)).body;
    expect(detail.related.map((a: { id: string }) => a.id)).toEqual([alerts[1]!.id]);
  });

  it('tells the workers’ apps over MQTT: alerts/grid/{grid} for the grid, alerts/person/{id} as a page channel', async () => {
    await h.gateway.registry.put('workers', { id: 'w1', name: 'Wang Fang', grids: ['g1'], channels: [{ type: 'mqtt' }] });
    const token = await issueToken(h, 'worker', 'w1');
    const app = await mqtt.connectAsync(h.mqttUrl, { clientId: 'w1-phone', username: 'token', password: token, reconnectPeriod: 0 });
    const received: { topic: string; body: any }[] = []; // eslint-disable-line @typescript-eslint/no-explicit-any
    app.on('message', (topic, payload) => received.push({ topic, body: JSON.parse(payload.toString()) }));
    await app.subscribeAsync(['alerts/grid/g1', 'alerts/person/w1'], { qos: 1 });
    const bracelet = await h.device('b-0001');
    await bracelet.event({ type: 'sos' });
    const page = await waitFor('the page on the person topic', () => received.find((m) => m.topic === 'alerts/person/w1'));
    expect(page.body).toMatchObject({ type: 'page', alert: { kind: 'sos', subject: 'r1' } });
    const change = received.find((m) => m.topic === 'alerts/grid/g1')!;
    expect(change.body).toMatchObject({ change: ['alertRaised'], alert: { kind: 'sos', state: 'open', grid: 'g1' } });
    const id = page.body.alert.id as string;
    await waitFor('delivered over mqtt', async () => entries((await h.api('GET', `/api/alerts/${id}`)).body, 'delivered').some((e) => e.channel === 'mqtt'));
    await app.endAsync();
  });

  it('takes rule overrides per grid and per resident, refusing unknown ones', async () => {
    const grid = (await h.api('GET', '/api/grids/g2')).body;
    expect((await h.api('PUT', '/api/grids/g2', { ...grid, rules: { fall: { cancelWindowS: 0 } } })).status).toBe(200);
    const resident = (await h.api('GET', '/api/residents/r1')).body;
    expect((await h.api('PUT', '/api/residents/r1', { ...resident, thresholds: { hrMax: 120, fall: { cancelWindowS: 5 } } })).status).toBe(200);
    const bad = await h.api('PUT', '/api/residents/r1', { ...resident, thresholds: { noMotion: { afterS: 60, sleepy: true } } });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toContain('sleepy');

    const other = await h.device('b-0002');
    await other.event(FALL);
    await waitFor('the g2 fall paged at once', () => receiver.to('/w4').length === 1);
    const own = await h.device('b-0001');
    await own.event(FALL);
    clock.advance(4_000);
    await h.gateway.alerting.tick();
    expect(receiver.to('/w1')).toEqual([]);
    clock.advance(1_000);
    await h.gateway.alerting.tick();
    await waitFor('r1’s fall after its own 5 s window', () => receiver.to('/w1').length === 1);
  });

  it('refuses bad ack bodies and unknown alerts with a clear error', async () => {
    const w1 = await issueToken(h, 'worker', 'w1');
    expect((await h.api('POST', '/api/alerts/nope/ack', {}, w1)).status).toBe(404);
    const bracelet = await h.device('b-0001');
    await bracelet.event({ type: 'sos' });
    const id = (await waitFor('alert', async () => (await h.api('GET', '/api/alerts')).body.alerts[0]))!.id as string;
    const bad = await h.api('POST', `/api/alerts/${id}/ack`, { note: 42 }, w1);
    expect(bad.status).toBe(400);
    expect(bad.body.error).toBe('GW_ERR_HTTP_BAD_REQUEST');
    const extra = await h.api('POST', `/api/alerts/${id}/resolve`, { note: 'x', by: 'someone' }, w1);
    expect(extra.status).toBe(400);
    expect((await h.api('GET', '/api/alerts?state=closed')).status).toBe(400);
    expect((await h.api('GET', `/api/alerts/${id}`)).body.state).toBe('open');
  });

  it('acks through the signed link in the page, and refuses a tampered link', async () => {
    const bracelet = await h.device('b-0001');
    await bracelet.event({ type: 'sos' });
    const page = await waitFor('page', () => receiver.to('/w1')[0]);
    const link = page.body.ackUrl as string;
    const path = new URL(link).pathname;
    const view = await h.gateway.http.inject({ method: 'GET', url: path });
    expect(view.statusCode).toBe(200);
    expect(view.body).toContain('Li Guiying');
    // Looking at the link acks nothing.
    expect((await h.api('GET', `/api/alerts/${page.body.alert.id}`)).body.state).toBe('open');
    const tampered = await h.gateway.http.inject({ method: 'POST', url: path.slice(0, -3) + 'AAA' });
    expect(tampered.statusCode).toBe(404);
    const confirm = await h.gateway.http.inject({ method: 'POST', url: path, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: '' });
    expect(confirm.statusCode).toBe(200);
    const after = (await h.api('GET', `/api/alerts/${page.body.alert.id}`)).body;
    expect(after).toMatchObject({ state: 'acked', assignee: 'w1' });
  });
});

describe('pager delivery: retries, fall-through, timeouts', () => {
  let receiver: HttpReceiver;
  let clock: FakeClock;
  let h: Harness;

  beforeEach(async () => {
    ({ receiver, clock, h } = await startPagedGateway(MORNING, (r) => ({
      provision: community(r, { fall: { cancelWindowS: 0 } }),
      overrides: {
        alerts: { tickMs: 60_000 },
        pager: {
          timeoutMs: 300,
          maxAttempts: 2,
          backoffMs: 1000,
          sms: { url: r.url('/sms'), contentType: 'application/json', bodyTemplate: '{"to":"{{phone}}","message":"{{text}}"}' },
        },
      },
    })));
  });
  afterEach(() => stopPagedGateway({ receiver, h }));

  for (const failure of [500, 'hang'] as const) {
    it(`retries a webhook that ${failure === 500 ? 'answers 500' : 'never answers'}, then falls through to SMS, and the timeline says so`, async () => {
      receiver.answer('/w1', failure);
      const bracelet = await h.device('b-0001');
      await bracelet.event(FALL);
      await h.gateway.alerting.tick();
      await waitFor('first attempt', () => receiver.to('/w1').length === 1);
      const alertId = (await h.api('GET', '/api/alerts')).body.alerts[0].id as string;
      await waitFor('the failed attempt on the timeline', async () => entries((await h.api('GET', `/api/alerts/${alertId}`)).body, 'failed').length === 1);
      expect(receiver.to('/sms')).toEqual([]);

      clock.advance(1_000);
      await h.gateway.alerting.tick();
      const sms = await waitFor('the SMS', () => receiver.to('/sms')[0]);
      expect(sms.body.to).toBe('+8613800000001');
      expect(sms.body.message).toContain('Li Guiying');
      expect(sms.body.message).toContain('/ack/');

      // Nothing more goes out for this step.
      clock.advance(60_000);
      await h.gateway.alerting.tick();
      expect(receiver.to('/w1')).toHaveLength(2);
      expect(receiver.to('/sms')).toHaveLength(1);
      const alert = (await h.api('GET', `/api/alerts/${alertId}`)).body;
      // The worker's own route (the family is paged in the same step, on its own).
      const steps = alert.timeline
        .filter((e: { type: string; to: string }) => ['paged', 'failed', 'delivered'].includes(e.type) && e.to === 'w1')
        .map((e: { type: string; channel: string }) => `${e.type}:${e.channel}`);
      expect(steps).toEqual(['paged:webhook', 'failed:webhook', 'failed:webhook', 'paged:sms', 'delivered:sms']);
      const reason = failure === 500 ? 'HTTP 500' : 'no answer within 300 ms';
      expect(entries(alert, 'failed').map((e) => e.error)).toEqual([`attempt 1 of 2: ${reason}`, `attempt 2 of 2: ${reason}`]);
      // Why, in a word an app translates; the channel's text above is for whoever fixes it.
      const code = failure === 500 ? 'refused' : 'no_answer';
      expect(entries(alert, 'failed').map((e) => [e.code, e.attempt, e.maxAttempts])).toEqual([
        [code, 1, 2],
        [code, 2, 2],
      ]);
    });
  }

  it('notes on the timeline when nobody could be reached, and counts it', async () => {
    receiver.answer('/w1', 503);
    await h.gateway.registry.put('workers', { id: 'w1', name: 'Wang Fang', grids: ['g1'], channels: [{ type: 'webhook', url: receiver.url('/w1') }] });
    const bracelet = await h.device('b-0001');
    await bracelet.event({ type: 'sos' });
    await waitFor('first attempt', () => receiver.to('/w1').length === 1);
    const alertId = (await h.api('GET', '/api/alerts')).body.alerts[0].id as string;
    // The retry is timed from the failure: wait for it to be recorded before moving the clock.
    await waitFor('the failed attempt on the timeline', async () => entries((await h.api('GET', `/api/alerts/${alertId}`)).body, 'failed').length === 1);
    clock.advance(1_000);
    await h.gateway.alerting.tick();
    const alert = await waitFor('the undeliverable note', async () => {
      const body = (await h.api('GET', `/api/alerts/${alertId}`)).body;
      return entries(body, 'note').some((e) => e.text === 'Could not reach Wang Fang on any channel.' && e.zh === '所有方式均未能联系到Wang Fang。') ? body : undefined;
    });
    expect(entries(alert, 'failed')).toHaveLength(2);
    const metrics = await h.api('GET', '/metrics');
    expect(metrics.body).toMatch(/gateway_pages_undeliverable_total 1/);
  });
});
