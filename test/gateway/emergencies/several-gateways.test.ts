import { get as httpGet } from 'node:http';
import { describe, expect, it } from 'vitest';
import type { Emergency } from '../../../gateway/emergencies/emergency-store.js';
import { serverAvailable } from '../../helpers/external-server.js';
import { fakeClock } from '../../helpers/fake-clock.js';
import { startHarness, TEST_PROVISION, type Harness } from '../../helpers/gateway-harness.js';
import { startReceiver, type HttpReceiver } from '../../helpers/http-receiver.js';
import { postgresAvailable } from '../../helpers/postgres-server.js';
import { sharedServersForSuite } from '../../helpers/shared-servers.js';
import { waitFor } from '../../helpers/wait-for.js';
import { partitionsShared } from '../../helpers/cluster-partitions.js';

/** A weekday at 10:00 in Shanghai. */
const T0 = Date.parse('2026-12-08T02:00:00Z');
const PATIENT = { lat: 30.2656, lon: 120.1551 };
const M_PER_DEG_LAT = 111_195;

function community(receiver: HttpReceiver): object {
  const responder = (id: string, name: string, metresNorth: number) => ({
    id,
    name,
    certifiedUntil: '2027-09-30',
    available: true,
    lat: PATIENT.lat + metresNorth / M_PER_DEG_LAT,
    lon: PATIENT.lon,
    channels: [{ type: 'webhook', url: receiver.url(`/${id}`) }],
  });
  return {
    ...TEST_PROVISION,
    // Two asked at a time, 60 s to answer.
    rules: { aedOpened: { responders: 2, acceptTimeoutS: 60 } },
    responders: [responder('v1', 'Chen Jing', 50), responder('v2', 'Zhao Min', 100), responder('v3', 'Sun Li', 150)],
  };
}

interface EmergencyEvent {
  change: string[];
  emergency: { id: string; responders: { id: string; state: string }[] };
}

/** A dispatcher's SSE client on a gateway's emergency stream: resolves once it said hello, then collects `emergency` events. */
async function openEmergencyStream(baseUrl: string, token: string, cleanup: (() => void)[]): Promise<EmergencyEvent[]> {
  const events: EmergencyEvent[] = [];
  await new Promise<void>((resolve, reject) => {
    const request = httpGet(`${baseUrl}/api/emergencies/stream`, { headers: { authorization: `Bearer ${token}` } }, (response) => {
      response.setEncoding('utf8');
      let buffer = '';
      response.on('data', (chunk: string) => {
        buffer += chunk;
        for (let cut = buffer.indexOf('\n\n'); cut >= 0; cut = buffer.indexOf('\n\n')) {
          const frame = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          const event = /^event: (.*)$/m.exec(frame)?.[1];
          const data = /^data: (.*)$/m.exec(frame)?.[1];
          if (event === 'hello') resolve();
          if (event === 'emergency' && data !== undefined) events.push(JSON.parse(data) as EmergencyEvent);
        }
      });
    });
    request.on('error', reject);
    cleanup.push(() => request.destroy());
  });
  return events;
}

