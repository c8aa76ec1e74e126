import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { decodePayload, deviceTopic, encodeCbor, encodeJson, type BraceletValues, type AedValues, type AirValues, type BraceletEvent, type AedEvent } from '../sensors/index.js';

export type Encoding = 'cbor' | 'json';

export interface SimulatedDeviceOptions {
  id: string;
  secret: string;
  url: string;
  encoding?: Encoding;
  /** Firmware version reported in status messages. */
  fw?: string;
  reconnectPeriodMs?: number;
  clean?: boolean;
  extra?: Partial<IClientOptions>;
}

type Values = BraceletValues | AedValues | AirValues;

/**
 * A device as firmware would be: its own credentials, CBOR by default, events at QoS 1, a Last
 * Will that reports it offline, and an online status when it connects.
 */
export class SimulatedDevice {
  /** Commands the gateway sent (e.g. `{cmd: 'ack', alertId}`: help is coming), oldest first. */
  readonly commands: unknown[] = [];

  private constructor(
    readonly options: SimulatedDeviceOptions,
    readonly client: MqttClient,
  ) {
    client.on('message', (topic, payload) => {
      if (topic !== deviceTopic(options.id, 'commands')) return;
      const decoded = decodePayload(payload, { maxBytes: 64 * 1024, maxDepth: 16 });
      if (decoded.ok) this.commands.push(decoded.value);
    });
  }

  static async connect(options: SimulatedDeviceOptions): Promise<SimulatedDevice> {
    const encode = (value: unknown): Buffer => ((options.encoding ?? 'cbor') === 'cbor' ? encodeCbor(value) : encodeJson(value));
    const client = await mqtt.connectAsync(options.url, {
      clientId: options.id,
      username: options.id,
      password: options.secret,
      protocolVersion: 4,
      clean: options.clean ?? true,
      reconnectPeriod: options.reconnectPeriodMs ?? 0,
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

  telemetry(values: Values & { ts?: number }, qos: 0 | 1 = 0): Promise<void> {
    return this.publishRaw('telemetry', this.encode(values), qos);
  }

  event(event: (BraceletEvent | AedEvent) & { ts?: number }): Promise<void> {
    return this.publishRaw('events', this.encode(event), 1);
  }

  status(status: { online: boolean; bat?: number; fw?: string }): Promise<void> {
    return this.publishRaw('status', this.encode(status), 1);
  }

  async publishRaw(channel: 'telemetry' | 'events' | 'status', payload: Buffer | string, qos: 0 | 1): Promise<void> {
    await this.client.publishAsync(deviceTopic(this.options.id, channel), payload, { qos });
  }

  /** Ends the connection cleanly: no Last Will. */
  async close(): Promise<void> {
    await this.client.endAsync();
  }

  /** Drops the connection as a dying device would: the broker publishes the Last Will. */
  crash(): void {
    this.client.stream.destroy();
    this.client.end(true);
  }
}
