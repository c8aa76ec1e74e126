import type pg from 'pg';
import { describe, expect, it } from 'vitest';
import { serverAvailable } from '../helpers/external-server.js';
import { fakeClock, type FakeClock } from '../helpers/fake-clock.js';
import { ADMIN_TOKEN, startHarness, TEST_PROVISION, type Harness } from '../helpers/gateway-harness.js';
import { startReceiver, type HttpReceiver } from '../helpers/http-receiver.js';
import { postgresAvailable } from '../helpers/postgres-server.js';
import { sharedServersForSuite } from '../helpers/shared-servers.js';
import { waitFor } from '../helpers/wait-for.js';
import { openAlertStream } from '../helpers/alert-stream.js';
import type { SimulatedDevice } from '../../firmware-sim/device-client.js';
import { partitionsShared } from '../helpers/cluster-partitions.js';
import { Redis } from 'ioredis';
import { partitionOf } from '../../gateway/cluster/partition-leases.js';

/** A weekday at 10:00 in Shanghai: outside quiet hours, so every step pages. */
const T0 = Date.parse('2026-12-08T02:00:00Z');
const FALL = { type: 'fall', confidence: 0.92, lat: 30.2656, lon: 120.1551 } as const;

function community(receiver: HttpReceiver): object {
  return {
    ...TEST_PROVISION,
    rules: { fall: { cancelWindowS: 30 } },
    grids: [
      { id: 'g1', name: 'Fuxing Lane', district: 'd1', onDuty: ['w1'], backup: ['w2'] },
      { id: 'g2', name: 'Qingbo Gate', district: 'd2', onDuty: ['w3'] },
    ],
    workers: [
      { id: 'w1', name: 'Wang Fang', grids: ['g1'], channels: [{ type: 'webhook', url: receiver.url('/w1') }] },
      { id: 'w2', name: 'Liu Yang', grids: ['g1'], channels: [{ type: 'webhook', url: receiver.url('/w2') }] },
      { id: 'w3', name: 'Zhou Min', grids: ['g2'], channels: [] },
    ],
  };
}

