import { afterEach, describe, expect, it } from 'vitest';
import { fakeClock } from '../helpers/fake-clock.js';
import { ADMIN_TOKEN, TEST_PROVISION, startHarness, type Harness } from '../helpers/gateway-harness.js';
import { waitFor } from '../helpers/wait-for.js';

/** 10:00 in Shanghai on a Monday. */
const MORNING = Date.parse('2026-11-23T02:00:00Z');

/** Dr Chen's one patient, Li Guiying, among twelve neighbours in the same grid. */
const PROVISION = {
  ...TEST_PROVISION,
  doctors: [{ id: 'doc1', name: 'Dr Chen', grids: ['g1'], channels: [] }],
  residents: [
    {
      id: 'r1',
      name: 'Li Guiying',
      grid: 'g1',
      doctor: 'doc1',
      home: { lat: 30.2655, lon: 120.1552, radiusM: 60 },
      conditions: ['copd'],
      sharing: { location: ['worker'], conditions: ['doctor'] },
      contacts: [{ id: 'fam1', name: 'Li Wei', relation: 'son', channels: [] }],
    },
    ...Array.from({ length: 12 }, (_, i) => ({ id: `n${i}`, name: `Neighbour ${i}`, grid: 'g1', home: { lat: 30.266, lon: 120.155, radiusM: 50 } })),
    { id: 'r2', name: 'Zhang Xiuying', grid: 'g2' },
  ],
};

let h: Harness | undefined;
afterEach(async () => {
  await h?.dispose();
  h = undefined;
});

async function token(gw: Harness, role: string, subject: string): Promise<string> {
  return (await gw.api('POST', '/api/tokens', { role, subject })).body.token as string;
}

