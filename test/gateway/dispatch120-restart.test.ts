import { rmSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { SimulatedDevice } from '../../firmware-sim/device-client.js';
import { startClockedGateway, type ClockedGateway } from '../helpers/clocked-gateway.js';
import { makeDataDir, writeProvision } from '../helpers/gateway-harness.js';
import { startReceiver, type HttpReceiver } from '../helpers/http-receiver.js';
import { waitFor } from '../helpers/wait-for.js';

const T0 = Date.parse('2026-03-10T10:00:00+08:00');
const S = 1000;
const SECRET = 'handoff-secret-b-0001';

function community(receiver: HttpReceiver) {
  return {
    timeZone: 'Asia/Shanghai',
    rules: { fall: { cancelWindowS: 0 } },
    dispatch120: { url: receiver.url('/120'), bodyTemplate: '{"ref":"{{alertId}}","name":"{{residentName}}","lat":{{lat}},"lon":{{lon}}}' },
    grids: [{ id: 'g1', name: 'Fuxing Lane', onDuty: ['w1'], backup: ['w2'], dispatch120: { afterS: 120, on: ['fall'] } }],
    workers: [
      { id: 'w1', name: 'Wang Fang', grids: ['g1'], channels: [{ type: 'webhook', url: receiver.url('/w1') }] },
      { id: 'w2', name: 'Liu Yang', grids: ['g1'], channels: [{ type: 'webhook', url: receiver.url('/w2') }] },
    ],
    residents: [{ id: 'r1', name: 'Li Guiying', grid: 'g1', address: 'Building 3, Unit 2, Room 401' }],
    devices: [{ id: 'b-0001', kind: 'bracelet', secret: SECRET, resident: 'r1' }],
  };
}

describe('120 handoff across kill -9, on the real process and a fake clock', () => {
  const cleanup: (() => Promise<unknown> | void)[] = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  it('a handoff cut off by kill -9 is sent again with the same key, and once accepted never again', async () => {
    const receiver = await startReceiver();
    const dataDir = makeDataDir();
    const provisionFile = writeProvision(dataDir, community(receiver));
    cleanup.push(() => receiver.close(), () => rmSync(dataDir, { recursive: true, force: true }));
    const start = async (clockMs: number): Promise<ClockedGateway> => {
      const gw = await startClockedGateway({ dataDir, provisionFile, clockMs, overrides: { alerts: { tickMs: 100 }, pager: { timeoutMs: 60_000 } } });
      cleanup.push(() => gw.stop());
      return gw;
    };
    const handoffs = () => receiver.to('/120');

    // The centre takes the call and does not answer before the gateway dies.
    receiver.answer('/120', 'hang');
    let gw = await start(T0);
    const device = await SimulatedDevice.connect({ id: 'b-0001', secret: SECRET, url: gw.mqttUrl });
    await device.event({ type: 'fall', confidence: 0.95, lat: 30.2656, lon: 120.1551 });
    const page = await waitFor('the worker’s page', () => receiver.to('/w1')[0], 30_000);
    await device.client.endAsync(true);
    const alertId = (page.body as { alert: { id: string } }).alert.id;
    expect(handoffs()).toHaveLength(0);

    await gw.setClock(T0 + 121 * S);
    await waitFor('the handoff on its way', () => handoffs().length === 1, 30_000);
    await gw.kill9();

    // Back up, the centre answering: the cut-off handoff goes again, under the same key.
    receiver.answer('/120', 201, '{"reference":"HZ120-4410"}');
    gw = await start(T0 + 125 * S);
    await waitFor('the handoff sent again', () => handoffs().length === 2, 30_000);
    await waitFor('the centre’s reference on the timeline', async () => JSON.stringify((await gw.api('GET', `/api/alerts/${alertId}`)).body.timeline).includes('HZ120-4410'), 30_000);
    expect(handoffs().map((r) => r.headers['idempotency-key'])).toEqual([`handoff-${alertId}`, `handoff-${alertId}`]);
    expect(handoffs()[1]!.text).toBe(handoffs()[0]!.text);
    await gw.kill9();

    // Later, still unacked: the escalation moves on, but the centre hears nothing more.
    gw = await start(T0 + 3600 * S);
    await waitFor('the backup worker’s page after the restart', () => receiver.to('/w2').length > 0, 30_000);
    const alert = (await gw.api('GET', `/api/alerts/${alertId}`)).body as { state: string; timeline: { type: string }[] };
    expect(alert.state).toBe('open');
    expect(handoffs()).toHaveLength(2);
  }, 180_000);
});
