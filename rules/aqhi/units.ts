import type { ConcentrationUnit, Pollutant } from './types.js';

/**
 * Molar volume at 25 °C and 1 atm, the reference the US EPA and ECCC use for converting
 * between mixing ratios and mass concentrations (ppb = µg/m³ · 24.45 / MW).
 * Stations send µg/m³ (CO mg/m³); converting to ppb is our own step, valid only at these
 * reference conditions: no temperature or pressure correction is applied.
 */
export const MOLAR_VOLUME_L = 24.45;

/** Molecular weights in g/mol (IUPAC standard atomic weights). */
export const MOLECULAR_WEIGHT_G_PER_MOL: Readonly<Record<Exclude<Pollutant, 'pm25' | 'pm10'>, number>> = {
  o3: 47.998,
  no2: 46.0055,
  so2: 64.064,
  co: 28.01,
};

/** The unit the gateway receives each pollutant in (CONTRACT.md §2, air telemetry). */
export function inputUnit(pollutant: Pollutant): 'ug/m3' | 'mg/m3' {
  return pollutant === 'co' ? 'mg/m3' : 'ug/m3';
}

/** Whether a profile term may state `pollutant` in `unit` (mixing ratios only for gases). */
export function isSupportedUnit(pollutant: Pollutant, unit: ConcentrationUnit): boolean {
  if (pollutant === 'pm25' || pollutant === 'pm10') return unit === 'ug/m3';
  return true;
}

/**
 * Converts an input concentration (µg/m³; CO mg/m³) to `unit`.
 * µg/m³ → ppb: × 24.45 / MW (≈ 0.532 for NO2, 0.509 for O3, 0.382 for SO2);
 * mg/m³ → ppm the same factor; 1 ppm = 1000 ppb; 1 mg/m³ = 1000 µg/m³.
 */
export function convertFromInput(pollutant: Pollutant, value: number, unit: ConcentrationUnit): number {
  const from = inputUnit(pollutant);
  if (unit === from) return value;
  const ugm3 = from === 'mg/m3' ? value * 1000 : value;
  switch (unit) {
    case 'ug/m3':
      return ugm3;
    case 'mg/m3':
      return ugm3 / 1000;
    case 'ppb':
    case 'ppm': {
      if (pollutant === 'pm25' || pollutant === 'pm10') {
        throw new Error(`particulate matter has no mixing ratio (${pollutant} in ${unit})`);
      }
      const ppb = (ugm3 * MOLAR_VOLUME_L) / MOLECULAR_WEIGHT_G_PER_MOL[pollutant];
      return unit === 'ppb' ? ppb : ppb / 1000;
    }
  }
}

/** The inverse of convertFromInput: a concentration in `unit` to the input unit. */
export function convertToInput(pollutant: Pollutant, value: number, unit: ConcentrationUnit): number {
  const to = inputUnit(pollutant);
  if (unit === to) return value;
  let ugm3: number;
  switch (unit) {
    case 'ug/m3':
      ugm3 = value;
      break;
    case 'mg/m3':
      ugm3 = value * 1000;
      break;
    case 'ppb':
    case 'ppm': {
      if (pollutant === 'pm25' || pollutant === 'pm10') {
        throw new Error(`particulate matter has no mixing ratio (${pollutant} in ${unit})`);
      }
      const ppb = unit === 'ppb' ? value : value * 1000;
      ugm3 = (ppb * MOLECULAR_WEIGHT_G_PER_MOL[pollutant]) / MOLAR_VOLUME_L;
      break;
    }
  }
  return to === 'mg/m3' ? ugm3 / 1000 : ugm3;
}
