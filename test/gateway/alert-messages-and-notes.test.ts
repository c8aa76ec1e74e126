import net from 'node:net';
import mqtt from 'mqtt';
import mqttPacket from 'mqtt-packet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../helpers/gateway-harness.js';
import { waitFor } from '../helpers/wait-for.js';

let h: Harness;
let workerToken: string;
beforeAll(async () => {
  h = await startHarness({ overrides: { alerts: { maxNotesPerAlert: 5 } } });
  workerToken = (await h.api('POST', '/api/tokens', { role: 'worker', subject: 'w1' })).body.token as string;
});
afterAll(async () => {
  await h.dispose();
});

async function raiseSos(): Promise<string> {
  const bracelet = await h.device('b-0001', 'json');
  await bracelet.event({ type: 'sos' });
  return waitFor('an open sos alert', async () => {
    const list = await h.api('GET', '/api/alerts?kind=sos&state=open');
    return list.body.alerts?.[0]?.id as string | undefined;
  });
}

describe('notes on an alert', () => {
  it('are refused past alerts.maxNotesPerAlert with a stable code, while ack and resolve still take one', async () => {
    const id = await raiseSos();
    for (let i = 1; i <= 5; i++) expect((await h.api('POST', `/api/alerts/${id}/notes`, { text: `visit ${i}` }, workerToken)).status).toBe(200);
    const refused = await h.api('POST', `/api/alerts/${id}/notes`, { text: 'one more' }, workerToken);
    expect(refused.status).toBe(409);
    expect(refused.body).toEqual({ error: 'GW_ERR_ALERT_TOO_MANY_NOTES', message: expect.stringContaining('5 notes') });
    expect((await h.api('POST', `/api/alerts/${id}/notes`, { text: 'x'.repeat(2001) }, workerToken)).status).toBe(400);
    const acked = await h.api('POST', `/api/alerts/${id}/ack`, { note: 'on my way' }, workerToken);
    expect(acked.status).toBe(200);
    expect(acked.body.state).toBe('acked');
    const resolved = await h.api('POST', `/api/alerts/${id}/resolve`, { note: 'she is fine' }, workerToken);
    expect(resolved.body.state).toBe('resolved');
    const notes = resolved.body.timeline.filter((e: { type: string }) => e.type === 'note').map((e: { text: string }) => e.text);
    expect(notes).toHaveLength(5);
    expect(JSON.stringify(resolved.body.timeline)).toContain('she is fine');
  });
});

describe('alerts/grid/{gridId}', () => {
  it('carries each change with the timeline entries it added, not the whole timeline', async () => {
    const app = await mqtt.connectAsync(h.mqttUrl, { clientId: 'w1-phone', username: 'token', password: workerToken, reconnectPeriod: 0 });
    const received: { size: number; body: any }[] = []; // eslint-disable-line @typescript-eslint/no-explicit-any
    app.on('message', (_topic, payload) => received.push({ size: payload.length, body: JSON.parse(payload.toString()) }));
    await app.subscribeAsync('alerts/grid/g1', { qos: 1 });
    try {
      const id = await raiseSos();
      const raised = await waitFor('the raise on the topic', () => received.find((m) => m.body.alert.id === id && m.body.change.includes('alertRaised')));
      expect(raised.body.alert).toMatchObject({ id, kind: 'sos', severity: 'critical', state: 'open', subject: 'r1', grid: 'g1', createdAt: expect.any(String), ackedAt: null, resolvedAt: null, assignee: null, timelineFrom: 0 });
      expect(raised.body.alert.timeline[0]).toMatchObject({ type: 'raised' });
      for (let i = 1; i <= 5; i++) await h.api('POST', `/api/alerts/${id}/notes`, { text: `note ${i} `.padEnd(1900, '.') }, workerToken);
      const noted = await waitFor('five notes on the topic', () => {
        const found = received.filter((m) => m.body.alert.id === id && m.body.change.includes('alertNoted'));
        return found.length === 5 ? found : undefined;
      });
      const full = (await h.api('GET', `/api/alerts/${id}`)).body;
      for (const [i, message] of noted.entries()) {
        const notes = message.body.alert.timeline.filter((e: { type: string }) => e.type === 'note');
        expect(notes.map((e: { text: string }) => e.text.replace(/\.+$/, '').trim())).toEqual([`note ${i + 1}`]);
        // Entries follow on from the previous message: nothing skipped, nothing repeated.
        const from = message.body.alert.timelineFrom as number;
        expect(message.body.alert.timeline).toEqual(full.timeline.slice(from, from + message.body.alert.timeline.length));
      }
      expect(noted.at(-1)!.body.alert.timelineLength).toBe(full.timeline.length);
      // The fifth note's message is no larger than the first's: size does not grow with the notes.
      expect(noted[4]!.size).toBeLessThan(noted[0]!.size + 200);
      expect(noted[4]!.size).toBeLessThan(4000);
    } finally {
      await app.endAsync();
    }
  });
});

describe('an app client that stops reading', () => {
  it('is disconnected and counted once its outgoing buffer passes the bound, while a reading client gets everything', async () => {
    const adminApp = await mqtt.connectAsync(h.mqttUrl, { clientId: 'reading-app', username: 'token', password: workerToken, reconnectPeriod: 0 });
    let readBytes = 0;
    adminApp.on('message', (_topic, payload) => (readBytes += payload.length));
    await adminApp.subscribeAsync('alerts/grid/g1', { qos: 1 });

    // A phone that subscribes and then never reads again: a raw socket, paused after SUBACK.
    const slow = net.connect(h.ports.mqtt, '127.0.0.1');
    slow.on('error', () => undefined);
    const parser = mqttPacket.parser({ protocolVersion: 4 });
    const subacked = new Promise<void>((resolve) => parser.on('packet', (packet) => packet.cmd === 'suback' && resolve()));
    slow.on('data', (chunk) => parser.parse(chunk));
    slow.write(mqttPacket.generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: true, clientId: 'slow-phone', keepalive: 600, username: 'token', password: Buffer.from(workerToken) }));
    slow.write(mqttPacket.generate({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'alerts/grid/g1', qos: 1 }] }));
    await subacked;
    slow.removeAllListeners('data');
    slow.pause();

    const limit = h.gateway.config.broker.maxQueuedBytesPerClient;
    const payload = Buffer.alloc(64 * 1024, 'a');
    let sent = 0;
    const dropped = async (): Promise<number> => (await h.gateway.metrics.slowClientsDropped.get()).values[0]?.value ?? 0;
    const connected = (id: string): boolean => Object.hasOwn((h.gateway.broker!.aedes as unknown as { clients: Record<string, unknown> }).clients, id);
    // Small batches, each after the event loop turned: a client that reads keeps up with these.
    // The kernel's socket buffers take some megabytes before the gateway's own buffer grows.
    while (connected('slow-phone')) {
      if (sent > 100 * 1024 * 1024) throw new Error('100 MB sent and the client that does not read is still connected');
      for (let i = 0; i < 8; i++) void h.gateway.broker!.publish('alerts/grid/g1', payload, { qos: 1 }).catch(() => undefined);
      sent += 8 * payload.length;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    slow.destroy();
    expect(await dropped()).toBe(1);
    expect((await h.api('GET', '/metrics')).body).toMatch(/gateway_mqtt_slow_clients_dropped_total 1\b/);
    expect(limit).toBe(1024 * 1024);
    expect(adminApp.connected).toBe(true);
    await waitFor('the reading client got everything', () => readBytes >= sent, 30_000);
    await adminApp.endAsync();
  }, 120_000);
});
