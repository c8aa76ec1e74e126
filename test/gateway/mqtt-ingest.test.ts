import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeCbor } from '../../sensors/index.js';
import { SimulatedDevice } from '../../firmware-sim/device-client.js';
import { SECRETS, startHarness, type Harness } from '../helpers/gateway-harness.js';
import { waitFor } from '../helpers/wait-for.js';

let h: Harness;
beforeAll(async () => {
  // Room for a 10,000-level JSON text (20 kB), so it is the depth check that refuses it.
  h = await startHarness({ overrides: { broker: { secretHashCost: 1024, maxPayloadBytes: 32 * 1024 } } });
});
afterAll(async () => {
  await h.dispose();
});

async function readings(deviceId: string) {
  const res = await h.api('GET', `/api/devices/${deviceId}/readings?from=0`);
  expect(res.status).toBe(200);
  return res.body as { kind: string; units: Record<string, string>; readings: Record<string, unknown>[] };
}

async function rejectionCount(deviceId: string, reason: string): Promise<number> {
  const res = await h.api('GET', `/api/devices/${deviceId}`);
  const stat = (res.body.rejections as { reason: string; count: number }[]).find((r) => r.reason === reason);
  return stat?.count ?? 0;
}

describe('devices publish readings over real MQTT', () => {
  it('stores CBOR telemetry at QoS 0 and JSON at QoS 1 with values and units', async () => {
    const cbor = await h.device('b-0001', 'cbor');
    const json = await h.device('b-0002', 'json');
    const ts = Date.now() - 5_000;
    await cbor.telemetry({ ts, hr: 72, sbp: 128, dbp: 82, spo2: 97, motion: 0.25, worn: true, lat: 30.2655, lon: 120.1552 }, 0);
    await json.telemetry({ ts: ts + 1, hr: 61.5, steps: 1200, bat: 80 }, 1);

    const first = await waitFor('CBOR reading stored', async () => ((await readings('b-0001')).readings.length > 0 ? readings('b-0001') : undefined));
    expect(first.kind).toBe('bracelet');
    expect(first.units).toMatchObject({ hr: 'bpm', sbp: 'mmHg', spo2: '%', lat: 'deg' });
    expect(first.readings[0]).toEqual({ ts, receivedAt: expect.any(Number), hr: 72, sbp: 128, dbp: 82, spo2: 97, motion: 0.25, worn: true, lat: 30.2655, lon: 120.1552 });

    // QoS 1: the PUBACK has come back, so the gateway already holds the reading.
    const second = await readings('b-0002');
    expect(second.readings).toEqual([{ ts: ts + 1, receivedAt: expect.any(Number), hr: 61.5, steps: 1200, bat: 80 }]);
  });

  it('stores air and AED telemetry in their own units, and uses the receive time when ts is missing', async () => {
    const air = await h.device('air-01', 'cbor');
    const before = Date.now();
    await air.telemetry({ pm25: 35.2, pm10: 60, o3: 80, no2: 40, so2: 8, co: 0.7 }, 1);
    const aed = await h.device('aed-01', 'json');
    await aed.telemetry({ door: 'closed', present: true, bat: 92, padsExpiry: '2027-05-01', selfTest: 'pass', tempC: 21.5 }, 1);
    const airReadings = await readings('air-01');
    expect(airReadings.units).toMatchObject({ pm25: 'ug/m3', co: 'mg/m3' });
    expect(airReadings.readings).toHaveLength(1);
    expect(airReadings.readings[0]).toMatchObject({ pm25: 35.2, pm10: 60, o3: 80, no2: 40, so2: 8, co: 0.7 });
    expect(airReadings.readings[0]!.ts).toBeGreaterThanOrEqual(before);
    expect((await readings('aed-01')).readings[0]).toMatchObject({ door: 'closed', present: true, padsExpiry: '2027-05-01', selfTest: 'pass' });
  });

  it('accepts devices over MQTT on WebSocket too', async () => {
    const ws = await SimulatedDevice.connect({ id: 'b-0002', secret: SECRETS['b-0002']!, url: h.wsUrl, encoding: 'cbor' });
    try {
      await ws.telemetry({ hr: 99, ts: Date.now() - 1000 }, 1);
      expect((await readings('b-0002')).readings.some((r) => r.hr === 99)).toBe(true);
    } finally {
      await ws.close();
    }
  });
});

describe('authentication at CONNECT', () => {
  const attempt = (clientId: string, password: string, username = clientId) =>
    mqtt.connectAsync(h.mqttUrl, { clientId, username, password, reconnectPeriod: 0, connectTimeout: 5_000 });

  it('refuses a wrong secret with "bad user name or password"', async () => {
    await expect(attempt('b-0001', 'not-the-secret')).rejects.toMatchObject({ code: 4 });
  });

  it('refuses an unknown device id', async () => {
    await expect(attempt('b-9999', 'whatever-secret')).rejects.toMatchObject({ code: 4 });
  });

  it('refuses a username that is not the client id', async () => {
    await expect(attempt('b-0001', SECRETS['b-0001']!, 'b-0002')).rejects.toMatchObject({ code: 2 });
  });

  it('counts refusals by reason in the metrics', async () => {
    const res = await h.api('GET', '/metrics');
    expect(res.body).toMatch(/gateway_mqtt_connections_refused_total\{reason="bad_secret"\} [1-9]/);
    expect(res.body).toMatch(/gateway_mqtt_connections_refused_total\{reason="unknown_device"\} [1-9]/);
  });
});

