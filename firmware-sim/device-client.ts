import { EventEmitter } from 'node:events';
import net from 'node:net';
import mqtt, { MqttClient, type IClientOptions } from 'mqtt';
import { decodePayload, deviceTopic, encodeCbor, encodeJson, type BraceletValues, type AedValues, type AirValues, type BraceletEvent, type AedEvent, type BinEvent, type BinValues } from '../sensors/index.js';

export type Encoding = 'cbor' | 'json';

/**
 * Exponential backoff between reconnect attempts, as firmware does so that a fleet does not
 * storm a gateway that has just come back: initial, initial·factor, … up to maxDelayMs, each
 * spread by ±jitter so thousands of devices do not retry in step.
 */
export interface ReconnectBackoff {
  initialDelayMs: number;
  maxDelayMs: number;
  /** Default 2. */
  factor?: number;
  /** Share of the delay to spread by, 0..1; default 0.2. */
  jitter?: number;
  /** Source of the jitter; Math.random by default (a seeded one makes runs repeatable). */
  random?: () => number;
}

export interface SimulatedDeviceOptions {
  id: string;
  secret: string;
  url: string;
  encoding?: Encoding;
  /** Firmware version reported in status messages. */
  fw?: string;
  /** A fixed reconnect period; ignored when `reconnect` is given. */
  reconnectPeriodMs?: number;
  /** Reconnect with exponential backoff after the connection drops. */
  reconnect?: ReconnectBackoff;
  clean?: boolean;
  /**
   * The local address to connect from (mqtt:// only). One source address has about 28,000
   * ephemeral ports; a fleet beyond that spreads over 127.0.0.1, 127.0.0.2, …
   */
  localAddress?: string;
  extra?: Partial<IClientOptions>;
}

export interface SimulatedDeviceEvents {
  /** A command arrived on `devices/{id}/commands`. */
  command: [command: unknown];
  /** The connection dropped (not by close() or crash()). */
  offline: [];
  /** A reconnect attempt is scheduled after delayMs; attempt counts from 1. */
  reconnecting: [attempt: number, delayMs: number];
  /** Connected again after `attempts` attempts. */
  reconnected: [attempts: number];
}

export interface DeviceStats {
  /** PUBLISHes completed: written (QoS 0) or acknowledged (QoS 1). */
  sent: number;
  failed: number;
  reconnects: number;
}

type Values = BraceletValues | AedValues | AirValues | BinValues;

export function backoffDelayMs(backoff: ReconnectBackoff, attempt: number): number {
  const factor = backoff.factor ?? 2;
  const jitter = backoff.jitter ?? 0.2;
  const base = Math.min(backoff.maxDelayMs, backoff.initialDelayMs * factor ** Math.max(0, attempt - 1));
  const spread = jitter === 0 ? 1 : 1 + jitter * (2 * (backoff.random ?? Math.random)() - 1);
  return Math.max(1, Math.round(Math.min(backoff.maxDelayMs, base * spread)));
}

/** mqtt.connectAsync, or the same over a TCP socket bound to a chosen local address. */
function openClient(url: string, localAddress: string | undefined, clientOptions: IClientOptions): Promise<MqttClient> {
  if (localAddress === undefined) return mqtt.connectAsync(url, clientOptions);
  const target = new URL(url);
  if (target.protocol !== 'mqtt:') throw new Error(`a local address needs an mqtt:// URL, not ${url}`);
  const port = Number(target.port || 1883);
  const client = new MqttClient(() => net.createConnection({ host: target.hostname, port, localAddress }), clientOptions);
  return new Promise((resolve, reject) => {
    const settle = (err?: Error): void => {
      client.off('connect', onConnect);
      client.off('error', onError);
      if (err === undefined) resolve(client);
      else {
        client.end(true);
        reject(err);
      }
    };
    const onConnect = (): void => settle();
    const onError = (err: Error): void => settle(err);
    client.once('connect', onConnect);
    client.once('error', onError);
  });
}

/**
 * A device as firmware would be: its own credentials, CBOR by default, events at QoS 1, a Last
 * Will that reports it offline, and an online status when it connects (and reconnects).
 */
export class SimulatedDevice {
  /** Commands the gateway sent (e.g. `{cmd: 'ack', alertId}`: help is coming), oldest first. */
  readonly commands: unknown[] = [];
  readonly events = new EventEmitter<SimulatedDeviceEvents>();
  readonly stats: DeviceStats = { sent: 0, failed: 0, reconnects: 0 };
  /** The delay before each reconnect attempt since the device started, in order. */
  readonly reconnectDelaysMs: number[] = [];
  /** The last connection error (refused, reset), for progress lines. */
  lastError: Error | undefined;
  private leaving = false;

