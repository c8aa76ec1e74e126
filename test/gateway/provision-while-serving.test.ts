import { rmSync } from 'node:fs';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { buildGateway, type Gateway } from '../../gateway/build-gateway.js';
import { hashSecret, verifySecret } from '../../gateway/auth/secret-hash.js';
import { createLogger } from '../../gateway/logger.js';
import { bucketOf, type SecretHasher } from '../../gateway/registry/secret-proofs.js';
import { SimulatedDevice } from '../../firmware-sim/device-client.js';
import { freePort } from '../helpers/external-server.js';
import { ADMIN_TOKEN, SECRETS, TEST_PROVISION, harnessConfig, makeDataDir, startHarness, writeProvision } from '../helpers/gateway-harness.js';
import { startReceiver, type HttpReceiver } from '../helpers/http-receiver.js';
import { waitFor } from '../helpers/wait-for.js';

/*
 * A restart with a changed provision file: its slow part (hashing the secrets it adds or changes)
 * must not keep the devices already known from being heard. The hash is held here, so the test
 * looks at the gateway while the load is under way, for as long as it needs.
 */

/** Real scrypt whose hashing (the slow part of a load) waits until the test lets it go; checks pass. */
function heldHasher() {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let reached!: () => void;
  const hashReached = new Promise<void>((resolve) => (reached = resolve));
  /** How many times each secret was checked (and matched). */
  const checked = new Map<string, number>();
  const hasher: SecretHasher = {
    hash: async (secret, cost) => {
      reached();
      await released;
      return hashSecret(secret, cost);
    },
    verify: async (secret, stored) => {
      const matches = await verifySecret(secret, stored);
      if (matches) checked.set(secret, (checked.get(secret) ?? 0) + 1);
      return matches;
    },
  };
  return { hasher, hashReached, release, checked };
}

/** A new bracelet's id in the proof group of `sharing` and not of `apart`. */
const newDeviceId = (sharing: (bucket: number) => boolean): string =>
  Array.from({ length: 10_000 }, (_, i) => `b-n${String(i).padStart(4, '0')}`).find((id) => sharing(bucketOf(id)) && bucketOf(id) !== bucketOf('b-0001'))!;
/** Outside b-0001's proof group: that group stays confirmed, so b-0001 needs no slow check. */
const NEW_DEVICE = newDeviceId(() => true);
const FALL = { type: 'fall', confidence: 0.92, lat: 30.2656, lon: 120.1551 } as const;

function community(receiver: HttpReceiver) {
  const workers = TEST_PROVISION.workers.map((w) => (w.id === 'w1' ? { ...w, channels: [{ type: 'webhook', url: receiver.url('/w1') }] } : w));
  return { ...TEST_PROVISION, workers };
}

