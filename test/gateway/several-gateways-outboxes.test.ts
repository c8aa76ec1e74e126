import type pg from 'pg';
import { describe, expect, it } from 'vitest';
import { serverAvailable } from '../helpers/external-server.js';
import { fakeClock, type FakeClock } from '../helpers/fake-clock.js';
import { startHarness, TEST_PROVISION, type Harness } from '../helpers/gateway-harness.js';
import { startReceiver, type HttpReceiver } from '../helpers/http-receiver.js';
import { postgresAvailable } from '../helpers/postgres-server.js';
import { sharedServersForSuite } from '../helpers/shared-servers.js';
import { waitFor } from '../helpers/wait-for.js';
import { partitionsShared } from '../helpers/cluster-partitions.js';

/** A weekday at 10:00 in Shanghai. */
const T0 = Date.parse('2026-12-08T02:00:00Z');
const PATIENT = { lat: 30.2656, lon: 120.1551 };
/** failoverS 3 and a 1 s send timeout: a sender holds what it took for 3 s (max(failoverS, 3 timeouts)). */
const HOLD_MS = 3_000;

function community(receiver: HttpReceiver): object {
  return {
    ...TEST_PROVISION,
    dispatch120: { url: receiver.url('/120'), bodyTemplate: '{"ref":"{{alertId}}","kind":"{{kind}}","name":"{{residentName}}"}' },
    grids: [
      { id: 'g1', name: 'Fuxing Lane', district: 'd1', onDuty: ['w1'], dispatch120: { afterS: 60, on: ['sos'] } },
      { id: 'g2', name: 'Qingbo Gate', district: 'd2', onDuty: ['w2'] },
    ],
    workers: [
      { id: 'w1', name: 'Wang Fang', grids: ['g1'], channels: [{ type: 'webhook', url: receiver.url('/w1') }] },
      { id: 'w2', name: 'Liu Yang', grids: ['g2'], channels: [] },
    ],
    responders: [
      { id: 'v1', name: 'Chen Jing', certifiedUntil: '2027-09-30', available: true, lat: PATIENT.lat + 0.001, lon: PATIENT.lon, channels: [{ type: 'webhook', url: receiver.url('/v1') }] },
    ],
  };
}

