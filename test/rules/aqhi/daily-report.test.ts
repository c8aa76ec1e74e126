import { describe, expect, it } from 'vitest';
import { buildDailyFigures, HK_2013, limitsOf, localDateOf, localDayBounds, localTimeToMs, mergeStationHours, type DayHour, type Pollutant } from '../../../rules/aqhi/index.js';

const HOUR = 3_600_000;
const TZ = 'Asia/Shanghai';

describe('local days', () => {
  it('a Shanghai day runs from 16:00 UTC the day before, and the instant before midnight belongs to the earlier day', () => {
    expect(localDayBounds('2026-06-02', TZ)).toEqual({ startMs: Date.UTC(2026, 5, 1, 16), endMs: Date.UTC(2026, 5, 2, 16) });
    expect(localDateOf(Date.UTC(2026, 5, 1, 15, 59, 59, 999), TZ)).toBe('2026-06-01');
    expect(localDateOf(Date.UTC(2026, 5, 1, 16), TZ)).toBe('2026-06-02');
    expect(localTimeToMs('2026-06-02', 60, TZ)).toBe(Date.UTC(2026, 5, 1, 17));
  });

  it('a day with a clock change is 23 hours long', () => {
    const { startMs, endMs } = localDayBounds('2026-03-08', 'America/New_York');
    expect((endMs - startMs) / HOUR).toBe(23);
  });
});

/** Hour i of the local day 2026-06-02 in Shanghai, with the index and the hour's means. */
function hour(i: number, value: number | null, primary: Pollutant[], means: Partial<Record<Pollutant, number>>): DayHour {
  return { hourStartMs: Date.UTC(2026, 5, 1, 16) + i * HOUR, value, primaryPollutants: primary, means };
}

describe('a day’s figures (checked by hand)', () => {
  // 18 hours with readings (local 00-17), one more hour whose index the moving average carried
  // without a reading of its own (18), five hours of nothing; and one hour of the day before.
  const hours: DayHour[] = [hour(-1, 9, ['pm25'], { pm25: 300 })];
  for (let i = 0; i < 18; i++) {
    const value = i < 6 ? 2 : i < 12 ? 3 : i < 15 ? 7 : 4;
    const primary: Pollutant[] = i === 14 ? ['o3'] : ['no2'];
    hours.push(hour(i, value, primary, { pm25: i < 12 ? 40 : 70, no2: i === 12 || i === 13 ? 250 : 100, o3: 50 }));
  }
  hours.push(hour(18, 4, ['no2'], {}));
  const { startMs, endMs } = localDayBounds('2026-06-02', TZ);
  const day = buildDailyFigures({ profile: HK_2013, date: '2026-06-02', startMs, endMs, hours, limits: limitsOf(HK_2013) });

  it('max, mean and min of the 18 counted hours, with their bands', () => {
    // (6·2 + 6·3 + 3·7 + 3·4) / 18 = 63 / 18 = 3.5
    expect(day).toMatchObject({ max: 7, min: 2, mean: 3.5 });
    expect(day.bands.max).toMatchObject({ band: 7, display: '7', category: { id: 'high' } });
    expect(day.bands.mean).toMatchObject({ band: 4, category: { id: 'moderate' } });
    expect(day.bands.min).toMatchObject({ band: 2, category: { id: 'low' } });
    expect(day.hoursByBand).toEqual({ '2': 6, '3': 6, '7': 3, '4': 3 });
  });

  it('names the pollutant most often primary in the worst hours', () => {
    expect(day.dominant).toEqual({ pollutant: 'no2', hours: 2 });
  });

  it('each pollutant’s mean, max and exceedances of the HK objectives', () => {
    // PM2.5: (12·40 + 6·70) / 18 = 50, exactly the 24-h objective: not above it.
    expect(day.pollutants.pm25).toMatchObject({ mean: 50, max: 70, hours: 18 });
    expect(day.pollutants.pm25!.limits).toEqual([{ windowHours: 24, value: 50, source: expect.any(String), exceedances: 0, comparedHours: 1 }]);
    // NO2: (16·100 + 2·250) / 18 = 116.67; two hours above the 1-h objective of 200.
    expect(day.pollutants.no2).toMatchObject({ mean: 116.67, max: 250, hours: 18 });
    expect(day.pollutants.no2!.limits[0]).toMatchObject({ windowHours: 1, exceedances: 2, comparedHours: 18 });
    // O3 8-h needs 6 valid hours: windows ending at local 07..19 (13 of them), none above 160.
    expect(day.pollutants.o3!.limits[0]).toMatchObject({ windowHours: 8, exceedances: 0, comparedHours: 13 });
  });

  it('18 of 24 hours is incomplete', () => {
    expect(day).toMatchObject({ hoursCounted: 18, hoursExpected: 24, hoursRequired: 20, completeness: 0.75, incomplete: true });
    const full = buildDailyFigures({ profile: HK_2013, date: '2026-06-02', startMs, endMs, hours, limits: [], requiredHours: 18 });
    expect(full.incomplete).toBe(false);
  });

  it('a day with no hours has no figures and is incomplete', () => {
    const empty = buildDailyFigures({ profile: HK_2013, date: '2026-06-02', startMs, endMs, hours: [], limits: [] });
    expect(empty).toMatchObject({ max: null, mean: null, min: null, dominant: null, hoursCounted: 0, incomplete: true, completeness: 0 });
  });
});

describe('a district’s hours', () => {
  it('take the worst station’s index and the mean of the stations’ hourly means', () => {
    const a = [hour(0, 3, ['no2'], { pm25: 20 }), hour(1, null, [], {})];
    const b = [hour(0, 5, ['pm25'], { pm25: 60 }), hour(1, 2, ['o3'], { o3: 30 })];
    expect(mergeStationHours([a, b])).toEqual([hour(0, 5, ['pm25'], { pm25: 40 }), hour(1, 2, ['o3'], { o3: 30 })]);
  });
});