describe('topic ACL', () => {
  it('disconnects a device publishing under another device id, and stores nothing for the victim', async () => {
    const before = (await readings('aed-01')).readings.length;
    const spoofer = await h.device('b-0001');
    const closed = new Promise<void>((resolve) => spoofer.client.once('close', () => resolve()));
    spoofer.client.publish('devices/aed-01/telemetry', encodeCbor({ door: 'open' }), { qos: 0 });
    await closed;
    // A legitimate message from the victim afterwards proves the pipeline ran past the spoof.
    const victim = await h.device('aed-01');
    await victim.telemetry({ door: 'closed', bat: 50 }, 1);
    const after = (await readings('aed-01')).readings;
    expect(after.length).toBe(before + 1);
    expect(after.some((r) => r.door === 'open')).toBe(false);
    const metrics = (await h.api('GET', '/metrics')).body as string;
    expect(metrics).toMatch(/gateway_mqtt_acl_denied_total\{action="publish"\} [1-9]/);
  });

  it('refuses a subscription to "#" and to another device’s commands; delivers nothing', async () => {
    const snoop = await h.device('b-0002');
    // mqtt.js reports a SUBACK with any failure code as an error carrying the packet.
    const suback = await snoop.client.subscribeAsync(['#', 'devices/b-0001/commands', 'devices/b-0002/commands'], { qos: 1 }).then(
      () => undefined,
      (err: { packet?: { granted: number[] } }) => err.packet,
    );
    expect(suback?.granted).toEqual([128, 128, 1]);
    const received: string[] = [];
    snoop.client.on('message', (topic) => received.push(topic));
    const other = await h.device('b-0001');
    await other.telemetry({ hr: 70 }, 1);
    await h.gateway.broker!.publish('devices/b-0001/commands', '{"cmd":"ack"}', { qos: 1 });
    await h.gateway.broker!.publish('devices/b-0002/commands', '{"cmd":"ack"}', { qos: 1 });
    await waitFor('own command delivered', () => received.includes('devices/b-0002/commands'));
    expect(received).toEqual(['devices/b-0002/commands']);
  });
});

describe('bad payloads are refused, counted, and the next good message still lands', () => {
  const cases: { name: string; payload: () => Buffer | string; reason: string }[] = [
    { name: 'malformed CBOR', payload: () => Buffer.from([0xa2, 0x62, 0x68, 0x72]), reason: 'bad_cbor' },
    { name: 'malformed JSON', payload: () => '{"hr": 72,', reason: 'bad_json' },
    { name: 'a wrong type', payload: () => encodeCbor({ hr: 'seventy' }), reason: 'wrong_type' },
    { name: 'hr 900', payload: () => encodeCbor({ hr: 900 }), reason: 'out_of_range' },
    // Within broker.maxPacketBytes (64 KiB), over the payload limit; a larger packet closes the connection.
    { name: 'a 40 KiB payload', payload: () => Buffer.alloc(40 * 1024, 0x61), reason: 'too_large' },
    { name: 'JSON nested 10,000 levels', payload: () => `{"a":${'['.repeat(10_000)}${']'.repeat(10_000)}}`, reason: 'too_deep' },
    { name: 'CBOR nested 10,000 levels', payload: () => Buffer.concat([Buffer.from([0xa1, 0x61, 0x61]), Buffer.alloc(10_000, 0x81), Buffer.from([0x01])]), reason: 'too_deep' },
    { name: 'an array instead of a map', payload: () => encodeCbor([1, 2, 3]), reason: 'not_an_object' },
  ];

  for (const c of cases) {
    it(`refuses ${c.name}`, async () => {
      const device = await h.device('b-0001');
      const before = await rejectionCount('b-0001', c.reason);
      const stored = (await readings('b-0001')).readings.length;
      await device.publishRaw('telemetry', c.payload(), 1);
      await device.telemetry({ hr: 64, ts: Date.now() }, 1);
      expect(await rejectionCount('b-0001', c.reason)).toBe(before + 1);
      const after = (await readings('b-0001')).readings;
      expect(after.length).toBe(stored + 1);
      expect(after.at(-1)).toMatchObject({ hr: 64 });
    });
  }

  it('refuses negative PM from an air station', async () => {
    const air = await h.device('air-01');
    const before = await rejectionCount('air-01', 'out_of_range');
    await air.telemetry({ pm25: -3 }, 1);
    expect(await rejectionCount('air-01', 'out_of_range')).toBe(before + 1);
    const metrics = (await h.api('GET', '/metrics')).body as string;
    expect(metrics).toMatch(/gateway_ingest_rejected_total\{kind="air",reason="out_of_range"\} [1-9]/);
  });

  it('refuses an unknown event type but keeps a fall', async () => {
    const device = await h.device('b-0002');
    const before = await rejectionCount('b-0002', 'unknown_event');
    await device.event({ type: 'explode' } as never);
    await device.event({ type: 'fall', confidence: 0.9 });
    expect(await rejectionCount('b-0002', 'unknown_event')).toBe(before + 1);
    const events = h.gateway.db.prepare("SELECT body FROM device_events WHERE device_id = 'b-0002'").all() as { body: string }[];
    expect(events.map((e) => JSON.parse(e.body))).toContainEqual({ type: 'fall', confidence: 0.9 });
  });
});

describe('status and Last Will', () => {
  it('records online on connect and offline from the Last Will when the device drops', async () => {
    const device = await SimulatedDevice.connect({ id: 'aed-01', secret: SECRETS['aed-01']!, url: h.mqttUrl, fw: '2.1.0' });
    await waitFor('online status', async () => (await h.api('GET', '/api/devices/aed-01')).body.status?.online === true);
    device.crash();
    const status = await waitFor('offline status from the Last Will', async () => {
      const s = (await h.api('GET', '/api/devices/aed-01')).body.status;
      return s?.online === false ? s : undefined;
    });
    expect(status.fw).toBe('2.1.0');
  });
});
