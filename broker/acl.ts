import { ID_PATTERN, parseDeviceTopic, isInboundChannel, type InboundChannel } from '../sensors/index.js';

/**
 * CONTRACT.md §2: a device publishes only under `devices/{its own id}/…` and subscribes only
 * to `devices/{its own id}/commands`.
 */
export type PublishDecision = { allowed: true; channel: InboundChannel } | { allowed: false; code: PublishRefusal; reason: string };

/** Why a PUBLISH was refused, stable for logs and tests. */
export type PublishRefusal = 'not_a_device_topic' | 'another_devices_topic' | 'commands_not_published' | 'app_publishes_nothing';

const ALLOWED: { readonly [C in InboundChannel]: PublishDecision } = {
  telemetry: { allowed: true, channel: 'telemetry' },
  events: { allowed: true, channel: 'events' },
  status: { allowed: true, channel: 'status' },
};

export function authorizeDevicePublish(deviceId: string, topic: string): PublishDecision {
  // The usual case, checked without splitting: `devices/{own id}/{inbound channel}`. The client id
  // was checked against the registry at CONNECT.
  const prefixLength = 8 + deviceId.length;
  if (topic.startsWith('devices/') && topic.charCodeAt(prefixLength) === 0x2f && topic.startsWith(deviceId, 8)) {
    const channel = topic.slice(prefixLength + 1);
    if (channel === 'telemetry' || channel === 'events' || channel === 'status') return ALLOWED[channel];
  }
  const parsed = parseDeviceTopic(topic);
  if (parsed === undefined) return { allowed: false, code: 'not_a_device_topic', reason: `topic "${topic}" is not a device topic` };
  if (parsed.deviceId !== deviceId) return { allowed: false, code: 'another_devices_topic', reason: `topic "${topic}" belongs to another device` };
  if (!isInboundChannel(parsed.channel)) return { allowed: false, code: 'commands_not_published', reason: 'devices do not publish commands' };
  return { allowed: true, channel: parsed.channel };
}

export function authorizeDeviceSubscribe(deviceId: string, topicFilter: string): boolean {
  return topicFilter === `devices/${deviceId}/commands`;
}

/** Roles of API tokens (gateway/auth/token-store.ts), repeated so broker/ imports nothing of the gateway. */
export type AppRole = 'admin' | 'worker' | 'bureau' | 'responder' | 'dispatcher' | 'doctor' | 'family';

/** An app client (workers' phones, the bureau's screens) logged in with an API token. */
export interface AppClient {
  role: AppRole;
  /** The worker or responder the token speaks for; null for admin and bureau tokens. */
  subject: string | null;
  /** The grids a worker looks after, as the registry said at CONNECT. */
  grids: readonly string[];
}

/** The MQTT user name that marks a login with an API token instead of a device secret. */
export const APP_USERNAME = 'token';

/**
 * A CONNECT is an app login when the user name is `token` and the client id is something else:
 * a device connects with client id = user name, so a device whose id happens to be `token` still
 * logs in as a device.
 */
export function isAppLogin(clientId: string, username: string | undefined): boolean {
  return username === APP_USERNAME && clientId !== APP_USERNAME;
}

export type SubscribeDecision = { allowed: true } | { allowed: false; reason: string };

/**
 * What an app client may subscribe to (CONTRACT.md §2): the index feed (`feeds/aqhi/+` or one
 * station) for anyone; `alerts/grid/{gridId}` for a worker of that grid, and any grid or
 * `alerts/grid/+` for admin; `alerts/person/{own id}` for a worker or responder. Nothing else,
 * and no `#`: a filter that could reach another grid's alerts is refused whole.
 */
export function authorizeAppSubscribe(client: AppClient, topicFilter: string): SubscribeDecision {
  const parts = topicFilter.split('/');
  const deny = (reason: string): SubscribeDecision => ({ allowed: false, reason });
  if (isIndexReportFilter(parts)) return { allowed: true };
  if (parts.length !== 3) return deny(`"${topicFilter}" is not a topic app clients may subscribe to`);
  const [root, kind, id] = parts as [string, string, string];
  const isId = ID_PATTERN.test(id);

  if (root === 'feeds' && kind === 'aqhi') {
    return id === '+' || isId ? { allowed: true } : deny(`"${id}" is not a station id or "+"`);
  }
  if (root === 'alerts' && kind === 'grid') {
    if (client.role === 'admin' && (id === '+' || isId)) return { allowed: true };
    if (client.role === 'worker' && isId && client.grids.includes(id)) return { allowed: true };
    return deny(`the ${client.role} role may not subscribe to alerts of grid "${id}"`);
  }
  if (root === 'alerts' && kind === 'person') {
    const ownRole = client.role === 'worker' || client.role === 'responder';
    if (ownRole && isId && client.subject === id) return { allowed: true };
    return deny(`alerts/person/${id} is only for that person`);
  }
  return deny(`"${topicFilter}" is not a topic app clients may subscribe to`);
}

/**
 * The index's daily reports and forecasts (CONTRACT.md §6), public like the feed:
 * `feeds/aqhi/{station|+}/{daily|forecast}` and `feeds/aqhi/district/{district|+}/daily`.
 */
function isIndexReportFilter(parts: readonly string[]): boolean {
  if (parts[0] !== 'feeds' || parts[1] !== 'aqhi') return false;
  const idOrAll = (x: string | undefined): boolean => x !== undefined && (x === '+' || ID_PATTERN.test(x));
  if (parts.length === 4) return idOrAll(parts[2]) && (parts[3] === 'daily' || parts[3] === 'forecast');
  return parts.length === 5 && parts[2] === 'district' && idOrAll(parts[3]) && parts[4] === 'daily';
}

/** App clients only listen: the gateway is the only publisher of feeds and alerts. */
export function authorizeAppPublish(topic: string): { allowed: false; code: 'app_publishes_nothing'; reason: string } {
  return { allowed: false, code: 'app_publishes_nothing', reason: `app clients publish nothing (tried "${topic}")` };
}

/**
 * The first stage of a device message: whether the broker takes a PUBLISH, and on which channel.
 * `dropRetain`: a device set the retain flag (CONTRACT.md §2: devices do not); the message is
 * ingested, the flag dropped and counted. Refused, the connection is closed (MQTT 3.1.1 §3.3.5).
 */
export type PublishAdmission =
  | { admitted: true; channel: InboundChannel; dropRetain: boolean }
  | { admitted: false; code: PublishRefusal; reason: string };

/** One constant per channel and retain flag: the usual case allocates nothing. */
const admitted = (channel: InboundChannel): readonly [PublishAdmission, PublishAdmission] => [
  { admitted: true, channel, dropRetain: false },
  { admitted: true, channel, dropRetain: true },
];
const ADMITTED: { readonly [C in InboundChannel]: readonly [PublishAdmission, PublishAdmission] } = {
  telemetry: admitted('telemetry'),
  events: admitted('events'),
  status: admitted('status'),
};

export function admitPublish(fromApp: boolean, clientId: string, topic: string, retain: boolean): PublishAdmission {
  const decision = fromApp ? authorizeAppPublish(topic) : authorizeDevicePublish(clientId, topic);
  if (!decision.allowed) return { admitted: false, code: decision.code, reason: decision.reason };
  return ADMITTED[decision.channel][retain ? 1 : 0];
}
