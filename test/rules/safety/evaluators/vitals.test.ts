import { describe, expect, it } from 'vitest';
import type { BraceletValues } from '../../../../sensors/index.js';
import type { SafetyResident } from '../../../../rules/safety/index.js';
import { createHarness, makeResident, ofKind } from '../fixtures.js';

const T0 = Date.parse('2025-03-10T02:00:00Z');

/** Sends [atS, values] readings; returns "type@atS" for each vitals outcome. */
function feed(samples: [number, BraceletValues][], resident?: SafetyResident): string[] {
  const h = createHarness(resident === undefined ? { startMs: T0 } : { startMs: T0, resident });
  const out: string[] = [];
  for (const [atS, values] of samples) {
    h.clock.set(T0 + atS * 1000);
    for (const o of ofKind(h.read(values), 'vitals')) out.push(`${o.type}@${atS}`);
  }
  return out;
}

/** The same value every stepS from 0 to untilS. */
function steady(values: BraceletValues, untilS: number, stepS = 30, fromS = 0): [number, BraceletValues][] {
  const out: [number, BraceletValues][] = [];
  for (let t = fromS; t <= untilS; t += stepS) out.push([t, values]);
  return out;
}

describe('vitals: raising', () => {
  it.each<[string, [number, BraceletValues][], string[]]>([
    ['hr 131 for 2 min raises at 120 s, not before', steady({ hr: 131 }, 150), ['raise@120']],
    ['hr 130 (the limit) never raises', steady({ hr: 130 }, 600), []],
    ['hr 39 for 2 min raises', steady({ hr: 39 }, 120), ['raise@120']],
    ['hr 40 (the limit) never raises', steady({ hr: 40 }, 600), []],
    ['spo2 89 for 2 min raises', steady({ spo2: 89 }, 120), ['raise@120']],
    ['spo2 90 (the limit) never raises', steady({ spo2: 90 }, 600), []],
    ['spo2 89 for 90 s does not raise', [...steady({ spo2: 89 }, 90), [120, { spo2: 96 }]], []],
    ['a single hr spike does not raise', [[0, { hr: 190 }], ...steady({ hr: 80 }, 600, 30, 30)], []],
    [
      'a normal sample restarts the duration',
      [...steady({ hr: 140 }, 90), [100, { hr: 80 }], ...steady({ hr: 140 }, 300, 30, 110)],
      ['raise@230'],
    ],
    [
      'a reading between range and clear band also breaks the run',
      [...steady({ hr: 140 }, 90), [100, { hr: 128 }], ...steady({ hr: 140 }, 240, 30, 110)],
      ['raise@230'],
    ],
    ['a gap longer than maxGapS restarts the run', [[0, { hr: 140 }], [700, { hr: 140 }], [820, { hr: 140 }]], ['raise@820']],
    ['readings without hr leave the run alone', [[0, { hr: 140 }], [60, { steps: 10 }], [120, { hr: 140 }]], ['raise@120']],
    ['one high blood pressure reading does not raise', [[0, { sbp: 185, dbp: 95 }]], []],
    ['two sbp >= 180 readings raise', [[0, { sbp: 180, dbp: 90 }], [900, { sbp: 182, dbp: 92 }]], ['raise@900']],
    ['two dbp >= 110 readings raise', [[0, { sbp: 150, dbp: 110 }], [900, { sbp: 150, dbp: 112 }]], ['raise@900']],
    ['179/109 twice does not raise', [[0, { sbp: 179, dbp: 109 }], [900, { sbp: 179, dbp: 109 }]], []],
    ['high readings more than an hour apart do not raise', [[0, { sbp: 190 }], [3601, { sbp: 190 }]], []],
    ['a normal reading between two high ones resets', [[0, { sbp: 190 }], [600, { sbp: 130 }], [1200, { sbp: 190 }]], []],
    ['values off the wrist are ignored', steady({ hr: 150, worn: false }, 600), []],
  ])('%s', (_name, samples, expected) => {
    expect(feed(samples)).toEqual(expected);
  });

  it('uses the resident thresholds (provision form)', () => {
    const resident = makeResident({ thresholds: { hrMax: 120 } });
    expect(feed(steady({ hr: 125 }, 120), resident)).toEqual(['raise@120']);
    expect(feed(steady({ hr: 125 }, 120))).toEqual([]);
  });

  it('raises high with the readings, the active conditions and the thresholds in force', () => {
    const h = createHarness({ startMs: T0 });
    h.read({ hr: 135, spo2: 95 });
    h.clock.advanceS(120);
    const [outcome] = h.read({ hr: 136, spo2: 95 });
    expect(outcome).toEqual({
      type: 'raise',
      kind: 'vitals',
      severity: 'high',
      subject: 'r1',
      grid: 'g1',
      occurredAtMs: T0 + 120_000,
      details: {
        deviceId: 'b-0001',
        conditions: ['hr_high'],
        started: ['hr_high'],
        hr: 136,
        sbp: null,
        dbp: null,
        spo2: 95,
        hrMin: 40,
        hrMax: 130,
        sbpMax: 180,
        dbpMax: 110,
        spo2Min: 90,
      },
    });
  });
});