// Two gateways on one PostgreSQL are one emergency centre: an emergency created through one is
// answered through the other, and an answer deadline passing while both tick asks the next
// responder once, over the stored answer (not over a copy made before it).
describe.skipIf(!postgresAvailable() || !serverAvailable('redis-server'))('emergencies shared by two gateways', () => {
  const servers = sharedServersForSuite();
  const { postgres, cleanup } = servers;

  it('an emergency created through one gateway, answered through the other: the next responder is asked once when a deadline passes', async () => {
    const receiver = await startReceiver();
    cleanup.push(() => receiver.close());
    const url = await postgres.createDatabase(`emergencies_${process.pid}`);
    const db = postgres.pool(url);
    cleanup.push(() => db.end());
    const clock = fakeClock(T0);
    const gateways: Harness[] = [];
    for (const nodeId of ['east', 'west']) {
      const overrides = { databaseUrl: url, redisUrl: servers.redisUrl, nodeId, alerts: { tickMs: 60_000 }, cluster: { failoverS: 3 } };
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
    const [a, b] = gateways as [Harness, Harness];
    const tickBoth = () => Promise.all([a.gateway.emergencies.tick(), b.gateway.emergencies.tick()]);

    const dispatcher = (await a.api('POST', '/api/tokens', { role: 'dispatcher', label: 'centre' })).body.token as string;
    const streams = [await openEmergencyStream(a.httpUrl, dispatcher, cleanup), await openEmergencyStream(b.httpUrl, dispatcher, cleanup)];
    const created = await a.api('POST', '/api/emergencies', { ref: '120-20261208-0007', kind: 'cardiac_arrest', ...PATIENT, address: 'Building 3, Fuxing Lane' }, dispatcher);
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    // The other gateway's dispatchers see it as it is saved, not at that gateway's next tick (a minute here).
    const seenOnB = await waitFor('the new emergency on the other gateway’s stream', () => streams[1]!.find((e) => e.emergency.id === id), 30_000);
    expect(seenOnB.emergency.responders.map((r) => [r.id, r.state])).toEqual([
      ['v1', 'asked'],
      ['v2', 'asked'],
    ]);
    // Both gateways have looked at the active emergencies before the answer (each keeps its view of them).
    await tickBoth();
    await waitFor('Chen Jing and Zhao Min paged', () => receiver.to('/v1').length === 1 && receiver.to('/v2').length === 1, 30_000);

    // Chen Jing accepts through the other gateway.
    const chen = (await b.api('POST', '/api/tokens', { role: 'responder', subject: 'v1', label: 'Chen Jing' })).body.token as string;
    const accepted = await b.api('POST', `/api/emergencies/${id}/responders/me/accept`, undefined, chen);
    expect(accepted.status).toBe(200);
    expect(accepted.body.changed).toBe(true);
    // She reports where she is through the gateway that created it, before it has ticked again: its stream shows her as accepted.
    const moved = await a.api('POST', '/api/responders/me/location', { lat: PATIENT.lat + 40 / M_PER_DEG_LAT, lon: PATIENT.lon }, chen);
    expect(moved.status).toBe(200);
    const move = await waitFor('her move on the stream', () => streams[0]!.find((e) => e.change.includes('responder_moved')), 30_000);
    expect(move.emergency.responders.find((r) => r.id === 'v1')?.state).toBe('accepted');

    // Zhao Min's 60 s run out while both gateways tick, several times (until the one running the community has asked Sun Li).
    clock.advance(60_000);
    await waitFor(
      'Sun Li paged',
      async () => {
        await tickBoth();
        return receiver.to('/v3').length >= 1;
      },
      60_000,
    );
    for (let i = 0; i < 3; i++) {
      clock.advance(5_000);
      await tickBoth();
    }
    await waitFor('every message sent', async () => (await db.query("SELECT 1 FROM emergency_messages WHERE emergency_id = $1 AND state = 'pending'", [id])).rowCount === 0, 30_000);

    expect(receiver.to('/v3')).toHaveLength(1);
    expect(receiver.to('/v1')).toHaveLength(1);
    expect(receiver.to('/v2')).toHaveLength(1);
    const stored = JSON.parse((await db.query<{ body: string }>('SELECT body FROM emergencies WHERE id = $1', [id])).rows[0]!.body) as Emergency;
    expect(stored.dispatch.runs.map((r) => [r.responderId, r.state])).toEqual([
      ['v1', 'accepted'],
      ['v2', 'timed_out'],
      ['v3', 'asked'],
    ]);
    const lines = stored.timeline.map((t) => [t.type, t.responder ?? null]);
    expect(lines.filter(([type]) => type === 'responder_accepted')).toEqual([['responder_accepted', 'v1']]);
    expect(lines.filter(([type]) => type === 'timed_out')).toEqual([['timed_out', 'v2']]);
    expect(lines.filter(([type, who]) => type === 'asked' && who === 'v3')).toHaveLength(1);
    const pages = (await db.query<{ n: string }>("SELECT count(*) AS n FROM emergency_messages WHERE emergency_id = $1 AND purpose = 'dispatch'", [id])).rows[0]!.n;
    expect(Number(pages)).toBe(3);
    // Both gateways' dispatchers saw every change, whichever gateway made it.
    for (const events of streams) {
      const last = await waitFor('the next ask on the stream', () => events.findLast((e) => e.change.includes('responder_asked') && e.emergency.responders.length === 3), 30_000);
      expect(last.emergency.responders.map((r) => [r.id, r.state])).toEqual([
        ['v1', 'accepted'],
        ['v2', 'timed_out'],
        ['v3', 'asked'],
      ]);
      const changes = events.filter((e) => e.emergency.id === id).flatMap((e) => e.change);
      expect(changes.filter((c) => c === 'created' || c === 'responder_accepted' || c === 'responder_timed_out')).toEqual(['created', 'responder_accepted', 'responder_timed_out']);
    }
    // Both gateways show the same emergency.
    for (const g of [a, b]) {
      const view = (await g.api('GET', `/api/emergencies/${id}`, undefined, dispatcher)).body;
      expect(view.responders.map((r: { id: string; state: string }) => [r.id, r.state])).toEqual([
        ['v1', 'accepted'],
        ['v2', 'timed_out'],
        ['v3', 'asked'],
      ]);
    }
  }, 240_000);
});
