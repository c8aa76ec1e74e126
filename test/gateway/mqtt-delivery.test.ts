import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeCbor } from '../../sensors/index.js';
import { SECRETS, startHarness, type Harness } from '../helpers/gateway-harness.js';
import { RawMqtt, connectPacket, publishPacket, pubrelPacket } from '../helpers/raw-mqtt.js';
import { waitFor } from '../helpers/wait-for.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.dispose();
});

async function device(id: string): Promise<RawMqtt> {
  const raw = await RawMqtt.open(h.ports.mqtt);
  raw.write(connectPacket(id, id, SECRETS[id]!));
  const connack = await raw.next(2);
  expect(connack.body[1]).toBe(0);
  return raw;
}

async function storedReadings(id: string): Promise<Record<string, unknown>[]> {
  const res = await h.api('GET', `/api/devices/${id}/readings?from=0`);
  return res.body.readings as Record<string, unknown>[];
}

async function sosAlerts(): Promise<{ occurrences: number }[]> {
  const res = await h.api('GET', '/api/alerts?kind=sos');
  return res.body.alerts as { occurrences: number }[];
}

describe('QoS 2 is received exactly once', () => {
  it('stores a reading once when the device resends it before PUBREL, and again for a new message with the id freed by PUBREL', async () => {
    const raw = await device('b-0001');
    const ts = Date.now() - 1_000;
    const first = publishPacket('devices/b-0001/telemetry', encodeCbor({ ts, hr: 71 }), { qos: 2, messageId: 7 });
    raw.write(first);
    await raw.next(5);
    // PUBREC came back, but the device did not see it (as far as it knows) and resends.
    raw.write(publishPacket('devices/b-0001/telemetry', encodeCbor({ ts, hr: 71 }), { qos: 2, messageId: 7, dup: true }));
    await raw.next(5);
    // Two copies in one socket write: the broker reads them as one batch.
    raw.write(Buffer.concat([publishPacket('devices/b-0001/telemetry', encodeCbor({ ts, hr: 71 }), { qos: 2, messageId: 7, dup: true }), first]));
    await raw.next(5);
    await raw.next(5);
    expect(await storedReadings('b-0001')).toEqual([expect.objectContaining({ ts, hr: 71 })]);

    raw.write(pubrelPacket(7));
    await raw.next(7);
    // The id is free again: the next PUBLISH with it is a new message.
    raw.write(publishPacket('devices/b-0001/telemetry', encodeCbor({ ts: ts + 1, hr: 72 }), { qos: 2, messageId: 7 }));
    await raw.next(5);
    expect((await storedReadings('b-0001')).map((r) => r.hr)).toEqual([71, 72]);
    raw.end();
  });

  it('counts an SOS once when it is resent before PUBREL', async () => {
    const raw = await device('b-0002');
    const sos = publishPacket('devices/b-0002/events', encodeCbor({ type: 'sos' }), { qos: 2, messageId: 300 });
    raw.write(sos);
    await raw.next(5);
    raw.write(publishPacket('devices/b-0002/events', encodeCbor({ type: 'sos' }), { qos: 2, messageId: 300, dup: true }));
    await raw.next(5);
    const [alert] = await waitFor('the SOS alert', async () => ((await sosAlerts()).length === 1 ? sosAlerts() : undefined));
    expect(alert!.occurrences).toBe(1);

    // A second press is a new message (a new id): it counts.
    raw.write(pubrelPacket(300));
    await raw.next(7);
    raw.write(publishPacket('devices/b-0002/events', encodeCbor({ type: 'sos' }), { qos: 2, messageId: 301 }));
    await raw.next(5);
    expect((await sosAlerts())[0]!.occurrences).toBe(2);
    raw.end();
  });
});

describe('devices do not retain', () => {
  it('ingests a retained reading as an ordinary one, keeps nothing and counts it', async () => {
    const raw = await device('air-01');
    raw.write(publishPacket('devices/air-01/telemetry', encodeCbor({ pm25: 12 }), { qos: 1, messageId: 1, retain: true }));
    await raw.next(4);
    expect((await storedReadings('air-01')).map((r) => r.pm25)).toEqual([12]);
    const persistence = (h.gateway.broker!.aedes as unknown as { persistence: { createRetainedStream(pattern: string): AsyncIterable<unknown> } }).persistence;
    const retained: unknown[] = [];
    for await (const packet of persistence.createRetainedStream('devices/#')) retained.push(packet);
    expect(retained).toEqual([]);
    expect((await h.gateway.metrics.retainIgnored.get()).values[0]!.value).toBe(1);
    raw.end();
  });
});

describe('device messages end at the gateway', () => {
  it('takes them in without routing them to any subscriber, even one inside the broker; its own publishes are routed', async () => {
    const aedes = h.gateway.broker!.aedes;
    const routed: string[] = [];
    const listener = (packet: { topic: string }, cb: () => void): void => {
      routed.push(packet.topic);
      cb();
    };
    await new Promise<void>((resolve) => aedes.subscribe('devices/#', listener, resolve));
    try {
      const raw = await device('b-0002');
      raw.write(publishPacket('devices/b-0002/telemetry', encodeCbor({ ts: Date.now() - 1_000, hr: 64 }), { qos: 1, messageId: 11 }));
      await raw.next(4);
      expect((await storedReadings('b-0002')).map((r) => r.hr)).toContain(64);
      raw.write(publishPacket('devices/b-0002/telemetry', encodeCbor({ hr: 65 }), { qos: 0 }));
      await h.gateway.broker!.publish('devices/b-0002/commands', Buffer.from('{}'), { qos: 0 });
      await waitFor('the command routed', () => (routed.includes('devices/b-0002/commands') ? true : undefined), 30_000);
      // The QoS 0 reading went in before the command: it was taken in, and not routed.
      await waitFor('the QoS 0 reading stored', async () => ((await storedReadings('b-0002')).some((r) => r.hr === 65) ? true : undefined), 30_000);
      expect(routed).toEqual(['devices/b-0002/commands']);
      raw.end();
    } finally {
      await new Promise<void>((resolve) => aedes.unsubscribe('devices/#', listener, resolve));
    }
  });
});
