import { describe, expect, it } from 'vitest';
import { bandFromAddedRisk, evaluateConcentrations, getProfile, HK_2013, HK_2025_UNVERIFIED } from '../../../rules/aqhi/index.js';
import type { RiskSumProfile } from '../../../rules/aqhi/index.js';

// β from the EPD FAQ / OpenAQ, written out here independently of the profile data.
const BETA_2013 = { no2: 0.0004462559, so2: 0.0001393235, o3: 0.0005116328, pm10: 0.0002821751, pm25: 0.0002180567 };
const LIMITS_2013 = [1.88, 3.76, 5.64, 7.52, 9.41, 11.29, 12.91, 15.07, 17.22, 19.37];
const LIMITS_2025 = [1.87, 3.73, 5.6, 7.46, 9.33, 11.2, 12.81, 14.94, 17.08, 19.21];

const ar = (beta: number, c: number): number => (Math.exp(beta * c) - 1) * 100;

function limitsOf(p: RiskSumProfile): readonly number[] {
  if (p.scale.kind !== 'bands') throw new Error('expected a band scale');
  return p.scale.upperLimitsPct;
}

describe('HK AQHI band mapping (inclusive upper limits on the unrounded %AR)', () => {
  it.each([
    [0, 1],
    [1.88, 1],
    [1.8801, 2],
    [3.76, 2],
    [3.7601, 3],
    [5.64, 3],
    [7.52, 4],
    [7.5201, 5],
    [9.41, 5],
    [11.29, 6],
    [11.3, 7],
    [12.91, 7],
    [12.9101, 8],
    [15.07, 8],
    [17.22, 9],
    [19.37, 10],
    [19.3701, 11],
    [40, 11],
  ])('2013: %AR %d → band %d', (arPct, band) => {
    expect(bandFromAddedRisk(limitsOf(HK_2013), arPct)).toBe(band);
  });

  it.each([
    [1.87, 1],
    [1.875, 2],
    [7.46, 4],
    [7.5, 5],
    [19.21, 10],
    [19.3, 11],
  ])('2025 (unverified): %AR %d → band %d', (arPct, band) => {
    expect(bandFromAddedRisk(limitsOf(HK_2025_UNVERIFIED), arPct)).toBe(band);
  });

  it('carries the published band limits as data', () => {
    expect(limitsOf(HK_2013)).toEqual(LIMITS_2013);
    expect(limitsOf(HK_2025_UNVERIFIED)).toEqual(LIMITS_2025);
  });
});

