import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import YAML from 'yaml';
import { afterEach, describe, expect, it } from 'vitest';
import { buildGateway } from '../../gateway/build-gateway.js';
import { loadConfig } from '../../gateway/config/config.js';
import { createLogger } from '../../gateway/logger.js';
import { SimulatedDevice } from '../../firmware-sim/device-client.js';
import { ADMIN_TOKEN, SECRETS, TEST_PROVISION, makeDataDir, startHarness, type Harness } from '../helpers/gateway-harness.js';

const open: Harness[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((h) => h.stop()));
});

describe('restart', () => {
  it('keeps the registry, the readings and device secrets across a restart', async () => {
    const dataDir = makeDataDir();
    const first = await startHarness({ dataDir });
    open.push(first);
    await first.api('PUT', '/api/stations/s7', { id: 's7', name: 'Added by API', lat: 30.1, lon: 120.1, district: 'd9' });
    const device = await first.device('air-01');
    await device.telemetry({ pm25: 12.5, ts: Date.now() - 60_000 }, 1);
    await first.stop();

    // No provision file this time: everything must come from the store.
    const second = await startHarness({ dataDir, provision: null });
    open.push(second);
    expect((await second.api('GET', '/api/stations/s7')).body).toMatchObject({ name: 'Added by API' });
    expect((await second.api('GET', '/api/residents')).body.items).toHaveLength(2);
    const readings = (await second.api('GET', '/api/devices/air-01/readings?from=0')).body.readings;
    expect(readings).toEqual([expect.objectContaining({ pm25: 12.5 })]);
    const again = await SimulatedDevice.connect({ id: 'air-01', secret: SECRETS['air-01']!, url: second.mqttUrl });
    await again.close();
  });
});

describe('provision file', () => {
  it('loads idempotently and keeps only hashes of device secrets', async () => {
    const dataDir = makeDataDir();
    const h = await startHarness({ dataDir });
    open.push(h);
    await h.stop();
    const again = await startHarness({ dataDir });
    open.push(again);
    expect((await again.api('GET', '/api/devices')).body.items).toHaveLength(TEST_PROVISION.devices.length);
    const hashes = again.gateway.db.prepare('SELECT hash FROM device_secrets').all() as { hash: string }[];
    expect(hashes).toHaveLength(TEST_PROVISION.devices.length);
    for (const { hash } of hashes) expect(hash).toMatch(/^scrypt\$\d+\$8\$1\$/);
    const dbBytes = ['gateway.db', 'gateway.db-wal']
      .map((f) => path.join(dataDir, f))
      .filter(existsSync)
      .map((f) => readFileSync(f).toString('latin1'))
      .join('');
    for (const secret of Object.values(SECRETS)) expect(dbBytes).not.toContain(secret);
  });

  it('refuses a file with unknown fields or missing references, naming them, and writes nothing', async () => {
    const dataDir = makeDataDir();
    const file = path.join(dataDir, 'bad.yaml');
    const bad = structuredClone(TEST_PROVISION) as Record<string, unknown> & { residents: Record<string, unknown>[]; devices: Record<string, unknown>[] };
    bad.residents[0]!.shoeSize = 38;
    bad.devices[1]!.resident = 'r404';
    writeFileSync(file, YAML.stringify(bad));
    const config = loadConfig({ env: {}, overrides: { dataDir, provision: file, logLevel: 'silent', mqttPort: 0, mqttWsPort: 0, httpPort: 0 } });
    const attempt = buildGateway({ config, log: createLogger('silent') });
    await expect(attempt).rejects.toThrow(/residents\/0: .*shoeSize: unknown field/);
    writeFileSync(file, YAML.stringify({ ...TEST_PROVISION, devices: [{ ...TEST_PROVISION.devices[0], resident: 'r404' }] }));
    await expect(buildGateway({ config, log: createLogger('silent') })).rejects.toThrow(/resident: no resident "r404"/);
  });
});

/** A log destination that keeps every line. */
function captureLog(): { lines: string[]; sink: Writable } {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { lines, sink };
}

describe('logs', () => {
  it('never contain device secrets or tokens', async () => {
    const { lines, sink } = captureLog();
    const dataDir = makeDataDir();
    writeFileSync(path.join(dataDir, 'p.yaml'), YAML.stringify(TEST_PROVISION));
    const config = loadConfig({
      env: {},
      overrides: { dataDir, provision: path.join(dataDir, 'p.yaml'), adminToken: ADMIN_TOKEN, logLevel: 'trace', mqttPort: 0, mqttWsPort: 0, httpPort: 0, host: '127.0.0.1', broker: { secretHashCost: 1024 } },
    });
    const gateway = await buildGateway({ config, log: createLogger('trace', sink) });
    const ports = await gateway.start();
    try {
      await expect(SimulatedDevice.connect({ id: 'b-0001', secret: 'a-wrong-secret-value', url: `mqtt://127.0.0.1:${ports.mqtt}` })).rejects.toThrow();
      const ok = await SimulatedDevice.connect({ id: 'b-0001', secret: SECRETS['b-0001']!, url: `mqtt://127.0.0.1:${ports.mqtt}` });
      await ok.close();
      const issued = await gateway.http.inject({ method: 'POST', url: '/api/tokens', headers: { authorization: `Bearer ${ADMIN_TOKEN}` }, payload: { role: 'bureau' } });
      const token = JSON.parse(issued.body).token as string;
      await gateway.http.inject({ method: 'GET', url: '/api/devices/air-01/readings', headers: { authorization: `Bearer ${token}` } });
      await gateway.http.inject({ method: 'PUT', url: '/api/devices/b-0007', headers: { authorization: `Bearer ${ADMIN_TOKEN}` }, payload: { id: 'b-0007', kind: 'bracelet', secret: 'put-secret-1234', resident: 'r1' } });
      const text = lines.join('');
      expect(text).toContain('connection refused');
      expect(text).toContain('token issued');
      for (const secret of [...Object.values(SECRETS), 'a-wrong-secret-value', 'put-secret-1234', ADMIN_TOKEN, token]) expect(text).not.toContain(secret);
    } finally {
      await gateway.stop();
    }
  });

  it('have a line for each API request but none for each probe or metrics scrape', async () => {
    const { lines, sink } = captureLog();
    const dataDir = makeDataDir();
    const config = loadConfig({ env: {}, overrides: { dataDir, adminToken: ADMIN_TOKEN, logLevel: 'info', mqttPort: 0, mqttWsPort: 0, httpPort: 0, host: '127.0.0.1' } });
    const gateway = await buildGateway({ config, log: createLogger('info', sink) });
    await gateway.start();
    try {
      const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };
      for (const url of ['/healthz', '/readyz', '/metrics', '/healthz', '/readyz', '/metrics']) {
        expect((await gateway.http.inject({ method: 'GET', url, headers: auth })).statusCode).toBe(200);
      }
      expect((await gateway.http.inject({ method: 'GET', url: '/api/alerts', headers: auth })).statusCode).toBe(200);
      const requestUrls = lines.map((l) => JSON.parse(l) as { msg: string; req?: { url: string } }).filter((l) => l.msg === 'incoming request').map((l) => l.req!.url);
      expect(requestUrls).toEqual(['/api/alerts']);
    } finally {
      await gateway.stop();
    }
  });
});
