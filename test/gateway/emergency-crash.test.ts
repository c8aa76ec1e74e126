import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { afterEach, describe, expect, it } from 'vitest';
import { SimulatedDevice } from '../../firmware-sim/device-client.js';
import { makeDataDir } from '../helpers/gateway-harness.js';
import { startReceiver, type HttpReceiver } from '../helpers/http-receiver.js';
import { waitFor } from '../helpers/wait-for.js';

/*
 * A kill -9 in the middle of a dispatch, on the real gateway process: after the restart the
 * dispatch goes on from where it was (who was asked, who accepted, the running answer window),
 * and nobody is paged twice, no cabinet unlocked twice.
 */

const root = path.resolve(import.meta.dirname, '../..');
const ADMIN = 'emergency-crash-admin-token-0123456789';
const PATIENT = { lat: 30.2661, lon: 120.1549 };
const north = (m: number) => ({ lat: PATIENT.lat + m / 111_195, lon: PATIENT.lon });

interface Running {
  child: ChildProcess;
  http: string;
  mqtt: string;
  exited: Promise<unknown>;
}

async function startGateway(dataDir: string): Promise<Running> {
  const portsFile = path.join(dataDir, 'ports.json');
  rmSync(portsFile, { force: true });
  const child = spawn(process.execPath, ['--import', 'tsx', 'gateway/main.ts'], {
    cwd: root,
    env: {
      ...process.env,
      DATA_DIR: dataDir,
      PROVISION: path.join(dataDir, 'provision.yaml'),
      MQTT_PORT: '0',
      MQTT_WS_PORT: '0',
      HTTP_PORT: '0',
      HOST: '127.0.0.1',
      ADMIN_TOKEN: ADMIN,
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const ports = await waitFor(
    'ports.json',
    () => (existsSync(portsFile) ? (JSON.parse(readFileSync(portsFile, 'utf8')) as { http: number; mqtt: number }) : undefined),
    60_000,
  );
  return { child, http: `http://127.0.0.1:${ports.http}`, mqtt: `mqtt://127.0.0.1:${ports.mqtt}`, exited };
}

async function call(gw: Running, method: string, url: string, token = ADMIN, body?: object): Promise<any> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const response = await fetch(`${gw.http}${url}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return response.json();
}

function provision(receiver: HttpReceiver) {
  const responder = (id: string, m: number) => ({ id, name: `Volunteer ${id}`, certifiedUntil: '2027-09-30', available: true, ...north(m), channels: [{ type: 'webhook', url: receiver.url(`/${id}`) }] });
  return {
    timeZone: 'Asia/Shanghai',
    // Two asked at a time; 15 s to answer, so the window runs across the restart.
    rules: { aedOpened: { responders: 2, acceptTimeoutS: 15 } },
    grids: [{ id: 'g1', name: 'Fuxing Lane', district: 'd1', onDuty: ['w1'] }],
    workers: [{ id: 'w1', name: 'Wang Fang', grids: ['g1'], channels: [] }],
    aeds: [{ id: 'a1', ...north(120), grid: 'g1', description: 'Community health station', accessHours: '24/7' }],
    devices: [{ id: 'aed-01', kind: 'aed', secret: 'crash-secret-aed-01', aed: 'a1' }],
    responders: [responder('v1', 100), responder('v2', 200), responder('v3', 300)],
  };
}

describe('a kill -9 during a dispatch', () => {
  const cleanup: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  function track(gw: Running): Running {
    cleanup.push(async () => {
      if (gw.child.exitCode === null && gw.child.signalCode === null) {
        gw.child.kill('SIGTERM');
        await gw.exited;
      }
    });
    return gw;
  }

  it('resumes where it was: who was asked, who accepted, the answer window; nobody paged twice', async () => {
    const receiver = await startReceiver();
    const dataDir = makeDataDir();
    writeFileSync(path.join(dataDir, 'provision.yaml'), YAML.stringify(provision(receiver)));
    cleanup.push(() => receiver.close(), () => rmSync(dataDir, { recursive: true, force: true }));

    const first = track(await startGateway(dataDir));
    const cabinet = await SimulatedDevice.connect({ id: 'aed-01', secret: 'crash-secret-aed-01', url: first.mqtt, encoding: 'json' });
    cleanup.push(() => cabinet.client.endAsync(true));
    const dispatcher = (await call(first, 'POST', '/api/tokens', ADMIN, { role: 'dispatcher' })).token as string;
    const v1 = (await call(first, 'POST', '/api/tokens', ADMIN, { role: 'responder', subject: 'v1' })).token as string;
    const created = await call(first, 'POST', '/api/emergencies', dispatcher, { ref: 'crash-1', kind: 'cardiac_arrest', ...PATIENT });
    await waitFor('v1 and v2 paged', () => receiver.to('/v1').length === 1 && receiver.to('/v2').length === 1);
    await call(first, 'POST', `/api/emergencies/${created.id}/responders/me/accept`, v1);
    await waitFor('the unlock taken by the broker', async () => (await call(first, 'GET', `/api/emergencies/${created.id}`, dispatcher)).unlocks[0]?.sentAtMs > 0);
    expect(cabinet.commands).toHaveLength(1);
    const before = await call(first, 'GET', `/api/emergencies/${created.id}`, dispatcher);
    expect(before.responders.map((r: { id: string; state: string }) => [r.id, r.state])).toEqual([
      ['v1', 'accepted'],
      ['v2', 'asked'],
    ]);

    first.child.kill('SIGKILL');
    await first.exited;
    expect(first.child.signalCode).toBe('SIGKILL');

    const second = track(await startGateway(dataDir));
    const resumed = await call(second, 'GET', `/api/emergencies/${created.id}`, dispatcher);
    expect(resumed.responders.find((r: { id: string }) => r.id === 'v1')).toMatchObject({ state: 'accepted', route: 'via_aed', aed: { id: 'a1', unlocked: true } });
    const v2 = resumed.responders.find((r: { id: string }) => r.id === 'v2');
    expect(v2.answerBy).toBe(before.responders.find((r: { id: string }) => r.id === 'v2').answerBy);

    // v2's window, started before the crash, runs out after it: v3 is asked, once.
    await waitFor('v3 paged after v2 stayed silent', () => receiver.to('/v3').length === 1, 30_000);
    const after = await call(second, 'GET', `/api/emergencies/${created.id}`, dispatcher);
    expect(after.responders.map((r: { id: string; state: string }) => [r.id, r.state])).toEqual([
      ['v1', 'accepted'],
      ['v2', 'timed_out'],
      ['v3', 'asked'],
    ]);
    expect(receiver.to('/v1')).toHaveLength(1);
    expect(receiver.to('/v2')).toHaveLength(1);
    expect(after.unlocks).toHaveLength(1);
    expect((await call(second, 'GET', '/api/emergencies', dispatcher)).emergencies).toHaveLength(1);
  }, 120_000);
});