describe('HK AQHI formula', () => {
  it('sums NO2, SO2, O3 and the larger PM term, each (exp(βC) − 1) · 100', () => {
    const c = { no2: 60, so2: 12, o3: 40, pm10: 70, pm25: 50 };
    const r = evaluateConcentrations(HK_2013, c);
    const expected =
      ar(BETA_2013.no2, 60) + ar(BETA_2013.so2, 12) + ar(BETA_2013.o3, 40) + Math.max(ar(BETA_2013.pm10, 70), ar(BETA_2013.pm25, 50));
    expect(r.addedRiskPct).toBeCloseTo(expected, 10);
    expect(r.value).toBe(bandFromAddedRisk(LIMITS_2013, expected));
    const no2 = r.contributions.find((x) => x.pollutant === 'no2');
    expect(no2?.value).toBeCloseTo(ar(BETA_2013.no2, 60), 10);
    expect(no2?.term).toBe('no2_3h');
    expect(no2?.windowHours).toBe(3);
  });

  it('picks PM by the larger %AR term, not the larger concentration', () => {
    // PM2.5 50 > PM10 45 µg/m³, but β(PM10) is larger: 1.2779 % vs 1.0962 %.
    const r = evaluateConcentrations(HK_2013, { no2: 20, so2: 5, o3: 30, pm10: 45, pm25: 50 });
    const pm10 = r.contributions.find((x) => x.pollutant === 'pm10');
    const pm25 = r.contributions.find((x) => x.pollutant === 'pm25');
    expect(pm10?.counted).toBe(true);
    expect(pm25?.counted).toBe(false);
    expect(pm10?.value).toBeCloseTo(1.2779, 3);
    expect(pm25?.value).toBeCloseTo(1.0962, 3);
    expect(r.pollutantsUsed).toEqual(['no2', 'so2', 'o3', 'pm10']);
    expect(r.addedRiskPct).toBeCloseTo(ar(BETA_2013.no2, 20) + ar(BETA_2013.so2, 5) + ar(BETA_2013.o3, 30) + ar(BETA_2013.pm10, 45), 10);
  });

  it('counts PM2.5 when its term is larger', () => {
    const r = evaluateConcentrations(HK_2013, { no2: 20, so2: 5, o3: 30, pm10: 20, pm25: 60 });
    expect(r.contributions.find((x) => x.pollutant === 'pm25')?.counted).toBe(true);
    expect(r.contributions.find((x) => x.pollutant === 'pm10')?.counted).toBe(false);
  });

  it.each([
    // [concentrations µg/m³, %AR 2013, band 2013, band 2025]
    [{ no2: 5, so2: 2, o3: 10, pm10: 10, pm25: 8 }, 1.0468, 1, 1],
    [{ no2: 60, so2: 12, o3: 20, pm10: 70, pm25: 50 }, 5.9044, 4, 4],
    [{ no2: 120, so2: 20, o3: 150, pm10: 120, pm25: 90 }, 17.2008, 9, 9],
  ])('%o → %AR %d, band %d (2025 params: %d)', (c, arPct, band2013, band2025) => {
    const r13 = evaluateConcentrations(HK_2013, c);
    const r25 = evaluateConcentrations(HK_2025_UNVERIFIED, c);
    expect(r13.addedRiskPct).toBeCloseTo(arPct, 3);
    expect(r13.value).toBe(band2013);
    expect(r25.value).toBe(band2025);
  });

  it('discriminates the 2013 and claimed 2025 parameters (HK-03 style: band 5 vs band 4)', () => {
    const c = { no2: 31, so2: 5, o3: 100, pm10: 30, pm25: 20 };
    const r13 = evaluateConcentrations(HK_2013, c);
    const r25 = evaluateConcentrations(HK_2025_UNVERIFIED, c);
    expect(r13.addedRiskPct).toBeCloseTo(7.5623, 3);
    expect(r13.value).toBe(5);
    expect(r13.categoryId).toBe('moderate');
    // β(O3) 0.0004888034 lowers the O3 term from 5.2495 % to 5.0096 %.
    expect(r25.contributions.find((x) => x.pollutant === 'o3')?.value).toBeCloseTo(5.0096, 3);
    expect(r25.value).toBe(4);
    expect(r25.profile).toEqual({ name: 'hk', version: '2025', status: 'unverified' });
  });

  it('reports "10+" (band 11, Serious) above the tenth limit', () => {
    const r = evaluateConcentrations(HK_2013, { no2: 200, so2: 30, o3: 250, pm10: 200, pm25: 150 });
    expect(r.addedRiskPct).toBeCloseTo(29.205, 2);
    expect(r.value).toBe(11);
    expect(r.band).toBe(11);
    expect(r.display).toBe('10+');
    expect(r.categoryId).toBe('serious');
  });

  it.each([
    // [concentrations, %AR, band, high for people at risk]
    [{ no2: 60, so2: 12, o3: 20, pm10: 70, pm25: 50 }, 5.9044, 4, false],
    [{ no2: 100, so2: 15, o3: 90, pm10: 100, pm25: 60 }, 12.3471, 7, true],
    [{ no2: 100, so2: 15, o3: 100, pm10: 110, pm25: 60 }, 13.1749, 8, true],
  ])('flags High (7) and above for the aqhi_high notice: %o', (c, arPct, band, high) => {
    const r = evaluateConcentrations(HK_2013, c);
    expect(r.addedRiskPct).toBeCloseTo(arPct, 3);
    expect(r.value).toBe(band);
    expect(r.high).toBe(high);
  });

  it.each([
    [3, 'low'],
    [6, 'moderate'],
    [7, 'high'],
    [10, 'very-high'],
    [11, 'serious'],
  ])('band %d is in category %s', (band, id) => {
    expect(HK_2013.categories.find((c) => band >= c.fromBand && band <= c.toBand)?.id).toBe(id);
  });
});

describe('HK AQHI missing data', () => {
  it('uses the other PM channel when one is missing, and says which is missing', () => {
    const r = evaluateConcentrations(HK_2013, { no2: 40, so2: 8, o3: 60, pm25: 35 });
    expect(r.value).not.toBeNull();
    expect(r.addedRiskPct).toBeCloseTo(ar(BETA_2013.no2, 40) + ar(BETA_2013.so2, 8) + ar(BETA_2013.o3, 60) + ar(BETA_2013.pm25, 35), 10);
    expect(r.complete).toBe(false);
    expect(r.missing.map((m) => [m.pollutant, m.reason])).toEqual([['pm10', 'no-data']]);
  });

  it.each(['no2', 'so2', 'o3'] as const)('is null when %s is missing (never taken as zero)', (p) => {
    const c: Record<string, number> = { no2: 40, so2: 8, o3: 60, pm10: 50, pm25: 35 };
    delete c[p];
    const r = evaluateConcentrations(HK_2013, c);
    expect(r.value).toBeNull();
    expect(r.display).toBeNull();
    expect(r.categoryId).toBeNull();
    expect(r.missing.map((m) => m.pollutant)).toEqual([p]);
    expect(r.nullReason).toContain(p);
  });

  it('is null when both PM channels are missing, naming both', () => {
    const r = evaluateConcentrations(HK_2013, { no2: 40, so2: 8, o3: 60 });
    expect(r.value).toBeNull();
    expect(r.missing.map((m) => m.pollutant).sort()).toEqual(['pm10', 'pm25']);
  });

  it('treats a negative or non-finite mean as invalid, not as a value', () => {
    const r = evaluateConcentrations(HK_2013, { no2: -1, so2: 8, o3: 60, pm10: 50 });
    expect(r.value).toBeNull();
    expect(r.missing).toContainEqual(expect.objectContaining({ pollutant: 'no2', reason: 'invalid' }));
  });

  it('is the default profile, and the unverified revision is never the default', () => {
    expect(getProfile('hk')).toBe(HK_2013);
    expect(getProfile('hk', '2025')).toBe(HK_2025_UNVERIFIED);
  });
});
