import Database from 'better-sqlite3';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, TEST_PROVISION, startHarness, type Harness } from '../helpers/gateway-harness.js';
import type { HttpReceiver } from '../helpers/http-receiver.js';
import { startPagedGateway, stopPagedGateway, type PagedGateway } from '../helpers/paged-gateway.js';
import { waitFor } from '../helpers/wait-for.js';

/** 10:00 in Shanghai on a Monday. */
const MORNING = Date.parse('2026-11-23T02:00:00Z');
/** What identifies Li Guiying: none of it may stay in the store once she leaves. */
const PERSONAL = ['Li Guiying', 'Building 3, Unit 2', 'Li Wei', 'third floor, key with the guard', '30.2671', '120.1533', 'copd'];

function community(receiver: HttpReceiver, withR1 = true) {
  const r1 = {
    id: 'r1',
    name: 'Li Guiying',
    grid: 'g1',
    address: 'Building 3, Unit 2, Room 401',
    accessNotes: 'third floor, key with the guard',
    home: { lat: 30.2655, lon: 120.1552, radiusM: 60 },
    conditions: ['copd'],
    sharing: { location: ['worker', 'family'], vitals: ['worker', 'family'] },
    contacts: [{ id: 'fam1', name: 'Li Wei', relation: 'son', channels: [{ type: 'webhook', url: receiver.url('/fam1') }] }],
  };
  return {
    ...TEST_PROVISION,
    workers: [
      { id: 'w1', name: 'Wang Fang', grids: ['g1'], channels: [{ type: 'webhook', url: receiver.url('/w1') }] },
      { id: 'w2', name: 'Liu Yang', grids: ['g2'], channels: [] },
    ],
    residents: [...(withR1 ? [r1] : []), { id: 'r2', name: 'Zhang Xiuying', grid: 'g2', contacts: [] }],
    devices: TEST_PROVISION.devices.filter((d) => withR1 || d.id !== 'b-0001'),
  };
}

let g: PagedGateway | undefined;
let again: Harness | undefined;
afterEach(async () => {
  await again?.stop();
  again = undefined;
  if (g !== undefined) await stopPagedGateway(g);
  g = undefined;
});

/** Over the gateway's real HTTP port, as an operator's script would. */
async function http(h: Harness, method: string, url: string, token = ADMIN_TOKEN, body?: unknown): Promise<{ status: number; body: any }> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const res = await fetch(h.httpUrl + url, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: text.length > 0 ? JSON.parse(text) : null };
}

/** Every row of every table of the store, as text. */
function wholeStore(file: string): string {
  const db = new Database(file, { readonly: true });
  try {
    const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map((t) => t.name);
    return tables.map((t) => `${t}: ${JSON.stringify(db.prepare(`SELECT * FROM "${t}"`).all())}`).join('\n');
  } finally {
    db.close();
  }
}