// Two gateways on one PostgreSQL share the emergency messages' and the 120 handoffs' outboxes, as
// they share the page outbox: each message and each handoff reaches its receiver once, whichever
// gateway ticks, and a dead gateway's due send is taken over by the other once its hold ends.
describe.skipIf(!postgresAvailable() || !serverAvailable('redis-server'))('the emergency and 120 outboxes shared by two gateways', () => {
  const servers = sharedServersForSuite();
  const { postgres, cleanup } = servers;
  let databases = 0;

  async function twoGateways(failoverS = 3): Promise<{ east: Harness; west: Harness; receiver: HttpReceiver; clock: FakeClock; db: pg.Pool }> {
    const receiver = await startReceiver();
    cleanup.push(() => receiver.close());
    const url = await postgres.createDatabase(`outboxes_${process.pid}_${++databases}`);
    const db = postgres.pool(url);
    cleanup.push(() => db.end());
    const clock = fakeClock(T0);
    const gateways: Harness[] = [];
    for (const nodeId of ['east', 'west']) {
      const overrides = { databaseUrl: url, redisUrl: servers.redisUrl, nodeId, alerts: { tickMs: 60_000 }, cluster: { failoverS }, pager: { timeoutMs: 1_000 } };
      const h = await startHarness({ provision: community(receiver), now: clock.now, overrides });
      cleanup.push(() => h.dispose());
      gateways.push(h);
    }
    await waitFor(
      'the partitions shared out between the two',
      async () => {
        return partitionsShared(db, 2);
      },
      60_000,
    );
    return { east: gateways[0]!, west: gateways[1]!, receiver, clock, db };
  }

  /** An emergency reported to east, whose page to Chen Jing failed once (her phone answered 503): east holds it until T0 + HOLD_MS. */
  async function pageFailedOnceOnEast(east: Harness, receiver: HttpReceiver, db: pg.Pool): Promise<{ emergencyId: string; sendKey: string }> {
    receiver.answer('/v1', 503);
    const dispatcher = (await east.api('POST', '/api/tokens', { role: 'dispatcher', label: 'centre' })).body.token as string;
    const created = await east.api('POST', '/api/emergencies', { ref: '120-20261208-0001', kind: 'cardiac_arrest', ...PATIENT, address: 'Building 3, Fuxing Lane' }, dispatcher);
    expect(created.status).toBe(201);
    const emergencyId = created.body.id as string;
    const messageId = await waitFor(
      'the first attempt on Chen Jing’s phone written down',
      async () => {
        const { rows } = await db.query<{ id: string; attempt: number }>("SELECT id, attempt FROM emergency_messages WHERE emergency_id = $1 AND purpose = 'dispatch'", [emergencyId]);
        return rows.length === 1 && rows[0]!.attempt === 1 ? rows[0]!.id : undefined;
      },
      60_000,
    );
    expect(receiver.to('/v1')).toHaveLength(1);
    expect((await db.query('SELECT claimed_by, claimed_until_ms FROM emergency_messages WHERE id = $1', [messageId])).rows).toEqual([{ claimed_by: 'east', claimed_until_ms: String(T0 + HOLD_MS) }]);
    receiver.answer('/v1', 200);
    // Every attempt on the first route is the same send: the responder's side can tell a retry from a second page.
    return { emergencyId, sendKey: `emergency-${messageId}-0` };
  }

  const dispatchState = async (db: pg.Pool, emergencyId: string) =>
    (await db.query<{ state: string }>("SELECT state FROM emergency_messages WHERE emergency_id = $1 AND purpose = 'dispatch'", [emergencyId])).rows.map((r) => r.state);

  it('an emergency page due while both gateways tick reaches the responder once: not while one is sending it, nor when both look at once', async () => {
    const { east, west, receiver, clock, db } = await twoGateways();
    const { emergencyId, sendKey } = await pageFailedOnceOnEast(east, receiver, db);
    // Past its backoff and past east's hold. Her phone takes its time: east's second attempt is under way when west looks.
    receiver.answer('/v1', 'hang');
    clock.advance(HOLD_MS + 1_000);
    const eastTick = east.gateway.emergencies.tick();
    await waitFor('east’s second attempt on Chen Jing’s phone', () => receiver.to('/v1').length === 2, 30_000);
    await west.gateway.emergencies.tick();
    expect(receiver.to('/v1')).toHaveLength(2);
    // East's attempt runs out of time (1 s); the third waits out the backoff (4 s), past east's hold: both look at once.
    await eastTick;
    receiver.answer('/v1', 200);
    clock.advance(4_000);
    await Promise.all([east.gateway.emergencies.tick(), west.gateway.emergencies.tick()]);
    await waitFor('the page delivered', async () => (await dispatchState(db, emergencyId))[0] === 'delivered', 30_000);
    for (let i = 0; i < 3; i++) {
      clock.advance(HOLD_MS + 1_000);
      await Promise.all([east.gateway.emergencies.tick(), west.gateway.emergencies.tick()]);
    }
    const pages = receiver.to('/v1');
    expect(pages).toHaveLength(3);
    expect(pages.map((p) => p.headers['idempotency-key'])).toEqual([sendKey, sendKey, sendKey]);
    expect(await dispatchState(db, emergencyId)).toEqual(['delivered']);
  }, 240_000);

  it('a page held by a gateway that died is sent by the other once the hold ends, and only then', async () => {
    const { east, west, receiver, clock, db } = await twoGateways();
    const { emergencyId, sendKey } = await pageFailedOnceOnEast(east, receiver, db);
    await east.stop();
    // Due again (backoff 2 s), but still east's for a moment: west passes it by.
    clock.advance(HOLD_MS - 500);
    await west.gateway.emergencies.tick();
    expect(receiver.to('/v1')).toHaveLength(1);
    clock.advance(500);
    await west.gateway.emergencies.tick();
    expect(receiver.to('/v1')).toHaveLength(2);
    expect(receiver.to('/v1').map((p) => p.headers['idempotency-key'])).toEqual([sendKey, sendKey]);
    expect(await dispatchState(db, emergencyId)).toEqual(['delivered']);
    const { rows } = await db.query<{ claimed_by: string }>("SELECT claimed_by FROM emergency_messages WHERE emergency_id = $1 AND purpose = 'dispatch'", [emergencyId]);
    expect(rows).toEqual([{ claimed_by: 'west' }]);
  }, 240_000);

  /** An SOS from Li Guiying's bracelet on east, paged and known to both gateways: its alert id. */
  async function sosKnownToBoth(east: Harness, west: Harness, receiver: HttpReceiver): Promise<string> {
    const bracelet = await east.device('b-0001');
    await bracelet.event({ type: 'sos' });
    await waitFor('Wang Fang paged about the SOS', () => receiver.to('/w1').length >= 1, 60_000);
    const alertId = receiver.to('/w1')[0]!.body.alert.id as string;
    for (const g of [east, west]) await waitFor('both gateways know the SOS', () => g.gateway.alerting.service.activeAlert(alertId) !== undefined, 30_000);
    await bracelet.close();
    return alertId;
  }

  it('a 120 handoff due while both gateways tick reaches the centre once: not while one is sending it, nor when both look at once', async () => {
    const { east, west, receiver, clock, db } = await twoGateways();
    // The centre takes its time: east's first attempt is still under way when west looks.
    receiver.answer('/120', 'hang');
    const alertId = await sosKnownToBoth(east, west, receiver);

    clock.advance(60_000);
    const eastTick = east.gateway.alerting.tick();
    await waitFor('east’s handoff at the centre', () => receiver.to('/120').length === 1, 30_000);
    await west.gateway.alerting.tick();
    expect(receiver.to('/120')).toHaveLength(1);
    // East's attempt runs out of time (1 s) and waits 15 s for the next.
    await eastTick;
    expect((await db.query('SELECT state, attempt, claimed_by FROM dispatch120_handoffs WHERE alert_id = $1', [alertId])).rows).toEqual([{ state: 'pending', attempt: 1, claimed_by: 'east' }]);

    receiver.answer('/120', 201, '{"reference":"HZ120-0042"}');
    clock.advance(15_000);
    await Promise.all([east.gateway.alerting.tick(), west.gateway.alerting.tick()]);
    await waitFor('the handoff sent', async () => (await db.query("SELECT 1 FROM dispatch120_handoffs WHERE alert_id = $1 AND state = 'sent'", [alertId])).rowCount === 1, 30_000);
    for (let i = 0; i < 3; i++) {
      clock.advance(20_000);
      await Promise.all([east.gateway.alerting.tick(), west.gateway.alerting.tick()]);
    }
    const handoffs = receiver.to('/120');
    expect(handoffs).toHaveLength(2);
    for (const handoff of handoffs) {
      expect(handoff.body).toMatchObject({ ref: alertId, kind: 'sos', name: 'Li Guiying' });
      expect(handoff.headers['idempotency-key']).toBe(`handoff-${alertId}`);
    }
    const { rows } = await db.query<{ attempt: number; reference: string }>('SELECT attempt, reference FROM dispatch120_handoffs WHERE alert_id = $1', [alertId]);
    expect(rows).toEqual([{ attempt: 2, reference: 'HZ120-0042' }]);
  }, 240_000);

  it('a 120 handoff whose attempt failed on a gateway that then died is sent by the other once the hold ends, and only then', async () => {
    // failoverS 20: east holds the handoff past its next attempt (15 s after a failure).
    const { east, west, receiver, clock, db } = await twoGateways(20);
    receiver.answer('/120', 503);
    const alertId = await sosKnownToBoth(east, west, receiver);
    clock.advance(60_000);
    await east.gateway.alerting.tick();
    expect(receiver.to('/120')).toHaveLength(1);
    expect((await db.query('SELECT state, attempt, claimed_by FROM dispatch120_handoffs WHERE alert_id = $1', [alertId])).rows).toEqual([{ state: 'pending', attempt: 1, claimed_by: 'east' }]);
    await east.stop();

    receiver.answer('/120', 201, '{"reference":"HZ120-0043"}');
    clock.advance(15_000);
    await west.gateway.alerting.tick();
    expect(receiver.to('/120')).toHaveLength(1);
    clock.advance(5_000);
    await west.gateway.alerting.tick();
    expect(receiver.to('/120')).toHaveLength(2);
    expect(receiver.to('/120').map((r) => r.headers['idempotency-key'])).toEqual([`handoff-${alertId}`, `handoff-${alertId}`]);
    expect((await db.query('SELECT state, attempt, reference, claimed_by FROM dispatch120_handoffs WHERE alert_id = $1', [alertId])).rows).toEqual([
      { state: 'sent', attempt: 2, reference: 'HZ120-0043', claimed_by: 'west' },
    ]);
  }, 240_000);
});
