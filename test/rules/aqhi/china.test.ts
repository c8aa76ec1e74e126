import { describe, expect, it } from 'vitest';
import { CHINA_HJ633_2012, CHINA_HJ633_2026, evaluateConcentrations, termSubIndex } from '../../../rules/aqhi/index.js';
import type { BreakpointProfile } from '../../../rules/aqhi/index.js';

function iaqi(profile: BreakpointProfile, termId: string, c: number): number | string {
  const term = profile.terms.find((t) => t.id === termId);
  if (term === undefined) throw new Error(`no term ${termId}`);
  const o = termSubIndex(profile, term, c);
  return o.kind === 'value' ? o.value : o.kind;
}

// A clean background that keeps every other sub-index at or below 50.
const CLEAN = { pm25: 10, pm10: 20, so2: 10, no2: 20, co: 0.5, o3: 50 };

describe('China AQI sub-indices (IAQI, rounded up)', () => {
  it.each([
    // [term, concentration, 2012, 2026]
    ['pm25_1h', 0, 0, 0],
    ['pm25_1h', 35, 50, 50],
    ['pm25_1h', 36, 52, 52], // 2012: 51.25 → 52 (ceil, not 51)
    ['pm25_1h', 60, 82, 100], // 2012: 81.25 → 82; 2026 breakpoint 60 → 100
    ['pm25_1h', 75, 100, 114], // 2026: 113.6 → 114
    ['pm25_1h', 115, 150, 150],
    ['pm25_1h', 250, 300, 300],
    ['pm25_1h', 500, 500, 500],
    ['pm25_1h', 600, 500, 500], // above the table: capped
    ['pm10_1h', 50, 50, 50],
    ['pm10_1h', 120, 85, 100],
    ['pm10_1h', 150, 100, 112], // 2026: 111.5 → 112
    ['pm10_1h', 250, 150, 150],
    ['pm10_1h', 700, 500, 500],
    ['no2_1h', 100, 50, 50],
    ['no2_1h', 201, 101, 101], // 100.1 → 101
    ['co_1h', 10, 100, 100],
    ['o3_1h', 160, 50, 50],
    ['o3_1h', 700, 275, 275],
    ['o3_8h', 160, 100, 100],
    ['o3_8h', 265, 200, 200],
  ])('%s %d → 2012 %d, 2026 %d', (term, c, v2012, v2026) => {
    expect(iaqi(CHINA_HJ633_2012, term, c)).toBe(v2012);
    expect(iaqi(CHINA_HJ633_2026, term, c)).toBe(v2026);
  });

  it('indexes 24-hour SO2 with its own row, not the 1-hour row', () => {
    // 24-h row: 50 → 50, 150 → 100: 100 µg/m³ → 75. The 1-hour row would give 34.
    expect(iaqi(CHINA_HJ633_2012, 'so2_24h', 100)).toBe(75);
    expect(iaqi(CHINA_HJ633_2012, 'so2_1h', 100)).toBe(34);
  });

  it('guards the ceiling against float noise at exact breakpoints', () => {
    // The mean of 34.6, 35.2, 35.2 is 35.00000000000001 in binary; the IAQI is 50, not 51.
    const mean = (34.6 + 35.2 + 35.2) / 3;
    expect(mean).toBeGreaterThan(35);
    expect(iaqi(CHINA_HJ633_2012, 'pm25_1h', mean)).toBe(50);
    // A genuine excess still rounds up.
    expect(iaqi(CHINA_HJ633_2012, 'pm25_1h', 35.01)).toBe(51);
  });

  it('2026 rounds concentrations half-to-even (GB/T 8170) before indexing; 2012 does not', () => {
    expect(iaqi(CHINA_HJ633_2026, 'pm25_1h', 34.5)).toBe(49); // 34.5 → 34 → 48.6 → 49
    expect(iaqi(CHINA_HJ633_2012, 'pm25_1h', 34.5)).toBe(50); // 49.3 → 50
    expect(iaqi(CHINA_HJ633_2026, 'pm25_1h', 35.5)).toBe(52); // 35.5 → 36
    expect(iaqi(CHINA_HJ633_2026, 'co_1h', 5.05)).toBe(50); // 5.05 → 5.0
    expect(iaqi(CHINA_HJ633_2026, 'co_1h', 5.15)).toBe(52); // 5.15 → 5.2
    expect(iaqi(CHINA_HJ633_2012, 'co_1h', 5.05)).toBe(51);
  });
});