describe('reads within sharing', () => {
  it('a doctor and a family member get their newest alerts even when a busy grid’s newer rows come first (limit after filtering)', async () => {
    const clock = fakeClock(MORNING);
    h = await startHarness({ provision: PROVISION, now: clock.now });
    const service = h.gateway.alerting.service;
    const sos = await service.raise({ kind: 'sos', severity: 'critical', subject: 'r1', grid: 'g1', details: {}, occurredAtMs: clock.now() });
    for (let i = 0; i < 12; i++) {
      clock.advance(1000);
      await service.raise({ kind: 'battery_low', severity: 'low', subject: `n${i}`, grid: 'g1', details: { bat: 9 }, occurredAtMs: clock.now() });
    }
    const doctor = await token(h, 'doctor', 'doc1');
    const son = await token(h, 'family', 'fam1');
    for (const who of [doctor, son]) {
      const res = await h.api('GET', '/api/alerts?limit=1', undefined, who);
      expect(res.status).toBe(200);
      expect(res.body.alerts.map((a: { id: string }) => a.id)).toEqual([sos.id]);
    }
    // The worker sees the grid's newest, as before.
    const worker = await token(h, 'worker', 'w1');
    const byWorker = (await h.api('GET', '/api/alerts?limit=3', undefined, worker)).body.alerts as { subject: string }[];
    expect(byWorker.map((a) => a.subject)).toEqual(['n11', 'n10', 'n9']);
  });

  it('what the alert stream sends about a resident is in the access log, as the viewer received it', async () => {
    const clock = fakeClock(MORNING);
    h = await startHarness({ provision: PROVISION, now: clock.now });
    const worker = await token(h, 'worker', 'w1');
    const controller = new AbortController();
    const res = await fetch(`${h.httpUrl}/api/alerts/stream`, { headers: { authorization: `Bearer ${worker}` }, signal: controller.signal });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let received = '';
    const reading = (async () => {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        received += decoder.decode(value);
      }
    })().catch(() => undefined);
    await waitFor('the stream’s hello', () => received.includes('event: hello'));
    await h.gateway.alerting.service.raise({ kind: 'wandering', severity: 'high', subject: 'r1', grid: 'g1', details: { lat: 30.27, lon: 120.16, distanceM: 900 }, occurredAtMs: clock.now() });
    await waitFor('the wandering alert on the stream', () => received.includes('"wandering"'));
    controller.abort();
    await reading;
    const audit = (await h.api('GET', '/api/audit?actor=w1', undefined, ADMIN_TOKEN)).body.entries as { action: string; resident: string; category: string; ground: string }[];
    const streamed = audit.filter((e) => e.action === 'stream');
    expect(streamed).toEqual(expect.arrayContaining([expect.objectContaining({ resident: 'r1', category: 'location', ground: 'consent' })]));
    expect(streamed.every((e) => e.resident === 'r1')).toBe(true);
  });

  it('GET /api/residents/:id answers each carer within the sharing choices, refuses the others, and logs every read', async () => {
    const clock = fakeClock(MORNING);
    h = await startHarness({ provision: PROVISION, now: clock.now });
    const worker = await token(h, 'worker', 'w1');
    const otherWorker = await token(h, 'worker', 'w2');
    const doctor = await token(h, 'doctor', 'doc1');
    const son = await token(h, 'family', 'fam1');
    const byWorker = (await h.api('GET', '/api/residents/r1', undefined, worker)).body;
    expect(byWorker).toMatchObject({ name: 'Li Guiying', home: { lat: 30.2655 }, conditions: [] });
    const byDoctor = (await h.api('GET', '/api/residents/r1', undefined, doctor)).body;
    expect(byDoctor).toMatchObject({ name: 'Li Guiying', conditions: ['copd'] });
    expect(byDoctor.home).toBeUndefined();
    const bySon = (await h.api('GET', '/api/residents/r1', undefined, son)).body;
    expect(bySon.home).toBeUndefined();
    expect(bySon.conditions).toEqual([]);
    expect((await h.api('GET', '/api/residents/r1')).body).toMatchObject({ home: { lat: 30.2655 }, conditions: ['copd'] });
    expect((await h.api('GET', '/api/residents/r1', undefined, otherWorker)).status).toBe(403);
    expect((await h.api('GET', '/api/residents/r2', undefined, son)).status).toBe(403);
    expect((await h.api('GET', '/api/residents', undefined, worker)).status).toBe(403);
    const audit = (await h.api('GET', '/api/audit?resident=r1')).body.entries as { actor: string; action: string; category: string }[];
    const reads = audit.filter((e) => e.action === 'read_resident');
    expect(reads).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ actor: 'w1', category: 'location' }),
        expect.objectContaining({ actor: 'doc1', category: 'conditions' }),
        expect.objectContaining({ actor: 'fam1', category: 'profile' }),
        expect.objectContaining({ actor: 'admin', category: 'vitals' }),
      ]),
    );
    expect(reads.some((e) => e.actor === 'w1' && e.category === 'conditions')).toBe(false);
  });

  it('the map shows where a resident with an open alert is only as their choices or the emergency rule allow, and logs it', async () => {
    const clock = fakeClock(MORNING);
    h = await startHarness({ provision: PROVISION, now: clock.now });
    const service = h.gateway.alerting.service;
    await service.raise({ kind: 'battery_low', severity: 'low', subject: 'n0', grid: 'g1', details: { bat: 9 }, occurredAtMs: clock.now() });
    await service.raise({ kind: 'battery_low', severity: 'low', subject: 'n1', grid: 'g1', details: { bat: 9 }, occurredAtMs: clock.now() });
    await service.raise({ kind: 'fall', severity: 'critical', subject: 'n1', grid: 'g1', details: { lat: 30.2671, lon: 120.1533 }, occurredAtMs: clock.now() });
    const worker = await token(h, 'worker', 'w1');
    const placeOf = (map: { residents: { id: string; location: unknown }[] }, id: string): unknown => map.residents.find((r) => r.id === id)?.location;
    const byWorker = (await h.api('GET', '/api/map', undefined, worker)).body;
    // n0 shares nothing: the worker sees that she has an alert, not where her home is.
    expect(placeOf(byWorker, 'n0')).toBeNull();
    // n1 fell: the fall's place reaches the worker under the emergency rule.
    expect(placeOf(byWorker, 'n1')).toMatchObject({ lat: 30.2671, lon: 120.1533 });
    const byAdmin = (await h.api('GET', '/api/map')).body;
    expect(placeOf(byAdmin, 'n0')).toMatchObject({ lat: 30.266, lon: 120.155 });
    const audit = (await h.api('GET', '/api/audit?actor=w1')).body.entries as { action: string; resident: string; category: string; ground: string }[];
    expect(audit).toEqual(expect.arrayContaining([expect.objectContaining({ action: 'read_map', resident: 'n1', category: 'location', ground: 'emergency' })]));
    expect(audit.some((e) => e.action === 'read_map' && e.resident === 'n0' && e.category === 'location')).toBe(false);
  });

  it('opening a page’s ack link is a read of the resident, logged under the person the link was made for', async () => {
    const clock = fakeClock(MORNING);
    h = await startHarness({ provision: PROVISION, now: clock.now });
    const sos = await h.gateway.alerting.service.raise({ kind: 'sos', severity: 'critical', subject: 'r1', grid: 'g1', details: {}, occurredAtMs: clock.now() });
    const link = new URL(h.gateway.alerting.ackLinks.url(sos.id, 'w1'));
    const res = await fetch(`${h.httpUrl}${link.pathname}`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('Li Guiying');
    const audit = (await h.api('GET', '/api/audit?actor=w1')).body.entries as { action: string; resident: string; category: string; ground: string }[];
    expect(audit.filter((e) => e.action === 'read_ack_page')).toEqual([expect.objectContaining({ resident: 'r1', category: 'profile', ground: 'emergency' })]);
  });
});
