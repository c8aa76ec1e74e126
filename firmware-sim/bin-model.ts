import type { BinValues } from '../sensors/index.js';
import type { AirStationModel } from './air-station-model.js';
import type { DeviceMessage, DeviceModel } from './device-message.js';
import { reading } from './field-ranges.js';
import { DAY_MS, HOUR_MS, localTime, MINUTE_MS } from './local-time.js';
import { seededRandom, type SeededRandom } from './seeded-random.js';

/** How a bin's low-cost PM sensor misreads the air around it. */
export interface BinSensorFault {
  /** reading = gain · true + offset (optical sensors read high); default 1.6 and 5 µg/m³. */
  gain?: number;
  offsetUgM3?: number;
  /** Gain added per day since the start: an ageing sensor drifting upwards. */
  gainDriftPerDay?: number;
  /** From then on the PM fields repeat the last value (a jammed fan, a frozen firmware buffer). */
  stuckFromMs?: number;
}

export interface BinModelOptions {
  deviceId: string;
  timeZone: string;
  seed: string;
  startMs: number;
  /** The air it stands in: the model of its nearest station, so both see the same neighbourhood. */
  air: AirStationModel;
  fault?: BinSensorFault;
  /** Report interval in simulated ms; 10 min by default. */
  intervalMs?: number;
  /** Local hour the sanitation round empties it; 6 by default. */
  emptiedAtHour?: number;
}

/**
 * A smart rubbish bin with an air monitor (CONTRACT.md §6, kind `bin`). It fills in waking hours,
 * a lid event with each deposit, and is emptied on the morning round; its PM2.5/PM10 are the
 * neighbourhood's true air through a sensor that reads high, may drift, and may stick.
 */
export class BinModel implements DeviceModel {
  readonly kind = 'bin' as const;
  readonly deviceId: string;
  readonly intervalMs: number;
  private readonly timeZone: string;
  private readonly air: AirStationModel;
  private readonly rng: SeededRandom;
  private readonly fault: Required<Omit<BinSensorFault, 'stuckFromMs'>> & { stuckFromMs: number };
  private readonly startMs: number;
  private readonly emptiedAtHour: number;
  private readonly fillPerHour: number;
  private fill = 0;
  private lastMs: number;
  private stuckAt: { pm25: number; pm10: number } | undefined;
  lastReport: BinValues | undefined;

  constructor(options: BinModelOptions) {
    this.deviceId = options.deviceId;
    this.timeZone = options.timeZone;
    this.air = options.air;
    this.intervalMs = options.intervalMs ?? 10 * MINUTE_MS;
    this.rng = seededRandom(`${options.seed}/bin/${options.deviceId}`);
    this.fault = {
      gain: options.fault?.gain ?? 1.6,
      offsetUgM3: options.fault?.offsetUgM3 ?? 5,
      gainDriftPerDay: options.fault?.gainDriftPerDay ?? 0,
      stuckFromMs: options.fault?.stuckFromMs ?? Number.POSITIVE_INFINITY,
    };
    this.startMs = options.startMs;
    this.lastMs = options.startMs;
    this.emptiedAtHour = options.emptiedAtHour ?? 6;
    this.fillPerHour = this.rng.between(4, 8);
    this.fill = this.rng.between(0, 30);
  }

  /** What the sensor reports for the true PM at ms. */
  private pm(ms: number): { pm25: number; pm10: number } {
    if (ms >= this.fault.stuckFromMs && this.stuckAt !== undefined) return this.stuckAt;
    const truth = this.air.concentrations(ms);
    const gain = this.fault.gain + (this.fault.gainDriftPerDay * Math.max(0, ms - this.startMs)) / DAY_MS;
    const noise = (): number => 1 + this.rng.normal(0, 0.04);
    const value = {
      pm25: reading('bin', 'pm25', (gain * truth.pm25 + this.fault.offsetUgM3) * noise()),
      pm10: reading('bin', 'pm10', (gain * truth.pm10 + this.fault.offsetUgM3) * noise()),
    };
    if (ms >= this.fault.stuckFromMs) this.stuckAt = value;
    return value;
  }

  sample(nowMs: number): DeviceMessage[] {
    const messages: DeviceMessage[] = [];
    const before = localTime(this.lastMs, this.timeZone);
    const now = localTime(nowMs, this.timeZone);
    const emptyAtMinute = this.emptiedAtHour * 60;
    const crossedRound = before.date !== now.date ? now.minuteOfDay >= emptyAtMinute : before.minuteOfDay < emptyAtMinute && now.minuteOfDay >= emptyAtMinute;
    if (crossedRound || nowMs - this.lastMs >= DAY_MS) this.fill = 0;
    const hours = Math.max(0, nowMs - this.lastMs) / HOUR_MS;
    const waking = now.minuteOfDay >= 7 * 60 && now.minuteOfDay < 22 * 60;
    if (waking && hours > 0) {
      this.fill = Math.min(100, this.fill + this.fillPerHour * hours * this.rng.between(0.5, 1.5));
      // Somebody used it since the last report.
      messages.push({ channel: 'events', body: { type: 'lid_open', ts: nowMs - 30_000 } }, { channel: 'events', body: { type: 'lid_closed', ts: nowMs - 20_000 } });
    }
    this.lastMs = nowMs;
    const truth = this.air.concentrations(nowMs);
    this.lastReport = { fill: reading('bin', 'fill', this.fill), ...this.pm(nowMs), rh: reading('bin', 'rh', truth.rh) };
    messages.push({ channel: 'telemetry', body: { ts: nowMs, ...this.lastReport } });
    return messages;
  }
}
