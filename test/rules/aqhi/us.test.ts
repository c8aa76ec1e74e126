import { describe, expect, it } from 'vitest';
import { convertToInput, evaluateConcentrations, termSubIndex, US_EPA_2024 } from '../../../rules/aqhi/index.js';

/** Sub-index of one term for a concentration in the table's own unit (ppm, ppb, µg/m³). */
function aqi(termId: string, c: number): number | string {
  const term = US_EPA_2024.terms.find((t) => t.id === termId);
  if (term === undefined) throw new Error(`no term ${termId}`);
  const o = termSubIndex(US_EPA_2024, term, c);
  return o.kind === 'value' ? o.value : o.kind;
}

const ppm = (p: 'o3' | 'co', v: number): number => convertToInput(p, v, 'ppm');
const ppb = (p: 'so2' | 'no2', v: number): number => convertToInput(p, v, 'ppb');

describe('US AQI 2024: the TAD worked examples (pp. 15–16)', () => {
  it('8-hour O3 0.078 ppm → 126 (125.5 rounds up)', () => {
    expect(aqi('o3_8h', 0.078)).toBe(126);
  });

  it('1-hour O3 0.162 ppm → 147 by Eq. 1 (147.487; the TAD prints 148)', () => {
    expect(aqi('o3_1h', 0.162)).toBe(147);
  });

  it('PM2.5 35.9 µg/m³ → 102; CO 8.4 ppm → 90', () => {
    expect(aqi('pm25_24h', 35.9)).toBe(102);
    expect(aqi('co_8h', 8.4)).toBe(90);
  });

  it('the day with all three reports 126 with O3 responsible', () => {
    const r = evaluateConcentrations(US_EPA_2024, { o3_8h: ppm('o3', 0.078), pm25: 35.9, co: ppm('co', 8.4) });
    expect(r.value).toBe(126);
    expect(r.primaryPollutants).toEqual(['o3']);
    expect(r.categoryId).toBe('unhealthy-sensitive');
    expect(r.contributions.find((c) => c.term === 'co_8h')?.value).toBe(90);
  });
});

describe('US AQI 2024: truncation, breakpoints, beyond the AQI', () => {
  it.each([
    ['pm25_24h', 12.0, 56], // was 50 before 2024; now Moderate
    ['pm25_24h', 9.0, 50],
    ['pm25_24h', 9.05, 50], // truncates to 9.0; rounding to 9.1 would give 51
    ['pm25_24h', 9.1, 51],
    ['pm25_24h', 35.4, 100],
    ['pm25_24h', 35.45, 100], // truncates to 35.4; toFixed(1) would give 35.5 → 101
    ['pm25_24h', 35.5, 101],
    ['pm25_24h', 225.4, 300],
    ['pm25_24h', 325.4, 500],
    ['pm25_24h', 400, 649], // single Hazardous segment extended beyond 500
    ['pm10_24h', 54.9, 50],
    ['pm10_24h', 155, 101],
    ['pm10_24h', 604, 500],
    ['pm10_24h', 700, 607],
    ['o3_8h', 0.0549, 50],
    ['o3_8h', 0.2, 300],
    ['co_8h', 4.49, 50],
    ['no2_1h', 100, 100],
    ['no2_1h', 101, 101],
    ['no2_1h', 2049, 500],
    ['so2_1h', 35, 50],
    ['so2_1h', 304, 200],
  ])('%s %d → %d', (term, c, expected) => {
    expect(aqi(term, c)).toBe(expected);
  });

  it('truncates after converting from µg/m³ without float noise (0.078 ppm round trip → 126)', () => {
    const r = evaluateConcentrations(US_EPA_2024, { o3_8h: ppm('o3', 0.078) });
    const o3 = r.contributions.find((c) => c.term === 'o3_8h');
    expect(o3?.concentration).toBe(0.078);
    expect(o3?.value).toBe(126);
  });

  it('1-hour O3 below 0.125 ppm does not apply; 8-hour O3 decides', () => {
    expect(aqi('o3_1h', 0.124)).toBe('not-applicable');
    const r = evaluateConcentrations(US_EPA_2024, { o3_8h: ppm('o3', 0.06), o3_1h: ppm('o3', 0.1) });
    expect(r.value).toBe(67);
    expect(r.contributions.map((c) => c.term)).toEqual(['o3_8h']);
  });

  it('reports the higher of the 8-hour and 1-hour O3 sub-indices', () => {
    // 8-h 0.060 → 67; 1-h 0.130 → 101 + 49/0.039 · 0.005 = 107.3 → 107.
    const r = evaluateConcentrations(US_EPA_2024, { o3_8h: ppm('o3', 0.06), o3_1h: ppm('o3', 0.13) });
    expect(r.value).toBe(107);
  });

  it('8-hour O3 above 0.200 ppm uses the 1-hour table', () => {
    const r = evaluateConcentrations(US_EPA_2024, { o3_8h: ppm('o3', 0.21), o3_1h: ppm('o3', 0.25) });
    // 1-h 0.250 → 201 + 99/0.199 · 0.045 = 223.4 → 223.
    expect(r.value).toBe(223);
    expect(r.contributions.find((c) => c.term === 'o3_8h')?.note).toContain('o3_1h');
  });

  it('8-hour O3 above 0.200 ppm with no 1-hour value is undefined (null), not a guess', () => {
    const r = evaluateConcentrations(US_EPA_2024, { o3_8h: ppm('o3', 0.25) });
    expect(r.value).toBeNull();
    expect(r.missing).toContainEqual(expect.objectContaining({ pollutant: 'o3', term: 'o3_8h', reason: 'undefined-above-range' }));
  });
});