// Three gateways on one PostgreSQL and one Redis, as a city runs them: whichever a bracelet or a
// worker's phone reaches, they are one system. Each has its own data directory.
describe.skipIf(!postgresAvailable() || !serverAvailable('redis-server'))('several gateways on one PostgreSQL and one Redis', () => {
  const servers = sharedServersForSuite();
  const { postgres, cleanup } = servers;
  let databases = 0;

  async function cluster(provision: (receiver: HttpReceiver) => object = community): Promise<{ gateways: Harness[]; receiver: HttpReceiver; clock: FakeClock; db: pg.Pool }> {
    const receiver = await startReceiver();
    cleanup.push(() => receiver.close());
    const url = await postgres.createDatabase(`several_${process.pid}_${++databases}`);
    const db = postgres.pool(url);
    cleanup.push(() => db.end());
    const clock = fakeClock(T0);
    const gateways: Harness[] = [];
    for (const nodeId of ['east', 'west', 'north']) {
      const h = await startHarness({ provision: provision(receiver), now: clock.now, overrides: { databaseUrl: url, redisUrl: servers.redisUrl, nodeId, alerts: { tickMs: 60_000 }, cluster: { failoverS: 3 } } });
      cleanup.push(() => h.dispose());
      gateways.push(h);
    }
    // Each holds its share: which gateway evaluates whom is settled before the test acts.
    await waitFor(
      'the partitions shared out among the three',
      async () => {
        return partitionsShared(db, 3);
      },
      60_000,
    );
    return { gateways, receiver, clock, db };
  }

  /** A fall on the bracelet connected to `a`, past its cancel window: the bracelet, and the alert `a` raised. */
  async function fallOn(a: Harness, clock: FakeClock, receiver: HttpReceiver, gateways: readonly Harness[], db: pg.Pool): Promise<{ bracelet: SimulatedDevice; alertId: string }> {
    const bracelet = await a.device('b-0001');
    await bracelet.event(FALL);
    // Whichever gateway holds Li Guiying's partition evaluated the fall and saved its cancel window.
    await waitFor('the cancel window started', async () => {
      const { rows } = await db.query<{ body: string }>("SELECT body FROM rule_state WHERE name = 'safety:subject:r1'");
      return rows[0] !== undefined && (JSON.parse(rows[0].body) as { rules: { fall: { pending: unknown } } }).rules.fall.pending !== null;
    }, 60_000);
    clock.advance(31_000);
    await Promise.all(gateways.map((g) => g.gateway.alerting.tick()));
    await waitFor('Wang Fang paged about the fall', () => receiver.to('/w1').length >= 1, 60_000);
    const open = await waitFor('the fall alert', async () => (await a.api('GET', '/api/alerts')).body.alerts.find((x: { kind: string }) => x.kind === 'fall') as { id: string } | undefined, 30_000);
    return { bracelet, alertId: open.id };
  }

  it('a fall on one is paged once; acked through another, its escalation stops and the bracelet hears it; the third shows it on its stream', async () => {
    const { gateways, receiver, clock, db } = await cluster();
    const [east, west, north] = gateways as [Harness, Harness, Harness];
    const stream = await openAlertStream(north.httpUrl, ADMIN_TOKEN);
    cleanup.push(() => stream.close());

    const { bracelet, alertId } = await fallOn(east, clock, receiver, gateways, db);
    await waitFor('the fall on north’s alert stream', () => stream.events.some((e) => e.alert.id === alertId && e.alert.kind === 'fall' && e.alert.subject === 'r1'), 30_000);
    await waitFor('west has heard of the fall', () => west.gateway.alerting.service.activeAlert(alertId) !== undefined, 30_000);

    const acked = await west.api('POST', `/api/alerts/${alertId}/ack`, { note: 'on my way' });
    expect(acked.status).toBe(200);
    // The ack command reaches the bracelet on east, through Redis.
    const [command] = await waitFor('the ack command on the bracelet connected to east', () => (bracelet.commands.length > 0 ? bracelet.commands : undefined), 30_000);
    expect(command).toMatchObject({ cmd: 'ack', alertId });
    await waitFor('north shows the ack', () => stream.events.some((e) => e.alert.id === alertId && e.alert.state === 'acked'), 30_000);
    await waitFor('east has heard of the ack', () => east.gateway.alerting.service.activeAlert(alertId)?.state === 'acked', 30_000);

    // Past the backup step's time, every gateway ticks: nobody else is paged.
    clock.advance(10 * 60_000);
    await Promise.all(gateways.map((g) => g.gateway.alerting.tick()));
    await Promise.all(gateways.map((g) => g.gateway.alerting.tick()));
    expect(receiver.to('/w1')).toHaveLength(1);
    expect(receiver.to('/w2')).toEqual([]);
  }, 240_000);

  it('readings sent to a gateway that does not hold the resident reach her holder over Redis, not through the inbox, and raise her alert there', async () => {
    const { gateways, db } = await cluster();
    const partition = partitionOf('r1');
    const { rows } = await db.query<{ owner: string }>('SELECT owner FROM cluster_partitions WHERE partition = $1', [partition]);
    const other = gateways[['east', 'west', 'north'].findIndex((id) => id !== rows[0]!.owner)]!;
    // Every message kept in the inbox, by channel.
    await db.query(`CREATE TABLE inbox_seen (channel text);
      CREATE FUNCTION note_inbox() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO inbox_seen VALUES ((NEW.message::json)->>'channel'); RETURN NEW; END $$;
      CREATE TRIGGER inbox_seen AFTER INSERT ON evaluation_inbox FOR EACH ROW EXECUTE FUNCTION note_inbox();`);
    const probe = new Redis(servers.redisUrl);
    cleanup.push(() => void probe.disconnect());
    await waitFor('her holder listening for her partition’s readings', async () => Number(((await probe.pubsub('NUMSUB', `gateway:evaluate:${partition}`)) as [string, number])[1]) === 1, 60_000);

    const bracelet = await other.device('b-0001');
    // Two grade 3 blood pressure readings (ESH): the vitals rule raises on the second.
    await bracelet.telemetry({ ts: T0, hr: 88, sbp: 186, dbp: 112 }, 1);
    await bracelet.telemetry({ ts: T0 + 1_000, hr: 90, sbp: 188, dbp: 114 }, 1);
    await waitFor('her blood pressure alert', async () => (await db.query("SELECT 1 FROM alerts WHERE kind = 'vitals' AND subject = 'r1'")).rowCount === 1, 60_000);
    const kept = await db.query<{ channel: string }>('SELECT channel FROM inbox_seen');
    expect(kept.rows.filter((r) => r.channel === 'telemetry')).toEqual([]);
  }, 240_000);

  it('an escalation step due while three gateways tick at once is written once and paged once', async () => {
    const { gateways, receiver, clock, db } = await cluster();
    const { alertId } = await fallOn(gateways[0]!, clock, receiver, gateways, db);
    for (const g of gateways.slice(1)) await waitFor('every gateway has heard of the fall', () => g.gateway.alerting.service.activeAlert(alertId) !== undefined, 30_000);

    clock.advance(10 * 60_000);
    await Promise.all(gateways.map((g) => g.gateway.alerting.tick()));
    await waitFor('Liu Yang, the backup, paged', () => receiver.to('/w2').length >= 1, 60_000);
    // The webhook has the page; its job is marked delivered once the answer is back.
    const jobs = async () => (await db.query<{ role: string; state: string }>('SELECT role, state FROM page_jobs WHERE alert_id = $1 ORDER BY id', [alertId])).rows;
    await waitFor('every page job finished', async () => (await jobs()).every((j) => j.state === 'delivered' || j.state === 'failed'), 60_000);
    // More ticks on every gateway, after the step: still one page, one job, one step on the timeline.
    for (let i = 0; i < 3; i++) await Promise.all(gateways.map((g) => g.gateway.alerting.tick()));
    expect(receiver.to('/w1')).toHaveLength(1);
    expect(receiver.to('/w2')).toHaveLength(1);
    expect(await jobs()).toEqual([
      { role: 'onDuty', state: 'delivered' },
      { role: 'backup', state: 'delivered' },
    ]);
    // The third gateway hears of the delivery its own way (the alert's change notice): waited for, then compared whole.
    const pagedOnThird = async () => ((await gateways[2]!.api('GET', `/api/alerts/${alertId}`)).body as { timeline: { type: string; to?: string }[] }).timeline.filter((e) => e.type === 'paged').map((e) => e.to);
    await waitFor('the third gateway shows both pages', async () => (await pagedOnThird()).length >= 2, 30_000);
    expect(await pagedOnThird()).toEqual(['w1', 'w2']);
  }, 240_000);

  it('each lists the three instances on GET /api/cluster, the 64 partitions shared out; one stopped gives its partitions back at once', async () => {
    const { gateways } = await cluster();
    const [east, west, north] = gateways as [Harness, Harness, Harness];
    type Status = { self: string; instances: { id: string; live: boolean; partitions: number }[] };
    const statusOf = async (h: Harness): Promise<Status> => (await h.api('GET', '/api/cluster')).body as Status;
    const shared = await waitFor(
      'the partitions shared out among the three',
      async () => {
        const status = await statusOf(west);
        const counts = status.instances.map((i) => i.partitions);
        return status.instances.length === 3 && counts.every((n) => n >= 20 && n <= 22) && counts.reduce((a, b) => a + b, 0) === 64 ? status : undefined;
      },
      60_000,
    );
    expect(shared.self).toBe('west');
    expect(shared.instances.map((i) => [i.id, i.live])).toEqual([
      ['east', true],
      ['north', true],
      ['west', true],
    ]);
    expect((await statusOf(east)).self).toBe('east');

    await north.stop();
    const after = await statusOf(east);
    expect(after.instances.find((i) => i.id === 'north')).toMatchObject({ live: false, partitions: 0 });
    await waitFor(
      'east and west hold all 64 again',
      async () => (await statusOf(east)).instances.filter((i) => i.live).reduce((n, i) => n + i.partitions, 0) === 64,
      60_000,
    );
  }, 240_000);

  it('a cabinet opened on a gateway that does not run the cabinets is dispatched by the one that does; a decline taken by a third reaches it', async () => {
    const withResponders = (receiver: HttpReceiver): object => ({
      ...community(receiver),
      responders: [100, 200, 300, 400].map((m, i) => ({
        id: `v${i + 1}`,
        name: `Volunteer ${i + 1}`,
        certifiedUntil: '2027-09-30',
        available: true,
        lat: 30.2661 + m / 111_195,
        lon: 120.1549,
        channels: [{ type: 'webhook', url: receiver.url(`/v${i + 1}`) }],
      })),
    });
    const { gateways, receiver, db } = await cluster(withResponders);
    const { rows } = await db.query<{ owner: string }>('SELECT owner FROM cluster_partitions WHERE partition = 0');
    const others = gateways.filter((g) => g.gateway.config.nodeId !== rows[0]!.owner);
    expect(others).toHaveLength(2);
    const [reached, third] = others as [Harness, Harness];

    const cabinet = await reached.device('aed-01');
    await cabinet.event({ type: 'door_open' });
    const paged = (): string[] => ['v1', 'v2', 'v3', 'v4'].filter((id) => receiver.to(`/${id}`).length > 0);
    await waitFor('the three nearest responders paged', () => paged().length === 3, 60_000);
    expect(paged()).toEqual(['v1', 'v2', 'v3']);
    const alert = await waitFor('the opening on the third gateway', async () => (await third.api('GET', '/api/alerts?kind=aed_opened')).body.alerts[0] as { id: string } | undefined, 30_000);

    const token = (await third.api('POST', '/api/tokens', { role: 'responder', subject: 'v2', label: 'v2 app' })).body.token as string;
    const declined = await third.api('POST', `/api/dispatches/${alert.id}/decline`, undefined, token);
    expect(declined.status).toBe(200);
    await waitFor('the next responder asked by the gateway that runs the cabinets', () => receiver.to('/v4').length === 1, 60_000);
    await waitFor('the decline on the timeline', async () => ((await third.api('GET', `/api/alerts/${alert.id}`)).body.timeline as { text?: string }[]).some((e) => e.text?.includes('Volunteer 2') && e.text.includes('declined')), 30_000);
    expect(['v1', 'v2', 'v3', 'v4'].map((id) => receiver.to(`/${id}`).length)).toEqual([1, 1, 1, 1]);
  }, 240_000);
});