  private constructor(
    readonly options: SimulatedDeviceOptions,
    readonly client: MqttClient,
  ) {
    client.on('message', (topic, payload) => {
      if (topic !== deviceTopic(options.id, 'commands')) return;
      const decoded = decodePayload(payload, { maxBytes: 64 * 1024, maxDepth: 16 });
      if (!decoded.ok) return;
      this.commands.push(decoded.value);
      this.events.emit('command', decoded.value);
    });
    // Without a listener an 'error' event would throw; a device just notes it and retries.
    client.on('error', (err) => {
      this.lastError = err;
    });
    if (options.reconnect !== undefined) this.followBackoff(options.reconnect);
  }

  /**
   * mqtt.js reconnects at a fixed `reconnectPeriod`, read each time the connection closes; setting
   * it after each close makes the next wait longer, and its own reconnect keeps the session's
   * queued QoS 1 messages and resubscribes.
   */
  private followBackoff(backoff: ReconnectBackoff): void {
    let attempt = 0;
    this.client.on('close', () => {
      if (this.leaving) return;
      if (attempt === 0) this.events.emit('offline');
      attempt++;
      const delay = this.client.options.reconnectPeriod ?? backoff.initialDelayMs;
      this.reconnectDelaysMs.push(delay);
      this.events.emit('reconnecting', attempt, delay);
      this.client.options.reconnectPeriod = backoffDelayMs(backoff, attempt + 1);
    });
    this.client.on('connect', () => {
      if (attempt > 0) {
        this.stats.reconnects++;
        this.events.emit('reconnected', attempt);
        // Tell the gateway we are back, as on first connect.
        this.status({ online: true, ...(this.options.fw ? { fw: this.options.fw } : {}) }).catch(() => undefined);
      }
      attempt = 0;
      this.client.options.reconnectPeriod = backoffDelayMs(backoff, 1);
    });
  }

  static async connect(options: SimulatedDeviceOptions): Promise<SimulatedDevice> {
    const encode = (value: unknown): Buffer => ((options.encoding ?? 'cbor') === 'cbor' ? encodeCbor(value) : encodeJson(value));
    const client = await openClient(options.url, options.localAddress, {
      clientId: options.id,
      username: options.id,
      password: options.secret,
      protocolVersion: 4,
      clean: options.clean ?? true,
      reconnectPeriod: options.reconnect !== undefined ? backoffDelayMs(options.reconnect, 1) : (options.reconnectPeriodMs ?? 0),
      connectTimeout: 5_000,
      will: { topic: deviceTopic(options.id, 'status'), payload: encode({ online: false }), qos: 1, retain: false },
      ...options.extra,
    });
    const device = new SimulatedDevice(options, client);
    await client.subscribeAsync(deviceTopic(options.id, 'commands'), { qos: 1 });
    await device.publishRaw('status', encode({ online: true, ...(options.fw ? { fw: options.fw } : {}) }), 1);
    return device;
  }

  private encode(value: unknown): Buffer {
    return (this.options.encoding ?? 'cbor') === 'cbor' ? encodeCbor(value) : encodeJson(value);
  }

  get connected(): boolean {
    return this.client.connected;
  }

  telemetry(values: Values & { ts?: number }, qos: 0 | 1 = 0): Promise<void> {
    return this.publishRaw('telemetry', this.encode(values), qos);
  }

  event(event: (BraceletEvent | AedEvent | BinEvent) & { ts?: number }): Promise<void> {
    return this.publishRaw('events', this.encode(event), 1);
  }

  status(status: { online: boolean; bat?: number; fw?: string; ts?: number }): Promise<void> {
    return this.publishRaw('status', this.encode(status), 1);
  }

  async publishRaw(channel: 'telemetry' | 'events' | 'status', payload: Buffer | string, qos: 0 | 1): Promise<void> {
    try {
      await this.client.publishAsync(deviceTopic(this.options.id, channel), payload, { qos });
      this.stats.sent++;
    } catch (err) {
      this.stats.failed++;
      throw err;
    }
  }

  /**
   * Ends the connection cleanly: no Last Will. Waits up to timeoutMs for unacknowledged QoS 1
   * messages, then drops the connection so shutdown never hangs on a gateway that is gone.
   */
  async close(timeoutMs = 5_000): Promise<void> {
    this.leaving = true;
    let timer: NodeJS.Timeout | undefined;
    const gaveUp = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    try {
      const outcome = await Promise.race([this.client.endAsync(), gaveUp]);
      // end() is already under way and waits for acknowledgements that will not come.
      if (outcome === 'timeout') this.client.stream.destroy();
    } finally {
      clearTimeout(timer);
    }
  }

  /** Drops the connection as a dying device would: the broker publishes the Last Will. */
  crash(): void {
    this.leaving = true;
    this.client.stream.destroy();
    this.client.end(true);
  }
}