describe('a resident leaves the programme', () => {
  it('refuses while an emergency is open, then removes her data, keeps anonymous counts and the access log, revokes her family, across a restart', async () => {
    g = await startPagedGateway(MORNING, (receiver) => ({ provision: community(receiver), overrides: { alerts: { tickMs: 60_000 } } }));
    const { h, clock, receiver } = g;
    const bracelet = await h.device('b-0001');
    const other = await h.device('b-0002');
    await bracelet.telemetry({ ts: clock.now(), hr: 72, spo2: 97, lat: 30.2671, lon: 120.1533 }, 1);
    await other.telemetry({ ts: clock.now(), hr: 66, spo2: 98 }, 1);
    const worker = (await http(h, 'POST', '/api/tokens', ADMIN_TOKEN, { role: 'worker', subject: 'w1' })).body.token as string;
    const son = (await http(h, 'POST', '/api/tokens', ADMIN_TOKEN, { role: 'family', subject: 'fam1' })).body.token as string;

    await bracelet.event({ type: 'sos' });
    const sos = await waitFor('the SOS page', () => receiver.to('/w1').find((r) => r.body.alert?.kind === 'sos'));
    const sosId = sos.body.alert.id as string;
    await bracelet.status({ online: true, bat: 9 });
    const battery = await waitFor('the low-battery alert', async () => (await http(h, 'GET', '/api/alerts?kind=battery_low&state=open')).body.alerts[0]);
    // The worker and the son read her data: those reads are logged.
    expect((await http(h, 'GET', `/api/alerts/${sosId}`, worker)).status).toBe(200);
    expect((await http(h, 'GET', '/api/devices/b-0001/readings', son)).status).toBe(200);
    const readsBefore = (await http(h, 'GET', '/api/audit?resident=r1')).body.entries as { actor: string; action: string }[];
    expect(readsBefore.some((e) => e.actor === 'w1' && e.action === 'read_alert')).toBe(true);
    expect(readsBefore.some((e) => e.actor === 'fam1' && e.action === 'read_readings')).toBe(true);

    // An open SOS: nothing happens, and the operator is told why, by name.
    const refused = await http(h, 'DELETE', '/api/residents/r1');
    expect(refused.status).toBe(409);
    expect(refused.body.error).toBe('GW_ERR_RESIDENT_EMERGENCY_OPEN');
    expect(refused.body.message).toContain('Li Guiying');
    expect((await http(h, 'GET', '/api/residents/r1')).status).toBe(200);
    expect((await http(h, 'GET', '/api/devices/b-0001/readings', son)).status).toBe(200);

    expect((await http(h, 'POST', `/api/alerts/${sosId}/resolve`, worker, { note: 'She is fine, pressed by mistake.' })).status).toBe(200);
    const left = await http(h, 'DELETE', '/api/residents/r1');
    expect(left.status).toBe(204);

    // Gone from the API: the resident, her bracelet, her alerts (the open battery one too), her readings.
    expect((await http(h, 'GET', '/api/residents/r1')).status).toBe(404);
    expect((await http(h, 'GET', '/api/devices/b-0001')).status).toBe(404);
    expect((await http(h, 'GET', `/api/alerts/${sosId}`)).status).toBe(404);
    expect((await http(h, 'GET', `/api/alerts/${battery.id as string}`)).status).toBe(404);
    expect((await http(h, 'GET', '/api/alerts?drill=include')).body.alerts.filter((a: { subject: string }) => a.subject === 'r1')).toEqual([]);
    // Her son's token is revoked.
    expect((await http(h, 'GET', '/api/residents/r1/access-log', son)).status).toBe(401);
    // Anonymous counts stay: one departure, her SOS and battery alerts, by grid and month.
    const counts = (await http(h, 'GET', '/api/departures')).body;
    expect(counts.departures).toEqual([{ month: '2026-11', grid: 'g1', count: 1 }]);
    expect(counts.alerts).toEqual(
      expect.arrayContaining([
        { month: '2026-11', grid: 'g1', kind: 'sos', severity: 'critical', count: 1 },
        expect.objectContaining({ month: '2026-11', grid: 'g1', kind: 'battery_low', count: 1 }),
      ]),
    );
    expect(counts.gridNames).toEqual({ g1: 'Fuxing Lane' });
    // The access log keeps every earlier row, and says who ended it.
    const readsAfter = (await http(h, 'GET', '/api/audit?resident=r1')).body.entries as { actor: string; action: string }[];
    expect(readsAfter).toEqual(expect.arrayContaining(readsBefore));
    expect(readsAfter.length).toBeGreaterThan(readsBefore.length);
    expect(readsAfter[0]).toMatchObject({ action: 'leave', actor: 'admin', role: 'admin' });
    // Her bracelet's next message is refused: the store, read below, holds none of its coordinates.
    await bracelet.telemetry({ ts: clock.now(), hr: 75, lat: 30.2671, lon: 120.1533 }, 0).catch(() => undefined);
    // The other resident keeps everything.
    expect((await http(h, 'GET', '/api/residents/r2')).status).toBe(200);
    expect((await http(h, 'GET', '/api/devices/b-0002/readings')).body.readings).toHaveLength(1);

    // Nothing that identifies her is left in the store, and nothing comes back after a restart.
    const dataDir = h.dataDir;
    await h.stop();
    const store = wholeStore(path.join(dataDir, 'gateway.db'));
    for (const word of PERSONAL) expect(store, word).not.toContain(word);
    again = await startHarness({ dataDir, provision: community(receiver, false), now: clock.now });
    expect((await http(again, 'GET', '/api/residents/r1')).status).toBe(404);
    expect((await http(again, 'GET', '/api/devices/b-0001/readings')).status).toBe(404);
    expect((await http(again, 'GET', '/api/residents/r1/access-log', son)).status).toBe(401);
    expect((await http(again, 'GET', '/api/audit?resident=r1')).body.entries).toHaveLength(readsAfter.length);
    expect((await http(again, 'GET', '/api/departures')).body.departures).toEqual([{ month: '2026-11', grid: 'g1', count: 1 }]);
  });

  it('an unknown resident is 404 and a worker may not remove anyone', async () => {
    g = await startPagedGateway(MORNING, (receiver) => ({ provision: community(receiver) }));
    const { h } = g;
    const worker = (await http(h, 'POST', '/api/tokens', ADMIN_TOKEN, { role: 'worker', subject: 'w1' })).body.token as string;
    expect((await http(h, 'DELETE', '/api/residents/nobody')).status).toBe(404);
    expect((await http(h, 'DELETE', '/api/residents/r1', worker)).status).toBe(403);
    expect((await http(h, 'GET', '/api/residents/r1')).status).toBe(200);
    expect((await http(h, 'GET', '/api/departures')).body.departures).toEqual([]);
  });
});
