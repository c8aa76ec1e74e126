import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { GatewayErrorCode } from '../errors/gateway-errors.js';
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

/** A message about an emergency from outside (gateway/emergencies): a responder's dispatch, a notice to the centre or a guardian. */
export interface EmergencyNotice {
  type: 'emergency';
  emergencyId: string;
  text: string;
  [field: string]: unknown;
}

/** A page or a morning digest about alerts, as the alert side writes it (alerts/page-message.ts). */
export interface AlertMessage {
  type: 'page' | 'digest';
  text: string;
  /** A page's alert: its id and severity fill an SMS template. */
  alert?: { id: string; severity: string };
}

/** What a channel sends: a webhook gets the whole message as JSON, an SMS its `text`. */
export type OutboundMessage = AlertMessage | EmergencyNotice;

/**
 * Why a delivery failed, in a word an app translates for a person (the timeline's `code`):
 * the address is no URL, nothing answered the connection, no answer in time, the receiver
 * refused (not 2xx), the answer broke off, no SMS gateway is set up, the broker would not take it.
 */
export type DeliveryFailure = 'bad_address' | 'unreachable' | 'no_answer' | 'refused' | 'cut_off' | 'sms_not_configured' | 'mqtt_failed' | 'unknown';

/** A failed delivery: `code` for people (translated), the message for whoever fixes the channel. */
export class DeliveryError extends Error {
  override name = 'DeliveryError';
  constructor(
    message: string,
    readonly code: DeliveryFailure = 'unknown',
  ) {
    super(message);
  }

  get gatewayCode(): GatewayErrorCode {
    return DELIVERY_ERROR_CODES[this.code];
  }
}

/** Each delivery failure's code in the gateway's error registry (errors/gateway-errors.ts). */
export const DELIVERY_ERROR_CODES = {
  bad_address: 'GW_ERR_DELIVERY_BAD_ADDRESS',
  unreachable: 'GW_ERR_DELIVERY_UNREACHABLE',
  no_answer: 'GW_ERR_DELIVERY_NO_ANSWER',
  refused: 'GW_ERR_DELIVERY_REFUSED',
  cut_off: 'GW_ERR_DELIVERY_CUT_OFF',
  sms_not_configured: 'GW_ERR_DELIVERY_SMS_NOT_CONFIGURED',
  mqtt_failed: 'GW_ERR_DELIVERY_MQTT_FAILED',
  unknown: 'GW_ERR_DELIVERY_UNKNOWN',
} as const satisfies Record<DeliveryFailure, GatewayErrorCode>;

/** The failure's code, for an error of any kind. */
export function deliveryFailure(err: unknown): DeliveryFailure {
  return err instanceof DeliveryError ? err.code : 'unknown';
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

/**
 * Keep-alive pools for webhook and SMS gateway calls: node:http rather than fetch, whose first
 * call loads undici (a few hundred milliseconds) and whose every call costs more, on the path
 * between a fall and the person who must hear of it.
 */
const AGENTS = {
  'http:': new HttpAgent({ keepAlive: true, maxSockets: 64 }),
  'https:': new HttpsAgent({ keepAlive: true, maxSockets: 64 }),
} as const;

/** POSTs and resolves on a 2xx answer; anything else is a DeliveryError saying what happened. */
function post(url: string, body: string, headers: Record<string, string>, timeoutMs: number): Promise<void> {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return Promise.reject(new DeliveryError(`not a URL: ${url}`, 'bad_address'));
  }
  if (target.protocol !== 'http:' && target.protocol !== 'https:') return Promise.reject(new DeliveryError(`not an http(s) URL: ${url}`, 'bad_address'));
  const secure = target.protocol === 'https:';
  const send = secure ? httpsRequest : httpRequest;
  const agent = secure ? AGENTS['https:'] : AGENTS['http:'];
  return new Promise<void>((resolve, reject) => {
    const fail = (err: DeliveryError): void => {
      clearTimeout(deadline);
      reject(err);
    };
    const request = send(
      target,
      { method: 'POST', agent, headers: { ...headers, 'content-length': Buffer.byteLength(body) } },
      (response) => {
        // Read the body so the connection goes back to the pool; a redirect is not followed.
        response.resume();
        response.once('error', () => fail(new DeliveryError('answer cut off', 'cut_off')));
        response.once('end', () => {
          clearTimeout(deadline);
          const status = response.statusCode ?? 0;
          if (status < 200 || status > 299) reject(new DeliveryError(`HTTP ${status}`, 'refused'));
          else resolve();
        });
      },
    );
    // The whole exchange, not socket idleness: an answer trickling in slowly still times out.
    const deadline = setTimeout(() => request.destroy(new DeliveryError(`no answer within ${timeoutMs} ms`, 'no_answer')), timeoutMs);
    request.once('error', (err: Error & { code?: string }) => fail(err instanceof DeliveryError ? err : new DeliveryError(`could not connect: ${err.code ?? err.message}`, 'unreachable')));
    request.end(body);
  });
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
        if (sms === undefined) throw new DeliveryError('no SMS gateway configured (pager.sms)', 'sms_not_configured');
        const alertId = message.type === 'emergency' ? message.emergencyId : (message.alert?.id ?? '');
        const severity = message.type === 'emergency' ? 'low' : (message.alert?.severity ?? 'low');
        const body = fillTemplate(sms.bodyTemplate, { phone: channel.phone, text: message.text, alertId, severity }, sms.contentType);
        return post(sms.url, body, { 'content-type': sms.contentType, 'idempotency-key': idempotencyKey, ...sms.headers }, deps.webhookTimeoutMs);
      }
      case 'mqtt':
        try {
          await deps.publishMqtt(channel.topic ?? personTopic(route.to), JSON.stringify(message));
        } catch (err) {
          throw new DeliveryError(`MQTT publish failed: ${(err as Error).message}`, 'mqtt_failed');
        }
        return;
    }
  };
}
