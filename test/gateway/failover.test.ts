import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type pg from 'pg';
import YAML from 'yaml';
import { describe, expect, it } from 'vitest';
import { SimulatedDevice } from '../../firmware-sim/device-client.js';
import { startGateway, type Child } from '../../firmware-sim/cluster-processes.js';
import { partitionOf } from '../../gateway/cluster/partition-leases.js';
import { serverAvailable } from '../helpers/external-server.js';
import { startReceiver, type HttpReceiver } from '../helpers/http-receiver.js';
import { postgresAvailable } from '../helpers/postgres-server.js';
import { sharedServersForSuite } from '../helpers/shared-servers.js';
import { waitFor } from '../helpers/wait-for.js';
import { partitionsShared } from '../helpers/cluster-partitions.js';

const ADMIN = 'failover-test-admin-token-0123456789';
const FAILOVER_S = 3;
const SECRET = 'failover-secret-b-0001';
const PARTITION = partitionOf('r1');

function community(receiver: HttpReceiver, cancelWindowS: number, secondStepAfterS: number): object {
  return {
    timeZone: 'Asia/Shanghai',
    rules: { fall: { cancelWindowS } },
    grids: [
      {
        id: 'g1',
        name: 'Fuxing Lane',
        onDuty: ['w1'],
        backup: ['w2'],
        escalation: [{ notify: ['onDuty'], waitS: secondStepAfterS }, { notify: ['backup'], waitS: 600 }, { notify: ['emergencyGroup'] }],
      },
    ],
    workers: [
      { id: 'w1', name: 'Wang Fang', grids: ['g1'], channels: [{ type: 'webhook', url: receiver.url('/w1') }] },
      { id: 'w2', name: 'Liu Yang', grids: ['g1'], channels: [{ type: 'webhook', url: receiver.url('/w2') }] },
    ],
    residents: [
      { id: 'r1', name: 'Li Guiying', grid: 'g1' },
      { id: 'r2', name: 'Zhang Xiuying', grid: 'g1' },
    ],
    devices: [
      { id: 'b-0001', kind: 'bracelet', secret: SECRET, resident: 'r1' },
      { id: 'b-0002', kind: 'bracelet', secret: SECRET, resident: 'r2' },
    ],
  };
}

interface Gateway {
  nodeId: string;
  child: Child;
  http: string;
  mqtt: string;
}

interface TimelineEntry {
  type: string;
  to?: string;
  step?: number;
}