describe('US AQI 2024: SO2', () => {
  it('1-hour SO2 above 304 ppb takes the 24-hour table', () => {
    const r = evaluateConcentrations(US_EPA_2024, { so2_1h: ppb('so2', 400), so2_24h: ppb('so2', 400) });
    // 24-h 400 ppb: 201 + 99/299 · 95 = 232.5 → 232.
    expect(r.value).toBe(232);
    expect(r.contributions.find((c) => c.term === 'so2_24h')?.counted).toBe(false);
  });

  it('is fixed at 200 when the 24-hour value is below 305 ppb', () => {
    const r = evaluateConcentrations(US_EPA_2024, { so2_1h: ppb('so2', 500), so2_24h: ppb('so2', 150) });
    expect(r.value).toBe(200);
    expect(r.contributions.find((c) => c.term === 'so2_1h')?.note).toContain('floor 200');
  });

  it('is 200 when no 24-hour value is available, and says the 24-hour value is missing', () => {
    const r = evaluateConcentrations(US_EPA_2024, { so2_1h: ppb('so2', 500) });
    expect(r.value).toBe(200);
    expect(r.missing).toContainEqual(expect.objectContaining({ term: 'so2_24h', reason: 'no-data' }));
  });
});

describe('US AQI 2024: categories and missing data', () => {
  it.each([
    [50, 'good', '#00E400'],
    [51, 'moderate', '#FFFF00'],
    [101, 'unhealthy-sensitive', '#FF7E00'],
    [151, 'unhealthy', '#FF0000'],
    [201, 'very-unhealthy', '#8F3F97'],
    [649, 'hazardous', '#7E0023'],
  ])('AQI %d → %s', (value, id, color) => {
    const level = US_EPA_2024.levelUpperLimits.findIndex((l) => value <= l) + 1 || 6;
    const cat = US_EPA_2024.categories.find((c) => level >= c.fromBand && level <= c.toBand);
    expect(cat?.id).toBe(id);
    expect(cat?.color).toBe(color);
  });

  it('flags Unhealthy for Sensitive Groups and above as high', () => {
    expect(evaluateConcentrations(US_EPA_2024, { pm25: 35.4 }).high).toBe(false);
    expect(evaluateConcentrations(US_EPA_2024, { pm25: 35.5 }).high).toBe(true);
  });

  it('publishes the maximum of the available pollutants and lists the others as missing', () => {
    const r = evaluateConcentrations(US_EPA_2024, { pm25: 12.0 });
    expect(r.value).toBe(56);
    expect(r.complete).toBe(false);
    expect(new Set(r.missing.map((m) => m.pollutant))).toEqual(new Set(['pm10', 'o3', 'co', 'so2', 'no2']));
  });

  it('is null when nothing is available', () => {
    const r = evaluateConcentrations(US_EPA_2024, {});
    expect(r.value).toBeNull();
    expect(r.nullReason).toContain('pm25');
  });
});