describe('China AQI above 800 µg/m³ for SO2 1-h and O3 8-h', () => {
  const { so2: _so2, ...NO_SO2 } = CLEAN;

  it('2012: SO2 1-h above 800 reports the 24-hour SO2 sub-index', () => {
    const r = evaluateConcentrations(CHINA_HJ633_2012, { ...NO_SO2, so2_1h: 900, so2_24h: 100 });
    const so2 = r.contributions.filter((c) => c.pollutant === 'so2');
    expect(so2.find((c) => c.term === 'so2_1h')?.value).toBe(75);
    expect(so2.find((c) => c.term === 'so2_1h')?.note).toContain('so2_24h');
    expect(r.value).toBe(75);
    expect(r.primaryPollutants).toEqual(['so2']);
  });

  it('2012: with no 24-hour SO2 the SO2 sub-index is missing and the AQI null', () => {
    const r = evaluateConcentrations(CHINA_HJ633_2012, { ...NO_SO2, so2_1h: 900 });
    expect(r.value).toBeNull();
    expect(r.missing).toContainEqual(expect.objectContaining({ pollutant: 'so2', term: 'so2_24h', reason: 'no-data' }));
  });

  it('2026: SO2 1-h above 800 → IAQI 200', () => {
    const r = evaluateConcentrations(CHINA_HJ633_2026, { ...CLEAN, so2: 900 });
    expect(r.contributions.find((c) => c.term === 'so2_1h')?.value).toBe(200);
    expect(r.value).toBe(200);
  });

  it('O3 8-h above 800: 2012 reports the 1-hour O3 sub-index, 2026 fixes it at 300', () => {
    const c = { ...CLEAN, o3_1h: 700, o3_8h: 850 };
    const r12 = evaluateConcentrations(CHINA_HJ633_2012, c);
    const r26 = evaluateConcentrations(CHINA_HJ633_2026, c);
    expect(r12.value).toBe(275);
    expect(r26.value).toBe(300);
    expect(r26.band).toBe(5);
    expect(r26.categoryId).toBe('heavily-polluted');
  });
});

