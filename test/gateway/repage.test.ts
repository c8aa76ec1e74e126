import { rmSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { SimulatedDevice } from '../../firmware-sim/device-client.js';
import { startClockedGateway, type ClockedGateway } from '../helpers/clocked-gateway.js';
import { makeDataDir, writeProvision } from '../helpers/gateway-harness.js';
import { startReceiver, type HttpReceiver } from '../helpers/http-receiver.js';
import { waitFor } from '../helpers/wait-for.js';

const T0 = Date.parse('2026-03-10T10:00:00+08:00');
const S = 1000;

function community(receiver: HttpReceiver) {
  return {
    timeZone: 'Asia/Shanghai',
    rules: { fall: { cancelWindowS: 0 } },
    grids: [
      {
        id: 'g1',
        name: 'Fuxing Lane',
        onDuty: ['w1'],
        backup: ['w2'],
        emergencyGroup: ['v1'],
        escalation: [{ notify: ['onDuty'], waitS: 180 }, { notify: ['backup', 'family'], waitS: 300 }, { notify: ['emergencyGroup'] }],
        repage: { newCriticalOccurrence: true, repeatLastStepS: 600 },
      },
    ],
    workers: [
      { id: 'w1', name: 'Wang Fang', grids: ['g1'], channels: [{ type: 'webhook', url: receiver.url('/w1') }] },
      { id: 'w2', name: 'Liu Yang', grids: ['g1'], channels: [{ type: 'webhook', url: receiver.url('/w2') }] },
    ],
    responders: [{ id: 'v1', name: 'Zhao Lei', certifiedUntil: '2030-01-01', available: true, lat: 30.265, lon: 120.154, channels: [{ type: 'webhook', url: receiver.url('/v1') }] }],
    residents: [
      {
        id: 'r1',
        name: 'Li Guiying',
        grid: 'g1',
        contacts: [{ name: 'Li Wei', relation: 'son', channels: [{ type: 'webhook', url: receiver.url('/family') }] }],
      },
    ],
    devices: [{ id: 'b-0001', kind: 'bracelet', secret: 'repage-secret-b-0001', resident: 'r1' }],
  };
}

type Entry = { type: string; cause?: string; step?: number; to?: string };

function repaged(alert: { timeline: Entry[] }, cause: string): number {
  return alert.timeline.filter((e) => e.type === 'repaged' && e.cause === cause).length;
}

describe('re-page on the real process, on a fake clock, across kill -9', () => {
  const cleanup: (() => Promise<unknown> | void)[] = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  it('pages again on a second fall at once, repeats the exhausted chain every 600 s, each once', async () => {
    const receiver = await startReceiver();
    const dataDir = makeDataDir();
    const provisionFile = writeProvision(dataDir, community(receiver));
    cleanup.push(() => receiver.close(), () => rmSync(dataDir, { recursive: true, force: true }));
    const start = async (clockMs: number): Promise<ClockedGateway> => {
      const gw = await startClockedGateway({ dataDir, provisionFile, clockMs });
      cleanup.push(() => gw.stop());
      return gw;
    };
    const bracelet = async (gw: ClockedGateway): Promise<SimulatedDevice> => {
      const device = await SimulatedDevice.connect({ id: 'b-0001', secret: 'repage-secret-b-0001', url: gw.mqttUrl });
      cleanup.push(() => device.client.endAsync(true));
      return device;
    };
    const pages = (path: string) => receiver.to(path).map((r) => r.body as { reason: string; alert: { id: string } });

    let gw = await start(T0);
    let device = await bracelet(gw);
    await device.event({ type: 'fall', confidence: 0.95 });
    // A fall reaches the family in the first step, with the on-duty worker.
    await waitFor('the first page to w1 and family', () => pages('/w1').length === 1 && pages('/family').length === 1, 30_000);
    const alertId = pages('/w1')[0]!.alert.id;

    // A second fall a minute later, nobody has acked: w1 is paged again without the clock moving on.
    await gw.setClock(T0 + 60 * S);
    await device.event({ type: 'fall', confidence: 0.9 });
    await waitFor('the re-page to w1 and family', () => pages('/w1').length === 2 && pages('/family').length === 2, 30_000);
    expect(pages('/w1')[1]!.reason).toBe('repage');
    expect(repaged((await gw.api('GET', `/api/alerts/${alertId}`)).body, 'new_occurrence')).toBe(1);

    await gw.kill9();
    gw = await start(T0 + 60 * S);
    device = await bracelet(gw);
    // Step 1 after 3 min: backup (the family had theirs at once); the re-page is not sent a second time.
    await gw.setClock(T0 + 180 * S);
    await waitFor('step 1 to w2', () => pages('/w2').length === 1, 30_000);
    // Step 2 after 5 more: the emergency group. Nobody acks.
    await gw.setClock(T0 + 480 * S);
    await waitFor('step 2 to v1', () => pages('/v1').length === 1, 30_000);
    expect(pages('/v1')[0]!.reason).toBe('step');

    // 600 s after the last step (the pure planner's tests show it is not a millisecond early).
    await gw.setClock(T0 + 1080 * S);
    await waitFor('the first repeat to v1', () => pages('/v1').length === 2, 30_000);
    expect(pages('/v1')[1]!.reason).toBe('repage');
    let alert = (await gw.api('GET', `/api/alerts/${alertId}`)).body;
    expect(repaged(alert, 'last_step_repeated')).toBe(1);
    expect(alert.timeline.filter((e: Entry) => e.type === 'repaged' && e.cause === 'last_step_repeated').map((e: Entry) => e.step)).toEqual([2]);

    // Killed before the next repeat; back up after it fell due: sent once on the way up.
    await gw.kill9();
    gw = await start(T0 + 1700 * S);
    await waitFor('the repeat due while down', () => pages('/v1').length === 3, 30_000);
    const acked = await gw.api('POST', `/api/alerts/${alertId}/ack`, { note: 'on my way' });
    expect(acked.status).toBe(200);
    await gw.setClock(T0 + 4000 * S);
    alert = (await gw.api('GET', `/api/alerts/${alertId}`)).body;
    expect(alert.state).toBe('acked');
    expect(repaged(alert, 'new_occurrence')).toBe(1);
    expect(repaged(alert, 'last_step_repeated')).toBe(2);
    expect(pages('/w1')).toHaveLength(2);
    expect(pages('/w2')).toHaveLength(1);
    expect(pages('/family')).toHaveLength(2);
    expect(pages('/v1')).toHaveLength(3);
    expect((await gw.api('GET', '/api/alerts')).body.alerts).toHaveLength(1);
  }, 180_000);
});
