import type { AirValues } from '../sensors/index.js';
import type { DeviceMessage, DeviceModel } from './device-message.js';
import { reading } from './field-ranges.js';
import { HOUR_MS, localMidnightMs, localTime, MINUTE_MS } from './local-time.js';
import { seededRandom, type SeededRandom } from './seeded-random.js';

export interface AirStationModelOptions {
  deviceId: string;
  timeZone: string;
  seed: string;
  startMs: number;
  /** Report interval in simulated ms; 5 min by default. */
  intervalMs?: number;
  /** Days on which a PM2.5 episode may build up of its own accord; 0.25 by default. */
  episodeChancePerDay?: number;
}

/** A pollution episode added on top of the everyday pattern, ramping up and down smoothly. */
export interface PollutionEpisode {
  startMs: number;
  endMs: number;
  /** Extra µg/m³ at the episode's height. */
  pm25: number;
  o3: number;
  no2: number;
  label: string;
}

/** A bump centred on `peakHour` of width `widthHours` (one standard deviation), height 1. */
const bump = (hour: number, peakHour: number, widthHours: number): number => Math.exp(-0.5 * ((hour - peakHour) / widthHours) ** 2);

/** 0 → 1 over the first quarter, flat, 1 → 0 over the last quarter (smoothstep ends). */
function episodeShape(e: PollutionEpisode, ms: number): number {
  if (ms <= e.startMs || ms >= e.endMs) return 0;
  const t = (ms - e.startMs) / (e.endMs - e.startMs);
  const ramp = (x: number): number => x * x * (3 - 2 * x);
  if (t < 0.25) return ramp(t / 0.25);
  if (t > 0.75) return ramp((1 - t) / 0.25);
  return 1;
}

/**
 * An urban air-quality station. The daily pattern is the textbook one: NO2 (and CO) peak with the
 * morning and evening rush hours; O3 builds with sunshine to an afternoon maximum and is eaten up
 * by fresh NO at night; PM2.5 drifts slowly, with episodes lasting hours. Values are kept inside
 * the ranges of sensors/kinds.ts.
 */
export class AirStationModel implements DeviceModel {
  readonly kind = 'air' as const;
  readonly deviceId: string;
  readonly intervalMs: number;
  private readonly timeZone: string;
  private readonly seed: string;
  private readonly rng: SeededRandom;
  private readonly episodeChance: number;
  private readonly base: { no2: number; no2Morning: number; no2Evening: number; o3: number; o3Afternoon: number; pm25: number; pm10Ratio: number; so2: number; co: number; tempC: number; tempSwingC: number };
  private pmDrift = 0;
  private lastMs: number;
  private readonly episodes: PollutionEpisode[] = [];
  private readonly daysPlanned = new Set<string>();
  /** The last report sent, for progress lines. */
  lastReport: Required<AirValues> | undefined;

  constructor(options: AirStationModelOptions) {
    this.deviceId = options.deviceId;
    this.timeZone = options.timeZone;
    this.seed = options.seed;
    this.intervalMs = options.intervalMs ?? 5 * MINUTE_MS;
    this.episodeChance = options.episodeChancePerDay ?? 0.25;
    this.rng = seededRandom(`${options.seed}/air/${options.deviceId}`);
    const r = this.rng;
    this.base = {
      no2: r.between(14, 22),
      no2Morning: r.between(45, 65),
      no2Evening: r.between(38, 55),
      o3: r.between(18, 28),
      o3Afternoon: r.between(60, 90),
      pm25: r.between(22, 35),
      pm10Ratio: r.between(1.5, 1.8),
      so2: r.between(4, 9),
      co: r.between(0.4, 0.6),
      tempC: r.between(14, 22),
      tempSwingC: r.between(4, 7),
    };
    this.lastMs = options.startMs;
  }

  /** Some days bring a PM2.5 episode of their own (stagnant air, regional transport). */
  private planDay(ms: number): void {
    const date = localTime(ms, this.timeZone).date;
    if (this.daysPlanned.has(date)) return;
    this.daysPlanned.add(date);
    const r = seededRandom(`${this.seed}/air-day/${this.deviceId}/${date}`);
    if (!r.chance(this.episodeChance)) return;
    const startMs = localMidnightMs(ms, this.timeZone) + r.between(0, 20) * HOUR_MS;
    this.episodes.push({ startMs, endMs: startMs + r.between(4, 10) * HOUR_MS, pm25: r.between(40, 90), o3: 0, no2: 0, label: 'PM2.5 episode' });
  }

  /** Adds an episode (the smog-afternoon scenario); returns it. */
  addEpisode(episode: PollutionEpisode): PollutionEpisode {
    this.episodes.push(episode);
    return episode;
  }

  /** What the station measures at ms (sensor noise included). */
  concentrations(ms: number): Required<AirValues> {
    this.planDay(ms);
    const hour = localTime(ms, this.timeZone).minuteOfDay / 60;
    const b = this.base;
    const traffic = bump(hour, 8, 1) + 0.9 * bump(hour, 18.5, 1.25);
    let extra = { pm25: 0, o3: 0, no2: 0 };
    for (const e of this.episodes) {
      const k = episodeShape(e, ms);
      extra = { pm25: extra.pm25 + k * e.pm25, o3: extra.o3 + k * e.o3, no2: extra.no2 + k * e.no2 };
    }
    const noise = (sd: number): number => 1 + this.rng.normal(0, sd);
    const no2 = (b.no2 + b.no2Morning * bump(hour, 8, 1) + b.no2Evening * bump(hour, 18.5, 1.25) + extra.no2) * noise(0.06);
    // Fresh NO from traffic titrates ozone: the rush-hour NO2 peaks are O3 troughs.
    const o3 = Math.max(2, (b.o3 + b.o3Afternoon * bump(hour, 14.5, 2.5) - 0.25 * (no2 - b.no2) + extra.o3) * noise(0.05));
    const pm25 = Math.max(3, (b.pm25 * (1 + this.pmDrift) + 10 * traffic + extra.pm25) * noise(0.05));
    const tempC = b.tempC + b.tempSwingC * Math.cos((2 * Math.PI * (hour - 15)) / 24) + this.rng.normal(0, 0.2);
    return {
      pm25: reading('air', 'pm25', pm25),
      pm10: reading('air', 'pm10', pm25 * b.pm10Ratio + 8 * noise(0.1)),
      no2: reading('air', 'no2', no2),
      o3: reading('air', 'o3', o3),
      so2: reading('air', 'so2', (b.so2 + 2 * traffic) * noise(0.08)),
      co: reading('air', 'co', (b.co + 0.35 * traffic + 0.004 * pm25) * noise(0.05), 2),
      tempC: reading('air', 'tempC', tempC, 1),
      // Relative humidity falls as the air warms through the day.
      rh: reading('air', 'rh', 68 - 2.5 * (tempC - b.tempC) + this.rng.normal(0, 2)),
    };
  }

  sample(nowMs: number): DeviceMessage[] {
    // PM2.5 wanders on a scale of hours: a first-order autoregressive drift.
    const hours = Math.max(0, nowMs - this.lastMs) / HOUR_MS;
    const keep = Math.exp(-hours / 3);
    this.pmDrift = keep * this.pmDrift + Math.sqrt(1 - keep * keep) * this.rng.normal(0, 0.2);
    this.lastMs = nowMs;
    this.lastReport = this.concentrations(nowMs);
    return [{ channel: 'telemetry', body: { ts: nowMs, ...this.lastReport } }];
  }
}
