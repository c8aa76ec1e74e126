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

async function startGateway(dataDir: string, args: string[] = []): Promise<Running> {
  const portsFile = path.join(dataDir, 'ports.json');
  rmSync(portsFile, { force: true });
  const child = spawn(process.execPath, ['--import', 'tsx', 'gateway/main.ts', ...args], {
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

  it('an AED run handed over across two kill -9: the silent runner’s AED goes to the one coming straight once, one page, one unlock', async () => {
    const receiver = await startReceiver();
    const dataDir = makeDataDir();
    const base = provision(receiver);
    writeFileSync(path.join(dataDir, 'provision.yaml'), YAML.stringify({ ...base, responders: base.responders.slice(0, 2) }));
    // A runner silent for 20 s hands the AED over; the deadline runs across the restart.
    const configFile = path.join(dataDir, 'config.yaml');
    writeFileSync(configFile, YAML.stringify({ emergencies: { aedRunSilentS: 20 } }));
    cleanup.push(() => receiver.close(), () => rmSync(dataDir, { recursive: true, force: true }));
    const cabinets: SimulatedDevice[] = [];
    cleanup.push(() => Promise.all(cabinets.map((c) => c.close().catch(() => undefined))).then(() => undefined));
    const cabinetOn = async (gw: Running) => {
      const cabinet = await SimulatedDevice.connect({ id: 'aed-01', secret: 'crash-secret-aed-01', url: gw.mqtt, encoding: 'json' });
      cabinets.push(cabinet);
      return cabinet;
    };
    const unlockedFor = () => cabinets.flatMap((c) => c.commands.map((cmd) => (cmd as { responder: string }).responder));

    const first = track(await startGateway(dataDir, ['--config', configFile]));
    await cabinetOn(first);
    const dispatcher = (await call(first, 'POST', '/api/tokens', ADMIN, { role: 'dispatcher' })).token as string;
    const v1 = (await call(first, 'POST', '/api/tokens', ADMIN, { role: 'responder', subject: 'v1' })).token as string;
    const v2 = (await call(first, 'POST', '/api/tokens', ADMIN, { role: 'responder', subject: 'v2' })).token as string;
    const created = await call(first, 'POST', '/api/emergencies', dispatcher, { ref: 'crash-2', kind: 'cardiac_arrest', ...PATIENT });
    await waitFor('v1 and v2 paged', () => receiver.to('/v1').length === 1 && receiver.to('/v2').length === 1);
    expect([receiver.to('/v1')[0]!.body.run.route, receiver.to('/v2')[0]!.body.run.route]).toEqual(['via_aed', 'direct']);
    await call(first, 'POST', `/api/emergencies/${created.id}/responders/me/accept`, v1);
    await call(first, 'POST', `/api/emergencies/${created.id}/responders/me/accept`, v2);
    await call(first, 'POST', '/api/responders/me/location', v1, { ...north(105), available: true });
    await waitFor('the unlock for v1 taken', () => unlockedFor().length === 1);

    first.child.kill('SIGKILL');
    await first.exited;
    const second = track(await startGateway(dataDir, ['--config', configFile]));
    await cabinetOn(second);
    // v1 stays silent: after the restart the deadline still runs out, and the AED goes to v2.
    const handed = await waitFor(
      'the AED handed over to v2',
      async () => {
        const view = await call(second, 'GET', `/api/emergencies/${created.id}`, dispatcher);
        return view.responders.find((r: { id: string; route: string }) => r.id === 'v2')?.route === 'via_aed' ? view : undefined;
      },
      60_000,
    );
    expect(handed.responders.map((r: { id: string; state: string }) => [r.id, r.state])).toEqual([
      ['v1', 'timed_out'],
      ['v2', 'accepted'],
    ]);
    expect(handed.timeline.filter((t: { type: string }) => t.type === 'aed_reassigned')).toHaveLength(1);
    // v2 has the AED (no longer a runner who could fall silent) when the gateway dies again.
    expect((await call(second, 'POST', `/api/emergencies/${created.id}/responders/me/aed-collected`, v2)).changed).toBe(true);

    second.child.kill('SIGKILL');
    await second.exited;
    const third = track(await startGateway(dataDir, ['--config', configFile]));
    await cabinetOn(third);
    // Whatever the crash cut off is finished once: v2's change of plan, the cabinet's unlock for v2.
    await waitFor('v2’s change of plan', () => receiver.to('/v2').length >= 2, 30_000);
    await waitFor('the unlock for v2 taken', async () => (await call(third, 'GET', `/api/emergencies/${created.id}`, dispatcher)).unlocks.every((u: { sentAtMs: number | null }) => u.sentAtMs !== null), 30_000);
    // A later move and tick send nothing more.
    await call(third, 'POST', '/api/responders/me/location', v2, { ...north(110), available: true });
    const final = await waitFor('the move seen', async () => {
      const view = await call(third, 'GET', `/api/emergencies/${created.id}`, dispatcher);
      return view.responders.find((r: { id: string }) => r.id === 'v2')?.position?.lat === north(110).lat ? view : undefined;
    });
    expect(final.timeline.filter((t: { type: string }) => t.type === 'aed_reassigned')).toHaveLength(1);
    expect(final.unlocks.map((u: { responderId: string }) => u.responderId)).toEqual(['v1', 'v2']);
    // Pages are counted by Idempotency-Key: a send the kill cut off after the phone had it is sent
    // again with the same key (the outbox marks a page delivered only once the send returned).
    const pagesTo = (path: string) => [...new Map(receiver.to(path).map((r) => [r.headers['idempotency-key'], r] as const)).values()];
    expect(pagesTo('/v1')).toHaveLength(1);
    expect(pagesTo('/v2')).toHaveLength(2);
    expect(pagesTo('/v2')[1]!.body.changeOfPlan).toBe('Volunteer v1 has not moved or answered in time.');
    expect(receiver.to('/v2').length).toBeLessThanOrEqual(3);
    expect(unlockedFor().filter((r) => r === 'v2').length).toBeLessThanOrEqual(1);
    expect(unlockedFor().filter((r) => r === 'v1')).toEqual(['v1']);
  }, 180_000);
});
