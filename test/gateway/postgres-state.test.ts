import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, TEST_PROVISION, type Harness } from '../helpers/gateway-harness.js';
import { startReceiver, type HttpReceiver } from '../helpers/http-receiver.js';
import { PostgresServer, postgresAvailable } from '../helpers/postgres-server.js';
import { waitFor } from '../helpers/wait-for.js';
import { SimulatedDevice } from '../../firmware-sim/device-client.js';
import { SECRETS } from '../helpers/gateway-harness.js';

interface TimelineEntry {
  type: string;
  to?: string;
}

/** The test community, with Wang Fang's phone a recording HTTP server. */
function provisionFor(receiver: HttpReceiver): object {
  return {
    ...TEST_PROVISION,
    workers: TEST_PROVISION.workers.map((w) => (w.id === 'w1' ? { ...w, channels: [{ type: 'webhook', url: receiver.url('/w1') }] } : w)),
  };
}

// DATABASE_URL: alerts, their timelines, the page outbox, tokens and the rest live in a real
// PostgreSQL 15, not in the data directory's SQLite file.
describe.skipIf(!postgresAvailable())('DATABASE_URL: the gateway keeps its state in PostgreSQL', () => {
  const server = new PostgresServer();
  let databases = 0;
  const cleanup: (() => Promise<void>)[] = [];

  beforeAll(() => server.start(), 120_000);
  afterAll(() => server.stop());
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  async function database(): Promise<string> {
    return server.createDatabase(`gateway_state_${process.pid}_${++databases}`);
  }

  async function gateway(url: string, receiver: HttpReceiver, overrides: Record<string, unknown> = {}, withProvisionFile = true): Promise<Harness> {
    const h = await startHarness({ provision: withProvisionFile ? provisionFor(receiver) : null, overrides: { databaseUrl: url, ...overrides } });
    cleanup.push(() => h.dispose());
    return h;
  }

  async function receiver(): Promise<HttpReceiver> {
    const r = await startReceiver();
    cleanup.push(() => r.close());
    return r;
  }

  it('an SOS paged by one gateway is, with its timeline and the community, on a second one with an empty data directory and no provision file, which takes the acknowledgement', async () => {
    const phone = await receiver();
    const url = await database();
    const first = await gateway(url, phone);
    const bracelet = await first.device('b-0001');
    await bracelet.event({ type: 'sos' });
    const page = await waitFor('the SOS page on Wang Fang’s phone', () => phone.to('/w1')[0], 60_000);
    expect(JSON.stringify(page.body)).toContain('Li Guiying');

    const db = server.pool(url);
    cleanup.push(() => db.end());
    const { rows } = await db.query<{ id: string; kind: string; subject: string; state: string }>('SELECT id, kind, subject, state FROM alerts');
    expect(rows).toEqual([expect.objectContaining({ kind: 'sos', subject: 'r1', state: 'open' })]);
    const alertId = rows[0]!.id;
    await bracelet.close();
    await first.stop();

    // A new data directory and no provision file: nothing of the first gateway's but the shared database.
    const second = await gateway(url, phone, {}, false);
    expect(second.dataDir).not.toBe(first.dataDir);
    expect(second.gateway.registry.get('residents', 'r1')?.name).toBe('Li Guiying');
    const seen = await second.api('GET', `/api/alerts/${alertId}`);
    expect(seen.status).toBe(200);
    expect(seen.body).toMatchObject({ id: alertId, kind: 'sos', subject: 'r1', state: 'open' });
    expect((seen.body.timeline as TimelineEntry[]).some((e) => e.type === 'paged' && e.to === 'w1')).toBe(true);

    const acked = await second.api('POST', `/api/alerts/${alertId}/ack`, { note: 'on my way' });
    expect(acked.status).toBe(200);
    const after = await db.query<{ state: string }>('SELECT state FROM alerts WHERE id = $1', [alertId]);
    expect(after.rows[0]?.state).toBe('acked');
  }, 120_000);

  it('says on /readyz whether PostgreSQL answers, and labels its metrics with its instance name', async () => {
    const phone = await receiver();
    const h = await gateway(await database(), phone, { nodeId: 'gateway-east' });
    const ready = async (): Promise<{ status: number; database: unknown }> => {
      const res = await fetch(`${h.httpUrl}/readyz`);
      const body = (await res.json()) as { checks: Record<string, unknown> };
      return { status: res.status, database: body.checks.database };
    };
    expect(await ready()).toEqual({ status: 200, database: true });
    const metrics = (await h.api('GET', '/metrics')).body as string;
    expect(metrics).toMatch(/gateway_mqtt_clients_connected\{instance="gateway-east"\} \d+/);

    await server.shutdown();
    try {
      await waitFor('/readyz 503 while PostgreSQL is stopped', async () => (await ready()).status === 503, 60_000);
      expect(await ready()).toEqual({ status: 503, database: false });
      // The gateway itself stays up: liveness still answers.
      expect((await fetch(`${h.httpUrl}/healthz`)).status).toBe(200);
    } finally {
      await server.start();
    }
    await waitFor('/readyz 200 once PostgreSQL answers again', async () => (await ready()).status === 200, 60_000);
  }, 180_000);

  it('with PostgreSQL stopped, an SOS is not acknowledged until it is stored; once back, it is raised and paged once', async () => {
    const phone = await receiver();
    const h = await gateway(await database(), phone);
    const bracelet = await SimulatedDevice.connect({ id: 'b-0001', secret: SECRETS['b-0001']!, url: h.mqttUrl, clean: false, reconnect: { initialDelayMs: 200, maxDelayMs: 1_000 } });
    cleanup.push(() => bracelet.close());
    const refusedCount = async (): Promise<number> => {
      // Read in process: the API's token check itself needs the database.
      const text = await h.gateway.metrics.registry.metrics();
      return Number(/gateway_ingest_rejected_total\{[^}]*reason="internal_error"[^}]*\} (\d+)/.exec(text)?.[1] ?? 0);
    };

    await server.shutdown();
    let acked = false;
    let sent: Promise<void>;
    try {
      await waitFor('/readyz 503 while PostgreSQL is stopped', async () => (await fetch(`${h.httpUrl}/readyz`)).status === 503, 60_000);
      sent = bracelet.event({ type: 'sos' }).then(() => {
        acked = true;
      });
      // The gateway could not store it: refused, counted, not acknowledged; the bracelet keeps it and sends it again.
      await waitFor('the SOS refused while the database is away', async () => (await refusedCount()) >= 1, 60_000);
      expect(acked).toBe(false);
      expect(phone.to('/w1')).toEqual([]);
    } finally {
      await server.start();
    }
    await waitFor('the SOS acknowledged once PostgreSQL is back', () => acked, 90_000);
    await sent;
    await waitFor('the SOS page on Wang Fang’s phone', () => phone.to('/w1').length >= 1, 60_000);
    const alerts = (await h.api('GET', '/api/alerts')).body.alerts as { kind: string; subject: string }[];
    expect(alerts.filter((a) => a.kind === 'sos' && a.subject === 'r1')).toHaveLength(1);
    // However many times the bracelet sent it, one alert and one page.
    for (let i = 0; i < 3; i++) await h.gateway.alerting.tick();
    expect(phone.to('/w1')).toHaveLength(1);
  }, 240_000);
});
