import { afterEach, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import { TEST_PROVISION, makeDataDir, startHarness } from '../helpers/gateway-harness.js';
import type { HttpReceiver } from '../helpers/http-receiver.js';
import { startPagedGateway, stopPagedGateway, type PagedGateway } from '../helpers/paged-gateway.js';
import { waitFor } from '../helpers/wait-for.js';

const MORNING = Date.parse('2026-11-23T02:00:00Z');
const FALL = { type: 'fall', confidence: 0.92, lat: 30.2656, lon: 120.1551 } as const;
const TEMPLATE = '{"ref":"{{alertId}}","kind":"{{kind}}","name":"{{residentName}}","address":"{{address}}","access":"{{accessNotes}}","lat":{{lat}},"lon":{{lon}},"conditions":"{{conditions}}","aeds":"{{aeds}}","onTheWay":"{{onTheWay}}"}';

function community(receiver: HttpReceiver, template = TEMPLATE) {
  return {
    ...TEST_PROVISION,
    dispatch120: { url: receiver.url('/120'), bodyTemplate: template },
    grids: [
      { id: 'g1', name: 'Fuxing Lane', district: 'd1', onDuty: ['w1'], dispatch120: { afterS: 120, on: ['fall', 'sos', 'vitals_critical'] } },
      { id: 'g2', name: 'Qingbo Gate', district: 'd2', onDuty: ['w2'] },
    ],
    workers: [
      { id: 'w1', name: 'Wang Fang', grids: ['g1'], channels: [{ type: 'webhook', url: receiver.url('/w1') }] },
      { id: 'w2', name: 'Liu Yang', grids: ['g2'], channels: [] },
    ],
    residents: [
      {
        id: 'r1',
        name: 'Li Guiying',
        grid: 'g1',
        address: 'Building 3, Unit 2, Room 401',
        accessNotes: 'Key with the neighbour in 402',
        conditions: ['copd'],
        sharing: { conditions: ['responder'] },
      },
      { id: 'r2', name: 'Zhang Xiuying', grid: 'g2' },
    ],
  };
}

let g: PagedGateway | undefined;
afterEach(async () => {
  if (g !== undefined) await stopPagedGateway(g);
  g = undefined;
});

describe('120 handoff', () => {
  it('hands an unacked fall to the centre once, after the policy’s delay, with what the resident allows; the reference goes on the timeline', async () => {
    g = await startPagedGateway(MORNING, (r) => ({ provision: community(r), overrides: { alerts: { tickMs: 60_000 } } }));
    const { h, receiver, clock } = g;
    receiver.answer('/120', 201, '{"reference":"HZ120-7781","status":"dispatched"}');
    const bracelet = await h.device('b-0001');
    await bracelet.event(FALL);
    clock.advance(30_000);
    await h.gateway.alerting.tick();
    const page = await waitFor('the worker’s page', () => receiver.to('/w1')[0]);
    const alertId = page.body.alert.id as string;
    // "On the way" names who was reached: wait for the delivery to be recorded.
    await waitFor('the delivery on the timeline', async () => (await h.api('GET', `/api/alerts/${alertId}`)).body.timeline.some((e: { type: string }) => e.type === 'delivered'));

    clock.advance(119_000);
    await h.gateway.alerting.tick();
    expect(receiver.to('/120')).toEqual([]);
    clock.advance(1_000);
    await h.gateway.alerting.tick();
    const handoff = await waitFor('the handoff', () => receiver.to('/120')[0]);
    expect(handoff.headers['idempotency-key']).toBe(`handoff-${alertId}`);
    expect(handoff.body).toMatchObject({
      ref: alertId,
      kind: 'fall',
      name: 'Li Guiying',
      address: 'Building 3, Unit 2, Room 401',
      access: 'Key with the neighbour in 402',
      lat: FALL.lat,
      lon: FALL.lon,
      conditions: 'copd',
      onTheWay: 'Wang Fang',
    });
    const alert = await waitFor('the reference on the timeline', async () => {
      const body = (await h.api('GET', `/api/alerts/${alertId}`)).body;
      return body.timeline.some((e: { type: string; text?: string }) => e.type === 'note' && e.text?.includes('HZ120-7781')) && body;
    });
    expect(alert.state).toBe('open');
    for (let i = 0; i < 3; i++) {
      clock.advance(60_000);
      await h.gateway.alerting.tick();
    }
    expect(receiver.to('/120')).toHaveLength(1);
  });

  it('sends nothing when someone acks first', async () => {
    g = await startPagedGateway(MORNING, (r) => ({ provision: community(r), overrides: { alerts: { tickMs: 60_000 } } }));
    const { h, receiver, clock } = g;
    const bracelet = await h.device('b-0001');
    await bracelet.event({ type: 'sos' });
    const page = await waitFor('the worker’s page', () => receiver.to('/w1')[0]);
    expect((await h.api('POST', `/api/alerts/${page.body.alert.id}/ack`, { note: 'on my way' })).status).toBe(200);
    clock.advance(300_000);
    await h.gateway.alerting.tick();
    expect(receiver.to('/120')).toEqual([]);
  });

  it('refuses at load a template that does not render', async () => {
    const receiver = { url: (p: string) => `http://127.0.0.1:9${p}` } as HttpReceiver;
    const dataDir = makeDataDir();
    try {
      await expect(startHarness({ dataDir, provision: community(receiver, '{"name": {{residentName}}') })).rejects.toThrow(/dispatch120\.bodyTemplate: not JSON once filled in/);
      await expect(startHarness({ dataDir, provision: community(receiver, '{"name": "{{patient}}"}') })).rejects.toThrow(/unknown placeholder\(s\) \{\{patient\}\}/);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
