import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { afterEach, describe, expect, it } from 'vitest';
import { SimulatedDevice } from '../../firmware-sim/device-client.js';
import { makeDataDir } from '../helpers/gateway-harness.js';
import { startReceiver, type HttpReceiver } from '../helpers/http-receiver.js';
import { waitFor } from '../helpers/wait-for.js';

const root = path.resolve(import.meta.dirname, '../..');
const ADMIN = 'crash-test-admin-token-0123456789';

interface Running {
  child: ChildProcess;
  http: string;
  mqtt: string;
  exited: Promise<unknown>;
}

/** The real gateway process (`tsx gateway/main.ts`), so that a kill -9 is a real one. */
async function startGateway(dataDir: string): Promise<Running> {
  const portsFile = path.join(dataDir, 'ports.json');
  rmSync(portsFile, { force: true });
  // One process (node with tsx's loader), not the tsx CLI: that one runs the gateway in a child
  // process, which a SIGKILL of the CLI would leave running.
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

async function api(gw: Running, url: string): Promise<any> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const response = await fetch(`${gw.http}${url}`, { headers: { authorization: `Bearer ${ADMIN}` } });
  return response.json();
}

function provision(receiver: HttpReceiver, fallCancelWindowS: number) {
  return {
    timeZone: 'Asia/Shanghai',
    rules: { fall: { cancelWindowS: fallCancelWindowS } },
    grids: [
      {
        id: 'g1',
        name: 'Fuxing Lane',
        onDuty: ['w1'],
        backup: ['w2'],
        escalation: [{ notify: ['onDuty'], waitS: 4 }, { notify: ['backup', 'family'], waitS: 300 }, { notify: ['emergencyGroup'] }],
      },
    ],
    workers: [
      { id: 'w1', name: 'Wang Fang', grids: ['g1'], channels: [{ type: 'webhook', url: receiver.url('/w1') }] },
      { id: 'w2', name: 'Liu Yang', grids: ['g1'], channels: [{ type: 'webhook', url: receiver.url('/w2') }] },
    ],
    residents: [
      {
        id: 'r1',
        name: 'Li Guiying',
        grid: 'g1',
        contacts: [{ name: 'Li Wei', relation: 'son', channels: [{ type: 'webhook', url: receiver.url('/family-r1') }] }],
      },
    ],
    devices: [{ id: 'b-0001', kind: 'bracelet', secret: 'crash-secret-b-0001', resident: 'r1' }],
  };
}

function deliveredTo(alert: { timeline: { type: string; to?: string }[] }, to: string): number {
  return alert.timeline.filter((e) => e.type === 'delivered' && e.to === to).length;
}

describe('a kill -9 loses no alert and no escalation step', () => {
  const cleanup: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  async function setup(cancelWindowS: number): Promise<{ dataDir: string; receiver: HttpReceiver }> {
    const receiver = await startReceiver();
    const dataDir = makeDataDir();
    writeFileSync(path.join(dataDir, 'provision.yaml'), YAML.stringify(provision(receiver, cancelWindowS)));
    cleanup.push(() => receiver.close(), () => rmSync(dataDir, { recursive: true, force: true }));
    return { dataDir, receiver };
  }

  function track(gw: Running): Running {
    cleanup.push(async () => {
      if (gw.child.exitCode === null && gw.child.signalCode === null) {
        gw.child.kill('SIGTERM');
        await gw.exited;
      }
    });
    return gw;
  }

  it('resumes the escalation after a crash between two steps, and takes each step once', async () => {
    const { dataDir, receiver } = await setup(0);
    const first = track(await startGateway(dataDir));
    const bracelet = await SimulatedDevice.connect({ id: 'b-0001', secret: 'crash-secret-b-0001', url: first.mqtt });
    cleanup.push(() => bracelet.client.endAsync(true));
    await bracelet.event({ type: 'fall', confidence: 0.95 });
    const raised = await waitFor('step 0 delivered to w1', async () => {
      const [alert] = (await api(first, '/api/alerts')).alerts;
      return alert !== undefined && deliveredTo(alert, 'w1') === 1 ? alert : undefined;
    });
    expect(raised.timeline.some((e: { type: string; step?: number }) => e.type === 'escalated' && e.step === 1)).toBe(false);

    first.child.kill('SIGKILL');
    await first.exited;
    expect(first.child.signalCode).toBe('SIGKILL');

    const second = track(await startGateway(dataDir));
    const resumed = await waitFor(
      'step 1 delivered to backup and family after the restart',
      async () => {
        const alert = await api(second, `/api/alerts/${raised.id}`);
        return deliveredTo(alert, 'w2') === 1 && deliveredTo(alert, 'contact:r1:0') === 1 ? alert : undefined;
      },
      30_000,
    );
    expect(resumed).toMatchObject({ id: raised.id, kind: 'fall', state: 'open' });
    const steps = resumed.timeline.filter((e: { type: string }) => e.type === 'escalated').map((e: { step: number }) => e.step);
    expect(steps).toEqual([0, 1]);
    expect(receiver.to('/w1')).toHaveLength(1);
    expect(receiver.to('/w2')).toHaveLength(1);
    expect(receiver.to('/family-r1')).toHaveLength(1);
    expect((await api(second, '/api/alerts')).alerts).toHaveLength(1);
  }, 120_000);

  it('raises a fall whose cancel window was running when the gateway was killed', async () => {
    const { dataDir, receiver } = await setup(3);
    const first = track(await startGateway(dataDir));
    const bracelet = await SimulatedDevice.connect({ id: 'b-0001', secret: 'crash-secret-b-0001', url: first.mqtt });
    cleanup.push(() => bracelet.client.endAsync(true));
    // The PUBACK means the gateway has the fall; it dies inside the cancel window.
    await bracelet.event({ type: 'fall', confidence: 0.95 });
    first.child.kill('SIGKILL');
    await first.exited;
    expect(receiver.requests).toEqual([]);

    const second = track(await startGateway(dataDir));
    const page = await waitFor('the fall page after the restart', () => receiver.to('/w1')[0], 30_000);
    expect(page.body.alert).toMatchObject({ kind: 'fall', subject: 'r1', state: 'open' });
    const alerts = (await api(second, '/api/alerts')).alerts;
    expect(alerts).toHaveLength(1);
  }, 120_000);
});
