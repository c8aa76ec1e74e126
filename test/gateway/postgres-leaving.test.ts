import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, TEST_PROVISION, startHarness, type Harness } from '../helpers/gateway-harness.js';
import type { HttpReceiver } from '../helpers/http-receiver.js';
import { startPagedGateway, stopPagedGateway, type PagedGateway } from '../helpers/paged-gateway.js';
import { PostgresServer, postgresAvailable } from '../helpers/postgres-server.js';
import { waitFor } from '../helpers/wait-for.js';

/** 10:00 in Shanghai on a Monday. */
const MORNING = Date.parse('2026-11-23T02:00:00Z');
/** What identifies Li Guiying: none of it may stay in the shared database once she leaves. */
const PERSONAL = ['Li Guiying', 'Building 3, Unit 2', 'Li Wei', 'third floor, key with the guard', '30.2671', '120.1533', 'copd'];

function community(receiver: HttpReceiver) {
  return {
    ...TEST_PROVISION,
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
        accessNotes: 'third floor, key with the guard',
        conditions: ['copd'],
        sharing: { location: ['worker', 'family'], vitals: ['worker', 'family'] },
        contacts: [{ id: 'fam1', name: 'Li Wei', relation: 'son', channels: [{ type: 'webhook', url: receiver.url('/fam1') }] }],
      },
      { id: 'r2', name: 'Zhang Xiuying', grid: 'g2', contacts: [] },
    ],
  };
}

async function call(h: Harness, method: string, url: string, token = ADMIN_TOKEN, body?: unknown): Promise<{ status: number; body: any }> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const res = await fetch(h.httpUrl + url, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: text.length > 0 ? JSON.parse(text) : null };
}

/** Every row of every table of the shared database, as text. */
async function wholeDatabase(url: string): Promise<string> {
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  try {
    const { rows } = await db.query<{ name: string }>("SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public'");
    const dumps: string[] = [];
    for (const { name } of rows) dumps.push(`${name}: ${JSON.stringify((await db.query(`SELECT * FROM "${name}"`)).rows)}`);
    return dumps.join('\n');
  } finally {
    await db.end();
  }
}

describe.skipIf(!postgresAvailable())('a resident leaves the programme, with the state in PostgreSQL', () => {
  const server = new PostgresServer();
  let g: PagedGateway | undefined;
  let other: Harness | undefined;

  beforeAll(() => server.start(), 120_000);
  afterAll(() => server.stop());
  afterEach(async () => {
    await other?.dispose();
    other = undefined;
    if (g !== undefined) await stopPagedGateway(g);
    g = undefined;
  });

  it('her data goes from the shared database, and a second gateway soon forgets her, her bracelet and her son’s token', async () => {
    const url = await server.createDatabase(`leaving_${process.pid}`);
    g = await startPagedGateway(MORNING, (receiver) => ({ provision: community(receiver), overrides: { databaseUrl: url, alerts: { tickMs: 60_000 } } }));
    const { h, clock, receiver } = g;
    // A second gateway on the same database, with no provision file of its own.
    other = await startHarness({ provision: null, now: clock.now, overrides: { databaseUrl: url } });
    expect(other.gateway.registry.get('residents', 'r1')?.name).toBe('Li Guiying');

    const bracelet = await h.device('b-0001');
    const neighbours = await h.device('b-0002');
    await bracelet.telemetry({ ts: clock.now(), hr: 72, spo2: 97, lat: 30.2671, lon: 120.1533 }, 1);
    await neighbours.telemetry({ ts: clock.now(), hr: 66, spo2: 98 }, 1);
    const son = (await call(h, 'POST', '/api/tokens', ADMIN_TOKEN, { role: 'family', subject: 'fam1' })).body.token as string;
    expect((await call(other, 'GET', '/api/devices/b-0001/readings', son)).status).toBe(200);
    await bracelet.event({ type: 'sos' });
    const sos = await waitFor('the SOS page', () => receiver.to('/w1').find((r) => r.body.alert?.kind === 'sos'), 60_000);
    expect((await call(h, 'POST', `/api/alerts/${sos.body.alert.id as string}/resolve`, ADMIN_TOKEN, { note: 'pressed by mistake' })).status).toBe(200);

    expect((await call(h, 'DELETE', '/api/residents/r1')).status).toBe(204);

    // The other gateway: she, her bracelet and her son’s token are gone; what stays is counted.
    await waitFor('the second gateway no longer knows her', async () => (await call(other!, 'GET', '/api/residents/r1')).status === 404 || undefined, 20_000);
    expect((await call(other, 'GET', '/api/devices/b-0001')).status).toBe(404);
    expect((await call(other, 'GET', '/api/devices/b-0001/readings', son)).status).toBe(401);
    const counts = (await call(other, 'GET', '/api/departures')).body;
    expect(counts.departures).toEqual([{ month: '2026-11', grid: 'g1', count: 1 }]);
    expect(counts.alerts).toEqual([{ month: '2026-11', grid: 'g1', kind: 'sos', severity: 'critical', count: 1 }]);
    expect((await call(other, 'GET', '/api/audit?resident=r1')).body.entries).toContainEqual(expect.objectContaining({ action: 'leave', actor: 'admin', role: 'admin' }));
    // Zhang Xiuying keeps everything.
    expect((await call(other, 'GET', '/api/residents/r2')).status).toBe(200);
    expect((await call(other, 'GET', '/api/devices/b-0002/readings')).body.readings).toHaveLength(1);

    const everything = await wholeDatabase(url);
    for (const word of PERSONAL) expect(everything, word).not.toContain(word);
  }, 120_000);
});
