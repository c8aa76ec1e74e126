import { describe, expect, it } from 'vitest';
import { CANADA_2008, convertToInput, evaluateConcentrations, scaleAddedRisk } from '../../../rules/aqhi/index.js';

// Stieb 2008, written out independently of the profile data; NO2 and O3 in ppb.
function stieb(no2Ppb: number, o3Ppb: number, pm25: number): number {
  return (10 / 10.4) * 100 * (Math.exp(0.000871 * no2Ppb) - 1 + (Math.exp(0.000537 * o3Ppb) - 1) + (Math.exp(0.000487 * pm25) - 1));
}

/** The gateway's input: NO2 and O3 in µg/m³ (converted from ppb at 25 °C), PM2.5 in µg/m³. */
function input(no2Ppb: number, o3Ppb: number, pm25: number): Record<string, number> {
  return { no2: convertToInput('no2', no2Ppb, 'ppb'), o3: convertToInput('o3', o3Ppb, 'ppb'), pm25 };
}

describe('Canadian AQHI', () => {
  it.each([
    // [NO2 ppb, O3 ppb, PM2.5 µg/m³, unrounded, reported]
    [10, 60, 20, 4.931, 5],
    [20, 40, 15, 4.482, 4],
    [25, 50, 20, 5.675, 6],
    [30, 5, 25, 3.982, 4],
    [20, 30, 8, 3.6266, 4],
  ])('NO2 %d ppb, O3 %d ppb, PM2.5 %d → %d → %d', (no2, o3, pm25, raw, reported) => {
    expect(stieb(no2, o3, pm25)).toBeCloseTo(raw, 3);
    const r = evaluateConcentrations(CANADA_2008, input(no2, o3, pm25));
    expect(r.value).toBe(reported);
    expect(r.display).toBe(String(reported));
    // The %AR sum times 10/10.4 is the unrounded index.
    expect(((r.addedRiskPct ?? NaN) * 10) / 10.4).toBeCloseTo(raw, 3);
  });

  it('ties each coefficient to its own pollutant (the NO2/O3 swap gives 4, not 5)', () => {
    const right = stieb(40, 10, 15);
    const swapped = (10 / 10.4) * 100 * (Math.exp(0.000537 * 40) - 1 + (Math.exp(0.000871 * 10) - 1) + (Math.exp(0.000487 * 15) - 1));
    expect(Math.round(right)).toBe(5);
    expect(Math.round(swapped)).toBe(4);
    expect(evaluateConcentrations(CANADA_2008, input(40, 10, 15)).value).toBe(5);
  });

  it('converts µg/m³ to ppb at 25 °C before applying β (NO2 75.26 µg/m³ = 40 ppb)', () => {
    const r = evaluateConcentrations(CANADA_2008, input(40, 10, 15));
    const no2 = r.contributions.find((c) => c.pollutant === 'no2');
    expect(no2?.unit).toBe('ppb');
    expect(no2?.inputMean).toBeCloseTo(75.265, 2);
    expect(no2?.concentration).toBeCloseTo(40, 9);
  });

  it('rounds to the nearest integer with halves up (4.5 → 5), not the ceiling', () => {
    const scale = CANADA_2008.scale;
    // Σ%AR 4.68 · 10/10.4 = 4.5 exactly (in decimal); float noise must not turn it into 4.
    expect(scaleAddedRisk(scale, '10+', 4.68).value).toBe(5);
    expect(scaleAddedRisk(scale, '10+', 4.6).value).toBe(4);
    // A ceiling rule (B-Nilson R package) would give 5 here.
    expect(evaluateConcentrations(CANADA_2008, input(20, 40, 15)).value).toBe(4);
  });

  it('reports at least 1', () => {
    expect(stieb(1, 2, 1)).toBeLessThan(0.5);
    const r = evaluateConcentrations(CANADA_2008, input(1, 2, 1));
    expect(r.value).toBe(1);
    expect(r.categoryId).toBe('low');
  });

  it('reports a value above 10 as 10+ (Very high), keeping the number', () => {
    expect(stieb(60, 80, 100)).toBeCloseTo(14.178, 3);
    const r = evaluateConcentrations(CANADA_2008, input(60, 80, 100));
    expect(r.value).toBe(14);
    expect(r.display).toBe('10+');
    expect(r.band).toBe(11);
    expect(r.categoryId).toBe('very-high');
  });

  it.each([
    [3, 'low'],
    [4, 'moderate'],
    [7, 'high'],
    [10, 'high'],
    [11, 'very-high'],
  ])('band %d → %s', (band, id) => {
    expect(CANADA_2008.categories.find((c) => band >= c.fromBand && band <= c.toBand)?.id).toBe(id);
  });

  it.each(['no2', 'o3', 'pm25'])('needs all three pollutants (%s missing → null)', (p) => {
    const c = input(20, 30, 10);
    delete c[p];
    const r = evaluateConcentrations(CANADA_2008, c);
    expect(r.value).toBeNull();
    expect(r.missing.map((m) => m.pollutant)).toEqual([p]);
  });
});
