import { SimulatedDevice, type Encoding, type ReconnectBackoff } from './device-client.js';
import type { DeviceMessage, DeviceModel, SimLog } from './device-message.js';
import { hashSeed } from './seeded-random.js';
import type { SimClock, TimerHandle } from './sim-clock.js';

export interface DeviceRunnerOptions<M extends DeviceModel> {
  model: M;
  secret: string;
  url: string;
  clock: SimClock;
  encoding?: Encoding;
  fw?: string;
  /** CONTRACT.md §2: telemetry at QoS 0 or 1; events and status always at QoS 1. */
  telemetryQos?: 0 | 1;
  /** Reconnect backoff in real time; false for none. */
  reconnect?: ReconnectBackoff | false;
  log?: SimLog;
  /** What the device does with a command from the gateway; returns a line to log, if any. */
  onCommand?: (command: unknown, model: M) => string | undefined;
}

export const DEFAULT_BACKOFF: ReconnectBackoff = { initialDelayMs: 500, maxDelayMs: 30_000, factor: 2, jitter: 0.2 };

/**
 * Runs one device model over real MQTT: connects with the device's credentials, publishes the
 * model's periodic report on the simulated clock, and whatever a scenario makes it do.
 */
export class DeviceRunner<M extends DeviceModel> {
  readonly model: M;
  private device: SimulatedDevice | undefined;
  private timer: TimerHandle | undefined;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly log: SimLog;
  /** Messages handed to the MQTT client. */
  published = 0;
  /** Messages the client could not send. */
  errors = 0;

  constructor(private readonly options: DeviceRunnerOptions<M>) {
    this.model = options.model;
    this.log = options.log ?? (() => undefined);
  }

  get id(): string {
    return this.model.deviceId;
  }

  get client(): SimulatedDevice {
    if (this.device === undefined) throw new Error(`device ${this.id} is not connected`);
    return this.device;
  }

  get connected(): boolean {
    return this.device?.connected === true;
  }

  async start(): Promise<void> {
    const { options } = this;
    this.device = await SimulatedDevice.connect({
      id: this.id,
      secret: options.secret,
      url: options.url,
      encoding: options.encoding ?? 'cbor',
      ...(options.fw === undefined ? {} : { fw: options.fw }),
      ...(options.reconnect === false ? {} : { reconnect: options.reconnect ?? DEFAULT_BACKOFF }),
    });
    this.published++;
    const device = this.device;
    device.events.on('command', (command) => {
      const line = options.onCommand?.(command, this.model);
      if (line !== undefined) this.log(`${this.id} ${line}`);
    });
    device.events.on('offline', () => this.log(`${this.id} lost its connection; retrying with backoff`));
    device.events.on('reconnected', (attempts) => this.log(`${this.id} reconnected after ${attempts} attempt(s)`));
    // Spread first reports over the interval, as devices switched on at different moments would.
    const offset = hashSeed(this.id) % this.model.intervalMs;
    this.timer = options.clock.every(this.model.intervalMs, () => this.send(this.model.sample(options.clock.now())), options.clock.now() + offset);
  }

  /** Does something through the model now (a fall, a door opening) and sends what it says. */
  act(action: (model: M, nowMs: number) => DeviceMessage[] | void): void {
    const messages = action(this.model, this.options.clock.now());
    if (messages) this.send(messages);
  }

  send(messages: readonly DeviceMessage[]): void {
    const device = this.device;
    if (device === undefined) return;
    for (const message of messages) {
      this.published++;
      let sending: Promise<void>;
      switch (message.channel) {
        case 'telemetry':
          sending = device.telemetry(message.body, this.options.telemetryQos ?? 0);
          break;
        case 'events':
          sending = device.event(message.body);
          break;
        case 'status':
          sending = device.status(message.body);
          break;
      }
      const tracked: Promise<void> = sending.then(
        () => void this.inFlight.delete(tracked),
        (err: unknown) => {
          this.inFlight.delete(tracked);
          this.errors++;
          this.log(`${this.id} could not send ${message.channel}: ${err instanceof Error ? err.message : String(err)}`);
        },
      );
      this.inFlight.add(tracked);
    }
  }

  /** Resolves when everything handed to the client so far has been sent or has failed. */
  async drain(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  /** Messages the broker has taken (written at QoS 0, acknowledged at QoS 1). */
  get sent(): number {
    return this.device?.stats.sent ?? 0;
  }

  /** Stops reporting and disconnects cleanly. */
  async stop(): Promise<void> {
    this.timer?.cancel();
    this.timer = undefined;
    await this.device?.close();
  }

  /** Stops reporting and drops the connection: the gateway hears the Last Will. */
  crash(): void {
    this.timer?.cancel();
    this.timer = undefined;
    this.device?.crash();
  }
}