// Two gateway processes on one PostgreSQL and one Redis; the one that evaluates Li Guiying's rules
// dies (kill -9) or stalls (SIGSTOP) at the worst moment. Real processes, so the kill is real.
describe.skipIf(!postgresAvailable() || !serverAvailable('redis-server'))('failover between gateways', () => {
  const servers = sharedServersForSuite();
  const { postgres, cleanup } = servers;
  let databases = 0;

  /** Two gateways sharing the partitions; `holder` evaluates Li Guiying's rules, `other` does not. */
  async function twoGateways(cancelWindowS: number, secondStepAfterS: number): Promise<{ holder: Gateway; other: Gateway; receiver: HttpReceiver; db: pg.Pool }> {
    const receiver = await startReceiver();
    const dir = mkdtempSync(path.join(os.tmpdir(), 'gw-failover-'));
    cleanup.push(() => receiver.close(), () => rmSync(dir, { recursive: true, force: true }));
    const url = await postgres.createDatabase(`failover_${process.pid}_${++databases}`);
    const db = postgres.pool(url);
    cleanup.push(() => db.end());
    writeFileSync(path.join(dir, 'provision.yaml'), YAML.stringify(community(receiver, cancelWindowS, secondStepAfterS)));
    const configFile = path.join(dir, 'gateway.yaml');
    writeFileSync(configFile, YAML.stringify({ cluster: { failoverS: FAILOVER_S }, alerts: { tickMs: 200 }, nodeRed: { enabled: false }, broker: { secretHashCost: 1024 } }));
    const gateways: Gateway[] = [];
    for (const nodeId of ['east', 'west']) {
      const env: Record<string, string> = {
        DATABASE_URL: url,
        REDIS_URL: servers.redisUrl,
        NODE_ID: nodeId,
        ADMIN_TOKEN: ADMIN,
        HOST: '127.0.0.1',
        MQTT_PORT: '0',
        MQTT_WS_PORT: '0',
        HTTP_PORT: '0',
        LOG_LEVEL: 'warn',
        // The registry is in PostgreSQL: the first gateway loads the community, the second reads it there.
        ...(nodeId === 'east' ? { PROVISION: path.join(dir, 'provision.yaml') } : {}),
      };
      const { child, ports } = await startGateway(nodeId, path.join(dir, nodeId), env, ['--config', configFile]);
      cleanup.push(() => child.stop('SIGKILL', 0));
      gateways.push({ nodeId, child, http: `http://127.0.0.1:${ports.http}`, mqtt: `mqtt://127.0.0.1:${ports.mqtt}` });
    }
    // Both live, each with its share: the partitions are settled.
    await waitFor(
      'the partitions shared between the two',
      async () => {
        return (await partitionsShared(db, 2)) ? true : undefined;
      },
      120_000,
    );
    const owner = await holderOf(db);
    return { holder: gateways.find((g) => g.nodeId === owner)!, other: gateways.find((g) => g.nodeId !== owner)!, receiver, db };
  }

  async function holderOf(db: pg.Pool): Promise<string | undefined> {
    const { rows } = await db.query<{ owner: string | null }>('SELECT owner FROM cluster_partitions WHERE partition = $1 AND lease_until > now()', [PARTITION]);
    return rows[0]?.owner ?? undefined;
  }

  /** Whether the holder has saved Li Guiying's fall window (the cancel window is running). */
  async function fallWindowSaved(db: pg.Pool): Promise<true | undefined> {
    const { rows } = await db.query<{ body: string }>("SELECT body FROM rule_state WHERE name = 'safety:subject:r1'");
    const saved = rows[0] === undefined ? undefined : (JSON.parse(rows[0].body) as { rules?: { fall?: { pending?: unknown } } });
    return saved?.rules?.fall?.pending != null ? true : undefined;
  }

  async function bracelet(on: Gateway, id = 'b-0001'): Promise<SimulatedDevice> {
    // As firmware: a persistent session, and reconnecting when the gateway closes the connection.
    const device = await SimulatedDevice.connect({ id, secret: SECRET, url: on.mqtt, clean: false, reconnect: { initialDelayMs: 200, maxDelayMs: 1_000 } });
    cleanup.push(() => device.client.endAsync(true));
    return device;
  }

  async function alertOn(gw: Gateway, kind: string): Promise<{ id: string; timeline: TimelineEntry[] } | undefined> {
    const response = await fetch(`${gw.http}/api/alerts`, { headers: { authorization: `Bearer ${ADMIN}` } });
    const { alerts } = (await response.json()) as { alerts: { id: string; kind: string; timeline: TimelineEntry[] }[] };
    return alerts.find((a) => a.kind === kind);
  }

  const delivered = (timeline: TimelineEntry[], to: string): number => timeline.filter((e) => e.type === 'delivered' && e.to === to).length;

  it.each([
    ['on the gateway that holds her', 'holder'],
    ['on the other gateway, which hands her messages to the holder', 'other'],
  ] as const)(
    'a kill -9 of the holder in the fall’s cancel window (bracelet %s): the survivor pages once, within failoverS and the window',
    async (_where, connectedTo) => {
      const windowS = 6;
      const { holder, other, receiver, db } = await twoGateways(windowS, 600);
      const device = await bracelet(connectedTo === 'holder' ? holder : other);
      const fellAtMs = Date.now();
      await device.event({ type: 'fall', confidence: 0.95 });
      await waitFor('the holder to start the cancel window', () => fallWindowSaved(db), 60_000);
      expect(receiver.to('/w1')).toHaveLength(0);

      await holder.child.stop('SIGKILL', 0);
      await waitFor('Wang Fang paged about the fall by the survivor', () => (receiver.to('/w1').length > 0 ? true : undefined), 60_000);
      const pagedAfterS = (Date.now() - fellAtMs) / 1000;
      // The window, then at most a lease's run-out and a round; the rest is this machine's slack.
      expect(pagedAfterS).toBeGreaterThanOrEqual(windowS);
      expect(pagedAfterS).toBeLessThan(windowS + FAILOVER_S + 15);
      expect(await holderOf(db)).toBe(other.nodeId);
      const alert = await waitFor('the fall on the survivor, with its delivery', async () => {
        const found = await alertOn(other, 'fall');
        return found !== undefined && delivered(found.timeline, 'w1') === 1 ? found : undefined;
      }, 30_000);
      expect(alert.timeline.filter((e) => e.type === 'escalated').map((e) => e.step)).toEqual([0]);
      const { rows } = await db.query<{ n: string }>("SELECT count(*) AS n FROM alerts WHERE kind = 'fall'");
      expect(Number(rows[0]!.n)).toBe(1);
      expect(receiver.to('/w1')).toHaveLength(1);
    },
    300_000,
  );

  it('an escalation step due while the holder is dead is taken once, by the survivor', async () => {
    const { holder, other, receiver, db } = await twoGateways(0, 8);
    const device = await bracelet(other);
    await device.event({ type: 'fall', confidence: 0.95 });
    await waitFor('Wang Fang paged by the holder', () => (receiver.to('/w1').length > 0 ? true : undefined), 60_000);
    expect(receiver.to('/w2')).toHaveLength(0);

    await holder.child.stop('SIGKILL', 0);
    await waitFor('Liu Yang, the backup, paged by the survivor', () => (receiver.to('/w2').length > 0 ? true : undefined), 60_000);
    const alert = await waitFor('the second step on the survivor, with its delivery', async () => {
      const found = await alertOn(other, 'fall');
      return found !== undefined && delivered(found.timeline, 'w2') === 1 ? found : undefined;
    }, 30_000);
    expect(alert.timeline.filter((e) => e.type === 'escalated').map((e) => e.step)).toEqual([0, 1]);
    expect(receiver.to('/w1')).toHaveLength(1);
    expect(receiver.to('/w2')).toHaveLength(1);
    expect(await holderOf(db)).toBe(other.nodeId);
  }, 300_000);

  it('a holder stalled past its lease (SIGSTOP) pages nothing for the partition it lost once it runs again', async () => {
    const windowS = 4;
    const { holder, other, receiver, db } = await twoGateways(windowS, 600);
    const device = await bracelet(other);
    await device.event({ type: 'fall', confidence: 0.95 });
    await waitFor('the holder to start the cancel window', () => fallWindowSaved(db), 60_000);

    holder.child.process.kill('SIGSTOP');
    cleanup.push(() => {
      holder.child.process.kill('SIGCONT');
    });
    await waitFor('the survivor to take the partition over', async () => ((await holderOf(db)) === other.nodeId ? true : undefined), 60_000);
    await waitFor('Wang Fang paged by the survivor', () => (receiver.to('/w1').length > 0 ? true : undefined), 60_000);
    // Resolved: a fall the stalled one raised now would be a new alert, and paged.
    const fall = await waitFor('the fall on the survivor', () => alertOn(other, 'fall'), 30_000);
    const resolved = await fetch(`${other.http}/api/alerts/${fall.id}/resolve`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ note: 'Wang Fang is with her; she is unhurt' }),
    });
    expect(resolved.status).toBe(200);

    // Resumed with the window long run out in its memory, and its lease gone.
    const resumedAt = new Date();
    holder.child.process.kill('SIGCONT');
    await waitFor(
      'the stalled gateway to run a lease round after resuming',
      async () => {
        const { rows } = await db.query<{ at: Date }>('SELECT heartbeat_at AS at FROM cluster_instances WHERE id = $1', [holder.nodeId]);
        return rows[0] !== undefined && rows[0].at > resumedAt ? true : undefined;
      },
      60_000,
    );
    // Its tick (every 200 ms) has run by now too, and a fall it raised would be on the survivor's list.
    await waitFor('the stalled gateway to tick after resuming', async () => {
      const { rows } = await db.query<{ at: Date }>('SELECT heartbeat_at AS at FROM cluster_instances WHERE id = $1', [holder.nodeId]);
      return rows[0] !== undefined && rows[0].at.getTime() > resumedAt.getTime() + 1_500 ? true : undefined;
    }, 60_000);
    const { rows } = await db.query<{ n: string; state: string }>("SELECT count(*) AS n, max(state) AS state FROM alerts WHERE kind = 'fall'");
    expect(rows[0]).toMatchObject({ n: '1', state: 'resolved' });
    expect(receiver.to('/w1')).toHaveLength(1);
  }, 300_000);

  it('PostgreSQL stopped for 30 s under load: both stay up and say so on /readyz; no acknowledged reading or event is lost; the SOS sent meanwhile is paged once', async () => {
    const { holder, other, receiver, db } = await twoGateways(30, 600);
    const sosBracelet = await bracelet(other);
    const busy = await bracelet(holder, 'b-0002');
    const ready = async (gw: Gateway): Promise<number> => (await fetch(`${gw.http}/readyz`)).status;

    // Readings at QoS 1, about 50 a second, each acknowledged only once it is stored.
    const acked: number[] = [];
    const sends: Promise<void>[] = [];
    let sending = true;
    let lastTs = 0;
    const load = (async () => {
      while (sending) {
        const ts = Math.max(Date.now(), lastTs + 1);
        lastTs = ts;
        sends.push(busy.telemetry({ hr: 72, ts }, 1).then(() => void acked.push(ts), () => undefined));
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    await waitFor('readings stored before the outage', async () => acked.length >= 50, 60_000);

    const stoppedAt = Date.now();
    await postgres.shutdown();
    let sosAcked = false;
    let sos: Promise<void>;
    try {
      await waitFor('/readyz 503 on both while PostgreSQL is stopped', async () => (await ready(holder)) === 503 && (await ready(other)) === 503, 60_000);
      sos = sosBracelet.event({ type: 'sos' }).then(() => {
        sosAcked = true;
      });
      // A worker's console asking meanwhile is told to try again, not that the gateway failed.
      const asked = await fetch(`${other.http}/api/alerts`, { headers: { authorization: `Bearer ${ADMIN}` } });
      expect(asked.status).toBe(503);
      expect(asked.headers.get('retry-after')).toBe('5');
      expect(await asked.json()).toMatchObject({ error: 'GW_ERR_STORE_UNAVAILABLE' });
      // The outage lasts its 30 s (the scenario, not a wait for something).
      await new Promise((r) => setTimeout(r, Math.max(0, 30_000 - (Date.now() - stoppedAt))));
      expect(sosAcked).toBe(false);
      expect(receiver.to('/w1')).toHaveLength(0);
      expect(holder.child.running() && other.child.running()).toBe(true);
    } finally {
      await postgres.start();
    }
    await waitFor('/readyz 200 on both once PostgreSQL is back', async () => (await ready(holder)) === 200 && (await ready(other)) === 200, 120_000);
    await waitFor('the SOS acknowledged once stored', () => sosAcked, 120_000);
    await sos;
    const ackedBeforeStop = acked.length;
    await waitFor('readings acknowledged again after the outage', () => acked.length > ackedBeforeStop + 50, 120_000);
    sending = false;
    await load;
    await waitFor('every reading sent answered', async () => (await Promise.race([Promise.all(sends).then(() => true), new Promise<false>((r) => setTimeout(() => r(false), 1_000))])) || undefined, 120_000);

    const { rows } = await db.query<{ ts: string }>("SELECT ts_ms AS ts FROM readings WHERE device_id = 'b-0002'");
    const stored = new Set(rows.map((r) => Number(r.ts)));
    expect(acked.filter((ts) => !stored.has(ts))).toEqual([]);

    await waitFor('Wang Fang paged about the SOS', () => (receiver.to('/w1').length > 0 ? true : undefined), 60_000);
    const sosAlert = await waitFor('the SOS with its delivery', async () => {
      const found = await alertOn(holder, 'sos');
      return found !== undefined && delivered(found.timeline, 'w1') === 1 ? found : undefined;
    }, 60_000);
    expect(sosAlert.timeline.filter((e) => e.type === 'escalated').map((e) => e.step)).toEqual([0]);
    const { rows: sosRows } = await db.query<{ n: string }>("SELECT count(*) AS n FROM alerts WHERE kind = 'sos'");
    expect(Number(sosRows[0]!.n)).toBe(1);
    expect(receiver.to('/w1')).toHaveLength(1);
  }, 400_000);
});
