import type { DigestMessage, PageMessage } from './page-message.js';
import type { PageRoute } from './page-jobs.js';

export interface SmsGatewayConfig {
  url: string;
  contentType: 'application/json' | 'application/x-www-form-urlencoded';
  /** `{{phone}}`, `{{text}}`, `{{alertId}}` and `{{severity}}` are replaced, escaped for the content type. */
  bodyTemplate: string;
  headers?: Record<string, string>;
}

export interface ChannelSenderDeps {
  webhookTimeoutMs: number;
  sms?: SmsGatewayConfig;
  /** Publishes through the embedded broker; rejects when it is not running. */
  publishMqtt(topic: string, payload: string): Promise<void>;
}

export type OutboundMessage = PageMessage | DigestMessage;

/** A failed delivery, with a message that goes on the alert's timeline as it is. */
export class DeliveryError extends Error {
  override name = 'DeliveryError';
}

export type ChannelSender = (route: PageRoute, message: OutboundMessage, idempotencyKey: string) => Promise<void>;

/** The per-person MQTT topic when a channel names none. */
export function personTopic(personId: string): string {
  return `alerts/person/${personId}`;
}

function fillTemplate(template: string, values: Record<string, string>, contentType: SmsGatewayConfig['contentType']): string {
  const escape = contentType === 'application/json' ? (v: string) => JSON.stringify(v).slice(1, -1) : encodeURIComponent;
  return template.replace(/\{\{(\w+)\}\}/g, (whole, name: string) => (name in values ? escape(values[name]!) : whole));
}

async function post(url: string, body: string, headers: Record<string, string>, timeoutMs: number): Promise<void> {
  let response: Response;
  try {
    response = await fetch(url, { method: 'POST', body, headers, signal: AbortSignal.timeout(timeoutMs), redirect: 'error' });
  } catch (err) {
    const name = (err as Error).name;
    if (name === 'TimeoutError' || name === 'AbortError') throw new DeliveryError(`no answer within ${timeoutMs} ms`);
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    throw new DeliveryError(`could not connect: ${cause?.code ?? cause?.message ?? (err as Error).message}`);
  }
  // Read the body so the connection goes back to the pool.
  await response.arrayBuffer().catch(() => undefined);
  if (response.status < 200 || response.status > 299) throw new DeliveryError(`HTTP ${response.status}`);
}

/** CONTRACT.md §4: webhook (2xx = delivered), SMS through an HTTP gateway, MQTT. */
export function createChannelSender(deps: ChannelSenderDeps): ChannelSender {
  return async (route, message, idempotencyKey) => {
    const channel = route.channel;
    switch (channel.type) {
      case 'webhook':
        return post(
          channel.url,
          JSON.stringify(message),
          { 'content-type': 'application/json', 'idempotency-key': idempotencyKey, 'user-agent': 'community-health-gateway' },
          deps.webhookTimeoutMs,
        );
      case 'sms': {
        const sms = deps.sms;
        if (sms === undefined) throw new DeliveryError('no SMS gateway configured (pager.sms)');
        const alertId = message.type === 'page' ? message.alert.id : '';
        const severity = message.type === 'page' ? message.alert.severity : 'low';
        const body = fillTemplate(sms.bodyTemplate, { phone: channel.phone, text: message.text, alertId, severity }, sms.contentType);
        return post(sms.url, body, { 'content-type': sms.contentType, 'idempotency-key': idempotencyKey, ...sms.headers }, deps.webhookTimeoutMs);
      }
      case 'mqtt':
        try {
          await deps.publishMqtt(channel.topic ?? personTopic(route.to), JSON.stringify(message));
        } catch (err) {
          throw new DeliveryError(`MQTT publish failed: ${(err as Error).message}`);
        }
        return;
    }
  };
}