describe('vitals: clearing with hysteresis', () => {
  const raisedHr = steady({ hr: 140 }, 120);

  it.each<[string, [number, BraceletValues][], string[]]>([
    ['back at 125 for 5 min clears at exactly 300 s', [...raisedHr, ...steady({ hr: 125 }, 480, 30, 180)], ['raise@120', 'clear@480']],
    ['back at 125 for 270 s does not clear', [...raisedHr, ...steady({ hr: 125 }, 450, 30, 180)], ['raise@120']],
    ['hovering at 128, inside the limit but outside the band, never clears', [...raisedHr, ...steady({ hr: 128 }, 3600, 30, 150)], ['raise@120']],
    [
      'a brief dip does not clear, and a return does not raise again',
      [...raisedHr, ...steady({ hr: 80 }, 270, 30, 150), ...steady({ hr: 140 }, 600, 30, 300)],
      ['raise@120'],
    ],
    [
      'a spike while clearing restarts the clear duration',
      [...raisedHr, ...steady({ hr: 80 }, 360, 30, 150), [390, { hr: 150 }], ...steady({ hr: 80 }, 720, 30, 420)],
      ['raise@120', 'clear@720'],
    ],
    ['blood pressure clears after two readings below 170/100', [[0, { sbp: 190 }], [60, { sbp: 190 }], [900, { sbp: 165, dbp: 95 }], [1800, { sbp: 160, dbp: 90 }]], ['raise@60', 'clear@1800']],
    ['blood pressure at 175 does not clear', [[0, { sbp: 190 }], [60, { sbp: 190 }], [900, { sbp: 175 }], [1800, { sbp: 175 }]], ['raise@60']],
    ['spo2 91 (below the 92 band) does not clear', [...steady({ spo2: 85 }, 120), ...steady({ spo2: 91 }, 1200, 30, 150)], ['raise@120']],
    ['spo2 92 for 5 min clears', [...steady({ spo2: 85 }, 120), ...steady({ spo2: 92 }, 450, 30, 150)], ['raise@120', 'clear@450']],
  ])('%s', (_name, samples, expected) => {
    expect(feed(samples)).toEqual(expected);
  });

  it('keeps one alert across conditions: a second condition raises again, the clear waits for both', () => {
    const samples: [number, BraceletValues][] = [
      ...steady({ hr: 140, spo2: 95 }, 120),
      ...steady({ hr: 140, spo2: 85 }, 270, 30, 150),
      ...steady({ hr: 80, spo2: 85 }, 600, 30, 300),
      ...steady({ hr: 80, spo2: 96 }, 960, 30, 630),
    ];
    // hr is back in its band from 300 s and clears at 600 s; the alert stays until spo2 clears at 930 s.
    expect(feed(samples)).toEqual(['raise@120', 'raise@270', 'clear@930']);
  });
});
