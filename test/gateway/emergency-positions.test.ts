import { afterEach, describe, expect, it } from 'vitest';
import type { FakeClock } from '../helpers/fake-clock.js';
import { TEST_PROVISION, type Harness } from '../helpers/gateway-harness.js';
import type { HttpReceiver } from '../helpers/http-receiver.js';
import { startPagedGateway, stopPagedGateway } from '../helpers/paged-gateway.js';
import { waitFor } from '../helpers/wait-for.js';

/*
 * The centre's system hears where the responders on the way are: a real HTTP receiver as the
 * centre's webhook, a fake clock for the interval (emergencies.positionEveryS). The first move is
 * told at once, moves within the interval are held and the latest told when it is over; a
 * responder only asked is not told; nothing after the emergency is closed.
 */

const MORNING = Date.parse('2026-11-23T02:00:00Z');
const PATIENT = { lat: 30.2661, lon: 120.1549 };
const M_PER_DEG_LAT = 111_195;
const north = (m: number) => ({ lat: PATIENT.lat + m / M_PER_DEG_LAT, lon: PATIENT.lon });

describe('responders’ positions to the centre', () => {
  let receiver: HttpReceiver;
  let clock: FakeClock;
  let h: Harness;

  afterEach(async () => {
    if (h !== undefined) await stopPagedGateway({ receiver, h });
  });

  async function start(positionEveryS: number): Promise<void> {
    ({ receiver, clock, h } = await startPagedGateway(MORNING, (r) => ({
      provision: {
        ...TEST_PROVISION,
        devices: TEST_PROVISION.devices.filter((d) => d.kind !== 'aed'),
        aeds: [{ id: 'a-north', ...north(300), grid: 'g1', description: 'Community health station, left of the entrance', accessHours: '24/7' }],
        responders: [
          { id: 'v1', name: 'Zhao Lei', certifiedUntil: '2027-09-30', available: true, ...north(-200), channels: [{ type: 'webhook', url: r.url('/v1') }] },
          { id: 'v2', name: 'Sun Li', certifiedUntil: '2027-09-30', available: true, ...north(-250), channels: [{ type: 'webhook', url: r.url('/v2') }] },
        ],
      },
      overrides: { alerts: { tickMs: 60_000 }, emergencies: { centre: [{ type: 'webhook', url: r.url('/centre') }], positionEveryS } },
    })));
  }

  const token = async (role: string, subject?: string) => (await h.api('POST', '/api/tokens', { role, ...(subject === undefined ? {} : { subject }) })).body.token as string;
  const moves = () => receiver.to('/centre').map((r) => r.body).filter((b) => b.change.includes('responder_moved'));
  const moveTo = async (who: string, at: { lat: number; lon: number }) => expect((await h.api('POST', '/api/responders/me/location', { ...at, available: true }, who)).status).toBe(200);

  it('tells the first move at once, holds the next ones for positionEveryS and then tells the latest, for runners only', async () => {
    await start(20);
    const dispatcher = await token('dispatcher');
    const created = await h.api('POST', '/api/emergencies', { ref: 'pos-1', kind: 'cardiac_arrest', ...PATIENT, address: 'Building 3, Fuxing Lane' }, dispatcher);
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    const v1 = await token('responder', 'v1');
    const v2 = await token('responder', 'v2');
    expect((await h.api('POST', `/api/emergencies/${id}/responders/me/accept`, undefined, v1)).body.responders[0]).toMatchObject({ state: 'accepted', aed: { id: 'a-north' } });
    const noticesBefore = await waitFor('the acceptance told', () => (receiver.to('/centre').some((r) => r.body.change.includes('responder_accepted')) ? receiver.to('/centre').length : undefined));

    // Only asked, not on the way: Sun Li's move reaches the map, not the centre.
    await moveTo(v2, north(-240));
    // Zhao Lei walks: the first move at once, with his name, distances and the AED he fetches.
    await moveTo(v1, north(-150));
    const first = await waitFor('the first position', () => moves()[0]);
    expect(first).toMatchObject({
      type: 'emergency',
      emergencyId: id,
      purpose: 'centre',
      change: ['responder_moved'],
      responder: { id: 'v1', name: 'Zhao Lei', state: 'accepted', position: north(-150), at: MORNING },
      emergency: { id, ref: 'pos-1' },
    });
    expect(first.text).toBe(`Zhao Lei is 150 m from the patient, 450 m from the AED at Community health station, left of the entrance (${north(-150).lat.toFixed(5)},120.15490) [pos-1].`);

    // Three more moves within 20 s: held, none sent.
    for (const m of [-100, -50, 0]) {
      clock.advance(5_000);
      await moveTo(v1, north(m));
    }
    await h.gateway.emergencies.tick();
    expect(moves()).toHaveLength(1);

    // The interval is over: the latest place is told once, on the tick.
    clock.advance(5_000);
    await h.gateway.emergencies.tick();
    const second = await waitFor('the held position', () => moves()[1]);
    expect(second.responder).toMatchObject({ id: 'v1', position: north(0), at: MORNING + 20_000 });
    await h.gateway.emergencies.tick();
    expect(moves()).toHaveLength(2);

    // The next move after another interval goes at once; he now carries the AED.
    clock.advance(20_000);
    expect((await h.api('POST', `/api/emergencies/${id}/responders/me/aed-collected`, undefined, v1)).status).toBe(200);
    await moveTo(v1, north(100));
    const third = await waitFor('the third position', () => moves()[2]);
    expect(third.responder).toMatchObject({ state: 'aed_collected', position: north(100) });
    expect(third.text).toMatch(/^Zhao Lei with the AED is 100 m from the patient \(/);
    expect(moves().every((m) => m.responder.id === 'v1')).toBe(true);

    // Closed: no more positions, held or new.
    clock.advance(5_000);
    await moveTo(v1, north(50));
    expect((await h.api('POST', `/api/emergencies/${id}/close`, { note: 'handed over' }, dispatcher)).status).toBe(200);
    clock.advance(60_000);
    await moveTo(v1, north(0));
    await h.gateway.emergencies.tick();
    await waitFor('the close told', () => receiver.to('/centre').some((r) => r.body.change.includes('closed')));
    expect(moves()).toHaveLength(3);
    // Every change still reaches the centre besides the positions.
    expect(receiver.to('/centre').length).toBeGreaterThan(noticesBefore + 3);
  });

  it('tells no position with positionEveryS 0', async () => {
    await start(0);
    const dispatcher = await token('dispatcher');
    const created = await h.api('POST', '/api/emergencies', { ref: 'pos-2', kind: 'cardiac_arrest', ...PATIENT }, dispatcher);
    const v1 = await token('responder', 'v1');
    await h.api('POST', `/api/emergencies/${created.body.id}/responders/me/accept`, undefined, v1);
    await moveTo(v1, north(-150));
    clock.advance(60_000);
    await h.gateway.emergencies.tick();
    await waitFor('the acceptance told', () => receiver.to('/centre').some((r) => r.body.change.includes('responder_accepted')));
    expect(moves()).toEqual([]);
  });
});
