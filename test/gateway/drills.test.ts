import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../helpers/gateway-harness.js';
import type { FakeClock } from '../helpers/fake-clock.js';
import type { HttpReceiver } from '../helpers/http-receiver.js';
import { startPagedGateway, stopPagedGateway } from '../helpers/paged-gateway.js';
import { waitFor } from '../helpers/wait-for.js';

const MORNING = Date.parse('2026-03-10T09:00:00+08:00');
const FUXING = { lat: 30.2655, lon: 120.1552 };

function community(r: HttpReceiver) {
  return {
    timeZone: 'Asia/Shanghai',
    grids: [
      { id: 'g1', name: 'Fuxing Lane', onDuty: ['w1'], backup: ['w2'], emergencyGroup: ['v1'] },
      { id: 'g2', name: 'Qingbo Gate', onDuty: ['w3'] },
    ],
    workers: [
      { id: 'w1', name: 'Wang Fang', grids: ['g1'], channels: [{ type: 'webhook', url: r.url('/w1') }] },
      // Backup's phone app is down: the report must say which channel failed; the SMS gets through.
      { id: 'w2', name: 'Liu Yang', grids: ['g1'], channels: [{ type: 'webhook', url: r.url('/w2') }, { type: 'sms', phone: '+8613800000002' }] },
      { id: 'w3', name: 'Chen Jing', grids: ['g2'], channels: [] },
    ],
    responders: [{ id: 'v1', name: 'Zhao Lei', certifiedUntil: '2030-01-01', available: true, lat: 30.2656, lon: 120.1553, channels: [{ type: 'webhook', url: r.url('/v1') }] }],
    residents: [
      { id: 'r1', name: 'Li Guiying', grid: 'g1', address: 'Building 3, Unit 2, Room 401', contacts: [{ name: 'Li Wei', relation: 'son', channels: [{ type: 'webhook', url: r.url('/family') }] }] },
      { id: 'r2', name: 'Zhang Xiuying', grid: 'g2' },
    ],
    devices: [{ id: 'b-0001', kind: 'bracelet', secret: 'drill-secret-b-0001', resident: 'r1' }],
    aeds: [{ id: 'a1', lat: 30.2661, lon: 120.1549, grid: 'g1', accessHours: '24/7', description: 'Community health station, ground floor' }],
  };
}

