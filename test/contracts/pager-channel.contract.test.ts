import { rmSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll } from 'vitest';
import { startMqttBroker, type RunningBroker } from '../../broker/mqtt-broker.js';
import { createLogger } from '../../gateway/logger.js';
import { createChannelSender } from '../../gateway/pager/channels.js';
import { harnessConfig, makeDataDir } from '../helpers/gateway-harness.js';
import { startReceiver, type HttpReceiver } from '../helpers/http-receiver.js';
import { pagerChannelContract, type ChannelAdapterFactory, type Received } from './pager-channel.contract.js';

// Generous: a loaded machine must not turn a prompt answer into a timeout.
const TIMEOUT_MS = 2_000;

/** A real HTTP receiver for the whole suite; each far end is a path of its own on it. */
function useReceiver(): { receiver(): HttpReceiver; deadUrl(path: string): string; nextPath(): string } {
  let receiver: HttpReceiver | undefined;
  let deadPort = 0;
  let paths = 0;
  beforeAll(async () => {
    receiver = await startReceiver();
    // A port that was just free and is closed again: nothing listens there.
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    deadPort = (probe.address() as AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
  });
  afterAll(async () => receiver?.close());
  return { receiver: () => receiver!, deadUrl: (path) => `http://127.0.0.1:${deadPort}${path}`, nextPath: () => `/end-${++paths}` };
}

const noMqtt = async (): Promise<void> => {
  throw new Error('no broker in this suite');
};

const webhook: ChannelAdapterFactory = {
  name: 'webhook to a real HTTP receiver',
  timeoutMs: TIMEOUT_MS,
  far: { seesKeys: true, answers: true },
  unreachableCode: 'unreachable',
  setup() {
    const http = useReceiver();
    const send = createChannelSender({ webhookTimeoutMs: TIMEOUT_MS, publishMqtt: noMqtt });
    return {
      async open() {
        const path = http.nextPath();
        return {
          send,
          route: { to: 'w-zhang', channel: { type: 'webhook', url: http.receiver().url(path) } },
          unreachable: { to: 'w-zhang', channel: { type: 'webhook', url: http.deadUrl(path) } },
          answer: (behaviour) => http.receiver().answer(path, behaviour),
          received: () => http.receiver().to(path).map((r) => ({ idempotencyKey: r.headers['idempotency-key'] as string | undefined, text: (r.body as { text: string }).text })),
        };
      },
    };
  },
};

const sms: ChannelAdapterFactory = {
  name: 'SMS through an HTTP gateway (form body) to a real HTTP receiver',
  timeoutMs: TIMEOUT_MS,
  far: { seesKeys: true, answers: true },
  unreachableCode: 'unreachable',
  setup() {
    const http = useReceiver();
    const template = 'to={{phone}}&msg={{text}}&ref={{alertId}}';
    return {
      async open() {
        const path = http.nextPath();
        const smsAt = (url: string) =>
          createChannelSender({ webhookTimeoutMs: TIMEOUT_MS, publishMqtt: noMqtt, sms: { url, contentType: 'application/x-www-form-urlencoded', bodyTemplate: template } });
        const live = smsAt(http.receiver().url(path));
        const dead = smsAt(http.deadUrl(path));
        const route = { to: 'w-zhang', channel: { type: 'sms', phone: '+8613800000000' } } as const;
        const unreachable = { to: 'w-zhang', channel: { type: 'sms', phone: '+8613800000001' } } as const;
        return {
          send: (r, message, key) => (r === unreachable ? dead : live)(r, message, key),
          route,
          unreachable,
          answer: (behaviour) => http.receiver().answer(path, behaviour),
          received: () =>
            http
              .receiver()
              .to(path)
              .map((r) => {
                const form = new URLSearchParams(r.text);
                if (form.get('to') !== '+8613800000000' || form.get('ref') !== 'em-20261201-3') throw new Error(`unexpected SMS form: ${r.text}`);
                return { idempotencyKey: r.headers['idempotency-key'] as string | undefined, text: form.get('msg') ?? '' };
              }),
        };
      },
    };
  },
};

/** A real broker on ephemeral ports, as the gateway starts it; app logins speak for the person their token names. */
async function startBroker(): Promise<RunningBroker> {
  const dataDir = makeDataDir();
  try {
    return await startMqttBroker({
      host: '127.0.0.1',
      mqttPort: 0,
      mqttWsPort: 0,
      limits: harnessConfig(dataDir, undefined).broker,
      log: createLogger('silent'),
      hooks: {
        authenticateDevice: async () => 'unknown_device',
        authenticateApp: async (_clientId, token) => (token === undefined ? { outcome: 'bad_token' } : { outcome: 'ok', client: { role: 'worker', subject: token, grids: [] } }),
        devicePublished: () => undefined,
        retainIgnored: () => undefined,
        connectionRefused: () => undefined,
        connectionGuarded: () => undefined,
        aclDenied: () => undefined,
        clientCountChanged: () => undefined,
      },
    });
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Publishes through the broker while it runs; refused once it has stopped, as the gateway's publish is. */
const publishThrough = (broker: RunningBroker) => (topic: string, payload: string) =>
  broker.listening ? broker.publish(topic, payload, { qos: 1 }) : Promise.reject(new Error('the broker is not running'));

const mqttChannel: ChannelAdapterFactory = {
  name: 'MQTT through a real aedes broker to a subscribed phone',
  timeoutMs: TIMEOUT_MS,
  far: { seesKeys: false, answers: false },
  unreachableCode: 'mqtt_failed',
  setup() {
    let broker: RunningBroker | undefined;
    let stopped: RunningBroker | undefined;
    const phones: MqttClient[] = [];
    let people = 0;
    beforeAll(async () => {
      broker = await startBroker();
      stopped = await startBroker();
      await stopped.close();
    });
    afterAll(async () => {
      await Promise.all(phones.map((phone) => phone.endAsync(true)));
      await broker?.close();
    });
    return {
      async open() {
        // Each far end is a person of their own, listening on their own topic (CONTRACT.md §4).
        const person = `w-zhang-${++people}`;
        const phone = await mqtt.connectAsync(`mqtt://127.0.0.1:${broker!.ports.mqtt}`, { clientId: `phone-${person}`, username: 'token', password: person, reconnectPeriod: 0 });
        phones.push(phone);
        const got: Received[] = [];
        phone.on('message', (_topic, payload) => got.push({ idempotencyKey: undefined, text: (JSON.parse(payload.toString('utf8')) as { text: string }).text }));
        await phone.subscribeAsync(`alerts/person/${person}`, { qos: 1 });
        const live = createChannelSender({ webhookTimeoutMs: TIMEOUT_MS, publishMqtt: publishThrough(broker!) });
        const dead = createChannelSender({ webhookTimeoutMs: TIMEOUT_MS, publishMqtt: publishThrough(stopped!) });
        const route = { to: person, channel: { type: 'mqtt' } } as const;
        const unreachable = { to: person, channel: { type: 'mqtt' } } as const;
        return {
          send: (r, message, key) => (r === unreachable ? dead : live)(r, message, key),
          route,
          unreachable,
          received: () => [...got],
        };
      },
    };
  },
};

pagerChannelContract(webhook);
pagerChannelContract(sms);
pagerChannelContract(mqttChannel);
