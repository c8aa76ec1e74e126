import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import mqtt from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeCbor } from '../../sensors/index.js';
import { makeDataDir } from '../helpers/gateway-harness.js';
import { startGatewayProcess, type GatewayProcess } from '../helpers/gateway-process.js';

const ADMIN = 'acked-means-stored-admin-token-0123';
const DEVICES = 5;
const PER_DEVICE = 1000;
/** Device times a minute before the test: plausible to the gateway (it replaces a broken clock's). */
const T0 = Date.now() - 60_000;
const ids = Array.from({ length: DEVICES }, (_, i) => `b-${String(i).padStart(4, '0')}`);

function provision(): object {
  return {
    grids: [{ id: 'g1', name: 'Fuxing Lane', onDuty: ['w1'] }],
    workers: [{ id: 'w1', name: 'Wang Fang', grids: ['g1'], channels: [] }],
    residents: ids.map((_, i) => ({ id: `r${i}`, name: `Resident ${i}`, grid: 'g1' })),
    devices: ids.map((id, i) => ({ id, kind: 'bracelet', secret: `secret-${id}`, resident: `r${i}` })),
  };
}

async function storedTimes(gw: GatewayProcess, id: string): Promise<number[]> {
  const res = await fetch(`${gw.http}/api/devices/${id}/readings?from=${T0}&to=${T0 + PER_DEVICE}&limit=10000`, { headers: { authorization: `Bearer ${ADMIN}` } });
  expect(res.status).toBe(200);
  const body = (await res.json()) as { items?: { tsMs?: number; ts?: number }[]; readings?: { tsMs?: number; ts?: number }[] };
  return (body.items ?? body.readings ?? []).map((r) => r.tsMs ?? r.ts ?? NaN);
}

/**
 * CONTRACT.md §2: a QoS 1 PUBACK means the reading is stored. Each device sends its readings,
 * `send` decides how fast; the gateway is killed with SIGKILL the moment the last PUBACK arrives,
 * restarted, and must hold every reading it acknowledged.
 */
async function killAtLastPuback(gw: GatewayProcess, send: (publish: () => void, count: number) => Promise<void>): Promise<void> {
  const clients = await Promise.all(ids.map((id) => mqtt.connectAsync(gw.mqtt, { clientId: id, username: id, password: `secret-${id}`, reconnectPeriod: 0, clean: true })));
  let acked = 0;
  const total = DEVICES * PER_DEVICE;
  const allAcked = new Promise<void>((resolve, reject) => {
    for (const client of clients) client.on('error', reject);
    for (const [d, client] of clients.entries()) {
      let next = 0;
      const publish = (): void => {
        const i = next++;
        client.publish(`devices/${ids[d]}/telemetry`, encodeCbor({ ts: T0 + i, hr: 60 + (i % 40), steps: i }), { qos: 1 }, (err) => {
          if (err) return reject(err);
          if (++acked === total) {
            // The promise: once acknowledged, a crash loses nothing.
            gw.child.kill('SIGKILL');
            resolve();
          }
        });
      };
      void send(publish, PER_DEVICE);
    }
  });
  await allAcked;
  await gw.exited;
  expect(gw.child.signalCode).toBe('SIGKILL');
  for (const client of clients) client.end(true);
}

describe('a QoS 1 PUBACK means stored: SIGKILL at the last PUBACK loses nothing', () => {
  const cleanup: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  async function run(send: (publish: () => void, count: number) => Promise<void>): Promise<void> {
    const dataDir = makeDataDir();
    cleanup.push(() => rmSync(dataDir, { recursive: true, force: true }));
    writeFileSync(path.join(dataDir, 'provision.json'), JSON.stringify(provision()));
    // Half a second between timed flushes: readings would wait that long in memory, PUBACKed.
    writeFileSync(path.join(dataDir, 'config.json'), JSON.stringify({ telemetry: { flushIntervalMs: 500 }, nodeRed: { enabled: false } }));
    const env = { PROVISION: path.join(dataDir, 'provision.json'), ADMIN_TOKEN: ADMIN };
    const first = await startGatewayProcess(dataDir, env, ['--config', path.join(dataDir, 'config.json')]);
    cleanup.push(() => first.stop());
    await killAtLastPuback(first, send);

    const second = await startGatewayProcess(dataDir, env, ['--config', path.join(dataDir, 'config.json')]);
    cleanup.push(() => second.stop());
    for (const id of ids) {
      const times = await storedTimes(second, id);
      expect(new Set(times).size, `${id}: distinct readings stored`).toBe(PER_DEVICE);
    }
  }

  it('5,000 readings sent in a burst', async () => {
    await run(async (publish, count) => {
      for (let i = 0; i < count; i++) publish();
    });
  }, 240_000);

  it('5,000 readings sent paced, a few every few milliseconds', async () => {
    await run(async (publish, count) => {
      for (let i = 0; i < count; i += 5) {
        for (let k = 0; k < 5; k++) publish();
        await new Promise((r) => setTimeout(r, 2));
      }
    });
  }, 240_000);
});
