import { describe, expect, it } from 'vitest';
import { ceilGuarded, convertFromInput, convertToInput, roundHalfEven, roundHalfUp, truncateTo } from '../../../rules/aqhi/index.js';

describe('unit conversion at 25 °C, 1 atm (24.45 L/mol)', () => {
  it.each([
    // [pollutant, µg/m³ (CO mg/m³) per ppb (CO per ppm)]
    ['no2', 1.8816],
    ['o3', 1.9631],
    ['so2', 2.6202],
    ['co', 1.1456],
  ] as const)('%s: %d per unit of mixing ratio', (p, factor) => {
    const unit = p === 'co' ? 'ppm' : 'ppb';
    expect(convertToInput(p, 1, unit)).toBeCloseTo(factor, 4);
    expect(convertFromInput(p, factor, unit)).toBeCloseTo(1, 4);
  });

  it('round-trips and scales ppm/ppb and mg/µg', () => {
    expect(convertFromInput('o3', convertToInput('o3', 0.078, 'ppm'), 'ppm')).toBeCloseTo(0.078, 12);
    expect(convertFromInput('o3', 100, 'ppm') * 1000).toBeCloseTo(convertFromInput('o3', 100, 'ppb'), 9);
    expect(convertFromInput('co', 2, 'ug/m3')).toBe(2000);
    expect(convertFromInput('pm25', 35, 'ug/m3')).toBe(35);
    expect(() => convertFromInput('pm10', 35, 'ppb')).toThrow(/mixing ratio/);
  });
});

describe('rounding rules', () => {
  it.each([
    [9.05, 1, 9.0],
    [35.45, 1, 35.4],
    [0.0789, 3, 0.078],
    [54.9, 0, 54],
    [0.078 - 1e-15, 3, 0.078], // conversion noise does not drop a step
    [12.0, 1, 12.0],
  ])('truncateTo(%d, %d) = %d', (x, d, out) => {
    expect(truncateTo(x, d)).toBe(out);
  });

  it.each([
    [34.5, 0, 34],
    [35.5, 0, 36],
    [34.51, 0, 35],
    [34.49, 0, 34],
    [5.05, 1, 5.0],
    [5.15, 1, 5.2],
    [0.25, 1, 0.2],
  ])('roundHalfEven(%d, %d) = %d (GB/T 8170)', (x, d, out) => {
    expect(roundHalfEven(x, d)).toBe(out);
  });

  it.each([
    [125.5, 126],
    [125.49, 125],
    [147.487, 147],
    [4.499999999999999, 5],
  ])('roundHalfUp(%d) = %d', (x, out) => {
    expect(roundHalfUp(x)).toBe(out);
  });

  it.each([
    [51.25, 52],
    [50.000000000000014, 50],
    [50.001, 51],
    [0, 0],
  ])('ceilGuarded(%d) = %d', (x, out) => {
    expect(ceilGuarded(x)).toBe(out);
  });
});
