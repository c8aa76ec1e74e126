import { describe, expect, it } from 'vitest';
import { AirStationModel } from '../../firmware-sim/air-station-model.js';
import { BinModel, type BinSensorFault } from '../../firmware-sim/bin-model.js';
import { validateMessage } from '../../sensors/index.js';

/* The simulated bin: what it sends passes the gateway's own validator; its sensor reads high, drifts or sticks as told; it fills and is emptied. */

const T0 = Date.UTC(2026, 11, 1, 0, 0, 0); // 08:00 in Shanghai
const MIN = 60_000;
const zone = 'Asia/Shanghai';

function run(fault: BinSensorFault | undefined, hours: number) {
  const common = { deviceId: 'air-01', timeZone: zone, seed: 'bin-test', startMs: T0 };
  const truth = new AirStationModel(common);
  const bin = new BinModel({ ...common, deviceId: 'bin-01', air: new AirStationModel(common), ...(fault === undefined ? {} : { fault }) });
  const out: { ms: number; body: Record<string, unknown>; channel: string; truePm25: number }[] = [];
  for (let ms = T0; ms < T0 + hours * 3_600_000; ms += bin.intervalMs) {
    for (const m of bin.sample(ms)) out.push({ ms, channel: m.channel, body: m.body as Record<string, unknown>, truePm25: truth.concentrations(ms).pm25 });
  }
  return out;
}

describe('the simulated bin', () => {
  it('sends only what the validator accepts: fill, PM and humidity, lid events', () => {
    const messages = run(undefined, 30);
    for (const m of messages) {
      const result = validateMessage(m.body, { deviceId: 'bin-01', kind: 'bin', channel: m.channel as 'telemetry', receivedAtMs: m.ms });
      expect(result.ok, JSON.stringify(m.body)).toBe(true);
    }
    expect(new Set(messages.filter((m) => m.channel === 'events').map((m) => m.body.type))).toEqual(new Set(['lid_open', 'lid_closed']));
  });

  it('reads about 1.6 × the true PM2.5 + 5 µg/m³ by default', () => {
    const telemetry = run(undefined, 24).filter((m) => m.channel === 'telemetry');
    const ratios = telemetry.map((m) => ((m.body.pm25 as number) - 5) / m.truePm25);
    const mean = ratios.reduce((a, b) => a + b, 0) / ratios.length;
    expect(mean).toBeGreaterThan(1.5);
    expect(mean).toBeLessThan(1.7);
  });

  it('drifts upwards when told to', () => {
    const telemetry = run({ gainDriftPerDay: 0.5 }, 48).filter((m) => m.channel === 'telemetry');
    const gain = (from: number, to: number) => {
      const slice = telemetry.filter((m) => m.ms >= T0 + from * 3_600_000 && m.ms < T0 + to * 3_600_000);
      return slice.reduce((a, m) => a + ((m.body.pm25 as number) - 5) / m.truePm25, 0) / slice.length;
    };
    expect(gain(42, 48) - gain(0, 6)).toBeGreaterThan(0.7);
  });

  it('repeats one value once stuck', () => {
    const telemetry = run({ stuckFromMs: T0 + 5 * 3_600_000 }, 12).filter((m) => m.channel === 'telemetry');
    const before = new Set(telemetry.filter((m) => m.ms < T0 + 5 * 3_600_000).map((m) => m.body.pm25));
    const after = new Set(telemetry.filter((m) => m.ms >= T0 + 5 * 3_600_000).map((m) => m.body.pm25));
    expect(before.size).toBeGreaterThan(5);
    expect(after.size).toBe(1);
  });

  it('fills through the day and is emptied on the morning round', () => {
    const telemetry = run(undefined, 30).filter((m) => m.channel === 'telemetry');
    const fillAt = (hoursIn: number) => telemetry.find((m) => m.ms >= T0 + hoursIn * 3_600_000 - 10 * MIN)!.body.fill as number;
    expect(fillAt(13)).toBeGreaterThan(fillAt(1)); // 21:00 vs 09:00
    expect(fillAt(23)).toBeLessThan(fillAt(20)); // 07:00 next day: emptied at 06:00
  });
});
