import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { buildGateway, type Gateway, type GatewayPorts } from '../../gateway/build-gateway.js';
import { loadConfig, type GatewayConfig } from '../../gateway/config/config.js';
import { createLogger } from '../../gateway/logger.js';
import { nodeRedUserDir } from '../../gateway/node-red/flow-files.js';
import { SimulatedDevice, type Encoding } from '../../firmware-sim/device-client.js';

export const ADMIN_TOKEN = 'test-admin-token-0123456789abcdef';

/** A small community for tests: one grid each for two workers, two bracelets, an AED, an air station. */
export const TEST_PROVISION = {
  timeZone: 'Asia/Shanghai',
  grids: [
    { id: 'g1', name: 'Fuxing Lane', district: 'd1', onDuty: ['w1'] },
    { id: 'g2', name: 'Qingbo Gate', district: 'd2', onDuty: ['w2'] },
  ],
  workers: [
    { id: 'w1', name: 'Wang Fang', grids: ['g1'], channels: [{ type: 'webhook', url: 'http://127.0.0.1:9/w1' }] },
    { id: 'w2', name: 'Liu Yang', grids: ['g2'], channels: [] },
  ],
  residents: [
    { id: 'r1', name: 'Li Guiying', grid: 'g1', home: { lat: 30.2655, lon: 120.1552, radiusM: 60 }, conditions: ['copd'] },
    { id: 'r2', name: 'Zhang Xiuying', grid: 'g2', conditions: [] },
  ],
  devices: [
    { id: 'b-0001', kind: 'bracelet', secret: 'secret-b-0001', resident: 'r1' },
    { id: 'b-0002', kind: 'bracelet', secret: 'secret-b-0002', resident: 'r2' },
    { id: 'aed-01', kind: 'aed', secret: 'secret-aed-01', aed: 'a1' },
    { id: 'air-01', kind: 'air', secret: 'secret-air-01', station: 's1' },
  ],
  aeds: [{ id: 'a1', lat: 30.2661, lon: 120.1549, grid: 'g1', accessHours: '24/7' }],
  stations: [{ id: 's1', name: 'Riverside', lat: 30.27, lon: 120.16, district: 'd1' }],
  responders: [],
};

export const SECRETS: Record<string, string> = Object.fromEntries(TEST_PROVISION.devices.map((d) => [d.id, d.secret]));

export interface Harness {
  gateway: Gateway;
  ports: GatewayPorts;
  dataDir: string;
  mqttUrl: string;
  wsUrl: string;
  httpUrl: string;
  device(id: string, encoding?: Encoding): Promise<SimulatedDevice>;
  api(method: string, url: string, body?: unknown, token?: string | null): Promise<{ status: number; body: any }>; // eslint-disable-line @typescript-eslint/no-explicit-any
  stop(): Promise<void>;
  /** Removes the data directory too. */
  dispose(): Promise<void>;
}

export function makeDataDir(): string {
  return mkdtempSync(path.join(tmpdir(), 'gw-test-'));
}

/** DATA_DIR and, next to it, Node-RED's own directory. */
export function removeDataDir(dataDir: string): void {
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(nodeRedUserDir(dataDir), { recursive: true, force: true });
}

/** The configuration every test gateway runs with; `overrides` as in loadConfig. */
export function harnessConfig(dataDir: string, provisionFile: string | undefined, overrides: Record<string, unknown> = {}): GatewayConfig {
  return loadConfig({
    env: {},
    overrides: {
      mqttPort: 0,
      mqttWsPort: 0,
      httpPort: 0,
      host: '127.0.0.1',
      dataDir,
      adminToken: ADMIN_TOKEN,
      logLevel: process.env.TEST_LOG_LEVEL ?? 'silent',
      // The slow hash at a cost that keeps a test run quick; production keeps the default.
      broker: { secretHashCost: 1024 },
      // Node-RED is one per process and slow to start: only the suites about it turn it on.
      nodeRed: { enabled: false },
      ...(provisionFile === undefined ? {} : { provision: provisionFile }),
      ...overrides,
    },
  });
}

/** Writes a provision file (YAML) into the data directory and returns its path. */
export function writeProvision(dataDir: string, provision: object): string {
  const file = path.join(dataDir, 'provision.yaml');
  writeFileSync(file, YAML.stringify(provision));
  return file;
}

export async function startHarness(
  options: { dataDir?: string; provision?: object | null; overrides?: Record<string, unknown>; now?: () => number } = {},
): Promise<Harness> {
  const dataDir = options.dataDir ?? makeDataDir();
  const provisionFile = options.provision === null ? undefined : writeProvision(dataDir, options.provision ?? TEST_PROVISION);
  const config = harnessConfig(dataDir, provisionFile, options.overrides);
  const gateway = await buildGateway({ config, log: createLogger(config.logLevel), ...(options.now === undefined ? {} : { now: options.now }) });
  let ports: GatewayPorts;
  try {
    ports = await gateway.start();
  } catch (err) {
    await gateway.stop().catch(() => undefined);
    if (options.dataDir === undefined) removeDataDir(dataDir);
    throw err;
  }
  const devices: SimulatedDevice[] = [];
  let stopped = false;
  const harness: Harness = {
    gateway,
    ports,
    dataDir,
    mqttUrl: `mqtt://127.0.0.1:${ports.mqtt}`,
    wsUrl: `ws://127.0.0.1:${ports.mqttWs}`,
    httpUrl: `http://127.0.0.1:${ports.http}`,
    async device(id, encoding = 'cbor') {
      const device = await SimulatedDevice.connect({ id, secret: SECRETS[id]!, url: harness.mqttUrl, encoding });
      devices.push(device);
      return device;
    },
    async api(method, url, body, token = ADMIN_TOKEN) {
      const response = await gateway.http.inject({
        method: method as 'GET',
        url,
        headers: token === null ? {} : { authorization: `Bearer ${token}` },
        ...(body === undefined ? {} : { payload: body as object }),
      });
      const text = response.body;
      return { status: response.statusCode, body: text.length > 0 && response.headers['content-type']?.toString().includes('json') ? JSON.parse(text) : text };
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await Promise.all(devices.map((d) => d.client.endAsync(true).catch(() => undefined)));
      await gateway.stop();
    },
    async dispose() {
      await harness.stop();
      removeDataDir(dataDir);
    },
  };
  return harness;
}