/** The same community a week later: a new resident and bracelet, and falls paged at once. */
function grown(receiver: HttpReceiver, newDevice = NEW_DEVICE) {
  const base = community(receiver);
  return {
    ...base,
    rules: { fall: { cancelWindowS: 0 } },
    residents: [...base.residents, { id: 'r3', name: 'Wu Lan', grid: 'g1', conditions: [] }],
    devices: [...base.devices, { id: newDevice, kind: 'bracelet', secret: `secret-${newDevice}`, resident: 'r3' }],
  };
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A data directory that knows the community, and the ports a restart on it will use. */
async function provisionedOnce(adapt: (file: ReturnType<typeof community>) => object = (file) => file) {
  const receiver = await startReceiver();
  cleanups.push(() => receiver.close());
  const dataDir = makeDataDir();
  cleanups.push(async () => rmSync(dataDir, { recursive: true, force: true }));
  const first = await startHarness({ dataDir, provision: adapt(community(receiver)) });
  await first.stop();
  const ports = { mqttPort: await freePort(), httpPort: await freePort() };
  return { receiver, dataDir, ports };
}

async function restartHeld(dataDir: string, file: object, ports: { mqttPort: number; httpPort: number }) {
  const held = heldHasher();
  const config = harnessConfig(dataDir, writeProvision(dataDir, file), ports);
  // The gateway says when it listens while the file loads: that is when the test looks.
  let listening!: () => void;
  const servingWhileLoading = new Promise<void>((resolve) => (listening = resolve));
  const log = new Writable({
    write(chunk: Buffer, _encoding, done) {
      if (chunk.toString().includes('served while the provision file loads')) listening();
      done();
    },
  });
  const gateway: Gateway = await buildGateway({ config, log: createLogger('info', log), secretHasher: held.hasher });
  cleanups.push(async () => {
    held.release();
    await gateway.stop();
  });
  const started = gateway.start();
  // A failed assertion leaves it unawaited; its rejection is the test's to check, not an unhandled one.
  started.catch(() => undefined);
  await servingWhileLoading;
  // The new bracelet's hash is held: the load cannot end before the test releases it.
  await held.hashReached;
  return { gateway, started, release: held.release, checked: held.checked };
}

const http = async (port: number, method: string, url: string, body?: unknown) => {
  const res = await fetch(`http://127.0.0.1:${port}${url}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, text, json: () => JSON.parse(text) as Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any
};

const slowChecks = async (port: number): Promise<number> => Number(/^gateway_device_secret_slow_checks_total (\d+)/m.exec((await http(port, 'GET', '/metrics')).text)?.[1]);

describe('a restart while the provision file loads', () => {
  it('hears and pages the known devices, refuses the new ones and registry writes until loaded, then takes them', async () => {
    const { receiver, dataDir, ports } = await provisionedOnce();
    const { started, release } = await restartHeld(dataDir, grown(receiver), ports);
    const mqttUrl = `mqtt://127.0.0.1:${ports.mqttPort}`;

    expect((await http(ports.httpPort, 'GET', '/healthz')).status).toBe(200);
    const notReady = await http(ports.httpPort, 'GET', '/readyz');
    expect(notReady.status).toBe(503);
    expect(notReady.json().checks).toMatchObject({ broker: true, store: true, provision: false });

    // A resident the gateway already knew falls: paged at once, by the file's new rules (no cancel window).
    const bracelet = await SimulatedDevice.connect({ id: 'b-0001', secret: SECRETS['b-0001']!, url: mqttUrl });
    cleanups.push(() => bracelet.close());
    await bracelet.event(FALL);
    const page = await waitFor('the page to w1', () => receiver.to('/w1')[0]);
    expect(page.body.alert).toMatchObject({ kind: 'fall', subject: 'r1', grid: 'g1' });
    // Its group's proof confirmed its secret before the broker listened.
    expect(await slowChecks(ports.httpPort)).toBe(0);

    await expect(SimulatedDevice.connect({ id: NEW_DEVICE, secret: `secret-${NEW_DEVICE}`, url: mqttUrl })).rejects.toThrow();
    const write = await http(ports.httpPort, 'PUT', '/api/stations/s9', { id: 's9', name: 'Lakeside', lat: 30.25, lon: 120.14, district: 'd1' });
    expect(write.status).toBe(503);
    expect(write.json()).toMatchObject({ error: 'GW_ERR_HTTP_NOT_READY', message: expect.stringMatching(/provision file is still loading/) });

    release();
    await started;
    const ready = await http(ports.httpPort, 'GET', '/readyz');
    expect(ready.status).toBe(200);
    expect(ready.json().checks).toMatchObject({ provision: true });
    const newcomer = await SimulatedDevice.connect({ id: NEW_DEVICE, secret: `secret-${NEW_DEVICE}`, url: mqttUrl });
    cleanups.push(() => newcomer.close());
    expect((await http(ports.httpPort, 'PUT', '/api/stations/s9', { id: 's9', name: 'Lakeside', lat: 30.25, lon: 120.14, district: 'd1' })).status).toBe(201);
    expect(await slowChecks(ports.httpPort)).toBe(0);
  });

  it('connects a known device whose group the file changed on the load’s own check of it, with no second slow hash', async () => {
    // A meter in b-0002's group whose secret the file rotates: the group's proof no longer holds,
    // so the load checks b-0002 on its own.
    const meterId = newDeviceId((b) => b === bucketOf('b-0002'));
    const meter = (secret: string) => ({ id: meterId, kind: 'air', secret, station: 's1' });
    const { receiver, dataDir, ports } = await provisionedOnce((base) => ({ ...base, devices: [...base.devices, meter('meter-secret-1')] }));
    const rotated = grown(receiver);
    const { started, release, checked } = await restartHeld(dataDir, { ...rotated, devices: [...rotated.devices, meter('meter-secret-2')] }, ports);
    const mqttUrl = `mqtt://127.0.0.1:${ports.mqttPort}`;
    const bracelet = await SimulatedDevice.connect({ id: 'b-0002', secret: SECRETS['b-0002']!, url: mqttUrl });
    cleanups.push(() => bracelet.close());
    expect(checked.get(SECRETS['b-0002']!)).toBe(1);
    expect(await slowChecks(ports.httpPort)).toBe(0);

    // The rotated secret is taken once the file is written; until then the previous one is.
    await expect(SimulatedDevice.connect({ id: meterId, secret: 'meter-secret-2', url: mqttUrl })).rejects.toThrow();
    await (await SimulatedDevice.connect({ id: meterId, secret: 'meter-secret-1', url: mqttUrl })).close();
    release();
    await started;
    await expect(SimulatedDevice.connect({ id: meterId, secret: 'meter-secret-1', url: mqttUrl })).rejects.toThrow();
    await (await SimulatedDevice.connect({ id: meterId, secret: 'meter-secret-2', url: mqttUrl })).close();
  });

  it('stopped before it is loaded, writes nothing of the file: the next start loads it whole', async () => {
    const { receiver, dataDir, ports } = await provisionedOnce();
    const { gateway, started, release } = await restartHeld(dataDir, grown(receiver), ports);
    const refused = expect(started).rejects.toThrow(/cancelled before it was written/);
    const stopping = gateway.stop();
    release();
    await stopping;
    await refused;

    const unchanged = await startHarness({ dataDir, provision: null });
    cleanups.push(() => unchanged.stop());
    expect((await unchanged.api('GET', `/api/devices/${NEW_DEVICE}`)).status).toBe(404);
    expect((await unchanged.api('GET', '/api/residents/r3')).status).toBe(404);
    await unchanged.stop();

    const loaded = await startHarness({ dataDir, provision: grown(receiver) });
    cleanups.push(() => loaded.stop());
    expect((await loaded.api('GET', `/api/devices/${NEW_DEVICE}`)).body).toMatchObject({ resident: 'r3' });
    const newcomer = await SimulatedDevice.connect({ id: NEW_DEVICE, secret: `secret-${NEW_DEVICE}`, url: loaded.mqttUrl });
    await newcomer.close();
  });
});
