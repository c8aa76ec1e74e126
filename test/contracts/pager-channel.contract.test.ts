import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll } from 'vitest';
import { createChannelSender } from '../../gateway/pager/channels.js';
import { startReceiver, type HttpReceiver } from '../helpers/http-receiver.js';
import { pagerChannelContract, type ChannelAdapterFactory } from './pager-channel.contract.js';

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

pagerChannelContract(webhook);
pagerChannelContract(sms);