describe('China AQI: AQI, primary and exceeding pollutants, levels', () => {
  it('is the maximum sub-index; primary pollutant only when AQI > 50', () => {
    const low = evaluateConcentrations(CHINA_HJ633_2012, CLEAN);
    // O3 8-h 50 µg/m³ → 25; PM10 20 → 20; O3 1-h 50 → 15.6 → 16; PM2.5 10 → 14.3 → 15; NO2 20 → 10; CO 0.5 → 5; SO2 10 → 3.3 → 4
    expect(low.value).toBe(25);
    expect(low.primaryPollutants).toEqual([]);
    expect(low.categoryId).toBe('excellent');

    const r = evaluateConcentrations(CHINA_HJ633_2012, { ...CLEAN, pm25: 36 });
    expect(r.value).toBe(52);
    expect(r.primaryPollutants).toEqual(['pm25']);
    expect(r.categoryId).toBe('good');
  });

  it('names every pollutant tied for the largest sub-index', () => {
    // PM2.5 36 → 52 and PM10 54 → 52.
    const r = evaluateConcentrations(CHINA_HJ633_2012, { ...CLEAN, pm25: 36, pm10: 54 });
    expect(r.value).toBe(52);
    expect(r.primaryPollutants.sort()).toEqual(['pm10', 'pm25']);
  });

  it('2012 lists exceeding pollutants (IAQI > 100); 2026 deleted the notion', () => {
    const c = { ...CLEAN, pm25: 120, no2: 250 };
    const r12 = evaluateConcentrations(CHINA_HJ633_2012, c);
    expect(r12.exceedingPollutants?.sort()).toEqual(['no2', 'pm25']);
    const r26 = evaluateConcentrations(CHINA_HJ633_2026, c);
    expect(r26.exceedingPollutants).toBeUndefined();
  });

  it.each([
    [50, 1, 'excellent', '#00E400'],
    [51, 2, 'good', '#FFFF00'],
    [150, 3, 'lightly-polluted', '#FF7E00'],
    [151, 4, 'moderately-polluted', '#FF0000'],
    [300, 5, 'heavily-polluted', '#99004C'],
    [301, 6, 'severely-polluted', '#7E0023'],
  ])('AQI %d → level %d (%s, %s)', (aqi, level, id, color) => {
    const levelOf = CHINA_HJ633_2026.levelUpperLimits.findIndex((l) => aqi <= l) + 1 || 6;
    expect(levelOf).toBe(level);
    const cat = CHINA_HJ633_2026.categories.find((c) => level >= c.fromBand && level <= c.toBand);
    expect(cat?.id).toBe(id);
    expect(cat?.color).toBe(color);
  });

  it('flags level 3 (AQI > 100) and above as high for people at risk', () => {
    expect(evaluateConcentrations(CHINA_HJ633_2026, { ...CLEAN, pm25: 60 }).high).toBe(false); // 100
    expect(evaluateConcentrations(CHINA_HJ633_2026, { ...CLEAN, pm25: 61 }).high).toBe(true); // 101
  });

  it('caps the AQI at 500', () => {
    const r = evaluateConcentrations(CHINA_HJ633_2026, { ...CLEAN, pm25: 900 });
    expect(r.value).toBe(500);
    expect(r.categoryId).toBe('severely-polluted');
  });

  it('an all-zero input gives 0 under 2012 and 1 under 2026 (range 1–500)', () => {
    const zero = { pm25: 0, pm10: 0, so2: 0, no2: 0, co: 0, o3: 0 };
    expect(evaluateConcentrations(CHINA_HJ633_2012, zero).value).toBe(0);
    expect(evaluateConcentrations(CHINA_HJ633_2026, zero).value).toBe(1);
  });

  it('uses 8-hour O3 next to 1-hour O3; 8-hour O3 can decide the AQI', () => {
    const r = evaluateConcentrations(CHINA_HJ633_2026, { ...CLEAN, o3_1h: 180, o3_8h: 170 });
    // 1-h 180 → 75; 8-h 170 → 100 + (10/55)·50 = 109.1 → 110.
    expect(r.contributions.find((c) => c.term === 'o3_1h')?.value).toBe(75);
    expect(r.contributions.find((c) => c.term === 'o3_8h')?.value).toBe(110);
    expect(r.value).toBe(110);
  });
});

describe('China AQI missing data', () => {
  it('2012: any pollutant missing → null, naming it', () => {
    const { so2: _so2, ...rest } = CLEAN;
    const r = evaluateConcentrations(CHINA_HJ633_2012, { ...rest, pm25: 200 });
    expect(r.value).toBeNull();
    expect(r.missing.map((m) => m.pollutant)).toEqual(['so2']);
    expect(r.nullReason).toContain('so2');
  });

  it('2026: with a pollutant missing, published only when the others give more than 100', () => {
    const { so2: _so2, ...rest } = CLEAN;
    const high = evaluateConcentrations(CHINA_HJ633_2026, { ...rest, pm25: 200 });
    expect(high.value).toBe(250);
    expect(high.complete).toBe(false);
    expect(high.missing.map((m) => m.pollutant)).toEqual(['so2']);

    const low = evaluateConcentrations(CHINA_HJ633_2026, { ...rest, pm25: 60 });
    expect(low.value).toBeNull();
    expect(low.nullReason).toContain('not above 100');
  });

  it('O3 counts as present from its 1-hour value while the 8-hour window fills', () => {
    const r = evaluateConcentrations(CHINA_HJ633_2012, { pm25: 10, pm10: 20, so2: 10, no2: 20, co: 0.5, o3_1h: 50 });
    expect(r.value).toBe(20);
    expect(r.complete).toBe(false);
    expect(r.missing.map((m) => m.term)).toEqual(['o3_8h']);
    expect(r.pollutantsUsed).toContain('o3');
  });
});