describe('drills, end to end through the real pager and channels', () => {
  let receiver: HttpReceiver;
  let clock: FakeClock;
  let h: Harness;
  const tick = () => h.gateway.alerting.tick();
  const token = async (role: string, subject: string): Promise<string> => (await h.api('POST', '/api/tokens', { role, subject, label: subject })).body.token as string;

  beforeEach(async () => {
    ({ receiver, clock, h } = await startPagedGateway(MORNING, (r) => ({
      provision: community(r),
      overrides: {
        alerts: { tickMs: 60_000 },
        pager: { timeoutMs: 2000, maxAttempts: 2, backoffMs: 1000, sms: { url: r.url('/sms'), contentType: 'application/json', bodyTemplate: '{"to":"{{phone}}","message":"{{text}}"}' } },
      },
    })));
    receiver.answer('/w2', 500);
  });
  afterEach(() => stopPagedGateway({ receiver, h }));

  it('a fall drill pages marked DRILL, is no real alert, and reports who acked after how long against the grid’s waits', async () => {
    const w1 = await token('worker', 'w1');
    const w2 = await token('worker', 'w2');
    const started = await h.api('POST', '/api/drills', { grid: 'g1', scenario: 'fall', at: FUXING, resident: 'r1' }, w1);
    expect(started.status).toBe(201);
    const { id } = started.body;
    expect(started.body).toMatchObject({ state: 'running', scenario: 'fall', grid: { name: 'Fuxing Lane' }, resident: { name: 'Li Guiying' }, startedBy: { name: 'Wang Fang' } });
    // Like a real fall, nobody is paged inside the 30 s cancel window.
    expect(started.body.alertId).toBeNull();
    clock.advance(29_000);
    await tick();
    expect((await h.api('GET', `/api/drills/${id}`)).body.alertId).toBeNull();
    clock.advance(1_000);
    await tick();
    const alertId = (await h.api('GET', `/api/drills/${id}`)).body.alertId as string;
    expect(alertId).toEqual(expect.any(String));

    const page = await waitFor('the drill page to w1', () => receiver.to('/w1')[0]);
    expect(page.body).toMatchObject({ drill: true, alert: { id: alertId, kind: 'fall', drill: id } });
    expect(page.body.text.startsWith('[演练 DRILL]')).toBe(true);
    expect(page.body.text).toContain('Li Guiying');

    // Never a real alert: not listed, not counted.
    expect((await h.api('GET', '/api/alerts')).body.alerts).toEqual([]);
    expect((await h.api('GET', '/api/alerts?drill=only')).body.alerts.map((a: { id: string }) => a.id)).toEqual([alertId]);
    const metrics = (await h.api('GET', '/metrics')).body as string;
    expect(metrics).not.toMatch(/gateway_alerts_raised_total\{kind="fall"/);
    expect(metrics).toMatch(/gateway_alerts_active 0/);

    // Nobody acks within 3 min: backup (app fails, SMS delivers) and family.
    clock.advance(180_000);
    await tick();
    await waitFor('step 1: w2’s app failing, family', () => receiver.to('/w2').length === 1 && receiver.to('/family').length === 1, 20_000);
    // The retry is timed from the failure: wait for it to be recorded before moving the clock.
    await waitFor('w2’s failed attempt on the timeline', async () => {
      const timeline = (await h.api('GET', `/api/alerts/${alertId}`)).body.timeline as { type: string; to?: string }[];
      return timeline.some((e) => e.type === 'failed' && e.to === 'w2');
    });
    clock.advance(1_000);
    await tick();
    await waitFor('the second try, then the SMS', () => receiver.to('/sms').length === 1, 20_000);
    expect(receiver.to('/w2')).toHaveLength(2);
    expect(receiver.to('/sms')[0]!.body.message.startsWith('[演练 DRILL]')).toBe(true);
    clock.advance(19_000);
    expect((await h.api('POST', `/api/alerts/${alertId}/ack`, {}, w2)).status).toBe(200);
    clock.advance(10_000);
    expect((await h.api('POST', `/api/alerts/${alertId}/ack`, {}, w1)).status).toBe(200);
    clock.advance(60_000);
    expect((await h.api('POST', `/api/alerts/${alertId}/resolve`, { note: 'drill done' }, w1)).status).toBe(200);

    const report = (await h.api('GET', `/api/drills/${id}`, undefined, w2)).body;
    expect(report).toMatchObject({ state: 'ended', endReason: 'resolved', targets: { firstAckWithinS: 180, stepWaitsS: [180, 300] }, met: { firstAck: false } });
    expect(report.firstAck).toEqual({ person: { id: 'w2', name: 'Liu Yang' }, afterS: 230 });
    const person = (pid: string) => report.people.find((p: { person: { id: string } }) => p.person.id === pid);
    expect(person('w1')).toMatchObject({ firstPagedAfterS: 30, deliveredBy: 'webhook', ackedAfterS: 240, withinTarget: false });
    expect(person('w2')).toMatchObject({ firstPagedAfterS: 210, deliveredBy: 'sms', ackedAfterS: 230, ackedAfterPageS: 20, withinTarget: true });
    expect(person('contact:r1:0')).toMatchObject({ person: { name: 'Li Wei' }, deliveredBy: 'webhook', ackedAfterS: null });
    expect(report.failedChannels).toEqual([{ person: { id: 'w2', name: 'Liu Yang' }, channel: 'webhook', attempts: 2, error: expect.stringContaining('HTTP 500') }]);
    expect(report.previous).toBeNull();

    const csv = await h.api('GET', `/api/drills/${id}?format=csv`, undefined, w1);
    expect(csv.status).toBe(200);
    const lines = (csv.body as string).trim().split('\r\n');
    expect(lines[0]).toContain('person,channel,step');
    expect(lines.filter((l) => l.includes('Liu Yang'))).toHaveLength(2);
    expect(lines.some((l) => l.includes('Liu Yang') && l.includes(',failed,2,'))).toBe(true);
    expect(csv.body).not.toMatch(/,w2,|,w1,/);
    // The export names the people paged, as the JSON report does, but nothing of the resident:
    // neither her name nor her address nor where the drill placed her.
    for (const text of ['Li Guiying', 'Building 3', String(FUXING.lat), String(FUXING.lon)]) expect(csv.body).not.toContain(text);
    // Same callers as the JSON report: a worker of another grid gets neither.
    const w3 = await token('worker', 'w3');
    const otherGrid = await h.api('GET', `/api/drills/${id}`, undefined, w3);
    expect(otherGrid.status).not.toBe(200);
    expect((await h.api('GET', `/api/drills/${id}?format=csv`, undefined, w3)).status).toBe(otherGrid.status);

    // The next drill is compared with this one.
    clock.advance(3_600_000);
    const second = await h.api('POST', '/api/drills', { grid: 'g1', scenario: 'sos', at: FUXING }, w1);
    await waitFor('the second drill page', () => receiver.to('/w1').length === 2);
    clock.advance(30_000);
    await h.api('POST', `/api/alerts/${second.body.alertId}/ack`, {}, w1);
    const compared = (await h.api('GET', `/api/drills/${second.body.id}`)).body;
    expect(compared.previous).toMatchObject({ id, firstAckAfterS: 230, pagesFailed: 1 });
    expect(compared.comparison).toEqual({ firstAckChangeS: -200 });
    expect(compared.met.firstAck).toBe(true);
    const list = (await h.api('GET', '/api/drills', undefined, w1)).body.drills.map((d: { id: string }) => d.id);
    expect(list).toEqual([second.body.id, id]);
  });

  it('a fall drill waits out the cancel window across a restart, then pages once', async () => {
    const started = await h.api('POST', '/api/drills', { grid: 'g1', scenario: 'fall', at: FUXING, resident: 'r1' });
    const { id } = started.body;
    clock.advance(20_000);
    await tick();
    expect(receiver.requests).toEqual([]);
    // The gateway stops inside the window and comes back on the same store after it.
    const dataDir = h.dataDir;
    await h.stop();
    clock.advance(15_000);
    h = await startHarness({ dataDir, provision: community(receiver), now: clock.now, overrides: { alerts: { tickMs: 60_000 }, pager: { timeoutMs: 2000, maxAttempts: 2, backoffMs: 1000 } } });
    await tick();
    const alertId = (await h.api('GET', `/api/drills/${id}`)).body.alertId as string;
    expect(alertId).toEqual(expect.any(String));
    await waitFor('the drill page to w1', () => receiver.to('/w1').length === 1);
    const alert = (await h.api('GET', `/api/alerts/${alertId}`)).body;
    // Raised when the window closed on the clock (the first tick after it), once.
    expect(Date.parse(alert.createdAt)).toBe(MORNING + 35_000);
    expect(alert.occurrences).toBe(1);
    await tick();
    clock.advance(1_000);
    await tick();
    expect(receiver.to('/w1')).toHaveLength(1);
    expect((await h.api('GET', '/api/drills')).body.drills).toHaveLength(1);
  });

  it('an AED drill asks the nearest responder through the real dispatch and reports who went for the cabinet', async () => {
    const started = await h.api('POST', '/api/drills', { grid: 'g1', scenario: 'aed_opened', at: FUXING });
    expect(started.status).toBe(201);
    expect(started.body.aed).toMatchObject({ id: 'a1', description: 'Community health station, ground floor' });
    const asked = await waitFor('the dispatch page to v1', () => receiver.to('/v1').find((r) => r.body.reason === 'dispatch'));
    expect(asked.body).toMatchObject({ drill: true });
    expect(asked.body.text.startsWith('[演练 DRILL]')).toBe(true);
    // The cabinet is named by its place, never by its id.
    expect(asked.body.context.cabinet).toMatchObject({ description: 'Community health station, ground floor' });
    expect(asked.body.text).toContain('AED柜 cabinet: Community health station, ground floor');
    expect(asked.body.text).not.toMatch(/\ba1\b/);
    clock.advance(25_000);
    const v1 = await token('responder', 'v1');
    expect((await h.api('POST', `/api/dispatches/${started.body.alertId}/accept`, undefined, v1)).status).toBe(200);
    const report = (await h.api('GET', `/api/drills/${started.body.id}`)).body;
    expect(report.reachedAed).toEqual([{ person: { id: 'v1', name: 'Zhao Lei' }, acceptedAfterS: 25 }]);
    expect(report.responders).toMatchObject([{ person: { name: 'Zhao Lei' }, answer: 'accepted' }]);
    expect((await h.api('GET', '/api/alerts')).body.alerts).toEqual([]);
  });

  it('refuses a drill for another grid, an unknown resident or a resident of another grid, with stable codes', async () => {
    const w3 = await token('worker', 'w3');
    expect(await h.api('POST', '/api/drills', { grid: 'g1', scenario: 'fall', at: FUXING }, w3)).toMatchObject({ status: 403, body: { error: 'GW_ERR_AUTH_FORBIDDEN' } });
    expect(await h.api('POST', '/api/drills', { grid: 'g1', scenario: 'fall', at: FUXING, resident: 'r9' })).toMatchObject({ status: 400, body: { error: 'GW_ERR_DRILL_INVALID' } });
    const other = await h.api('POST', '/api/drills', { grid: 'g1', scenario: 'fall', at: FUXING, resident: 'r2' });
    expect(other).toMatchObject({ status: 400, body: { error: 'GW_ERR_DRILL_INVALID', message: 'Zhang Xiuying does not live in Fuxing Lane' } });
    expect(await h.api('POST', '/api/drills', { grid: 'g1', scenario: 'flood', at: FUXING })).toMatchObject({ status: 400, body: { error: 'GW_ERR_HTTP_BAD_REQUEST' } });
    expect((await h.api('GET', '/api/drills', undefined, w3)).body.drills).toEqual([]);
    expect(receiver.requests).toEqual([]);
  });
});
