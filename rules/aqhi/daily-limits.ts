import { convertToInput } from './units.js';
import type { AqiProfile, Pollutant } from './types.js';

/** A concentration a pollutant's trailing mean should not exceed, in the input unit (µg/m³; CO mg/m³). */
export interface PollutantLimit {
  pollutant: Pollutant;
  windowHours: number;
  /** Valid hourly means the window needs before it is compared. */
  minValidHours: number;
  value: number;
  source: string;
}

/*
 * Hong Kong Air Quality Objectives (EPD, in force from 1 Jan 2022): the limits the HK AQHI's
 * readers are held to. The index itself has no per-pollutant limit.
 */
const HK_AQO_2022: readonly PollutantLimit[] = [
  { pollutant: 'pm25', windowHours: 24, minValidHours: 18, value: 50, source: 'HK AQO 2022, 24-hour' },
  { pollutant: 'pm10', windowHours: 24, minValidHours: 18, value: 100, source: 'HK AQO 2022, 24-hour' },
  { pollutant: 'no2', windowHours: 1, minValidHours: 1, value: 200, source: 'HK AQO 2022, 1-hour' },
  { pollutant: 'so2', windowHours: 24, minValidHours: 18, value: 50, source: 'HK AQO 2022, 24-hour' },
  { pollutant: 'o3', windowHours: 8, minValidHours: 6, value: 160, source: 'HK AQO 2022, 8-hour' },
  { pollutant: 'co', windowHours: 1, minValidHours: 1, value: 30, source: 'HK AQO 2022, 1-hour (30 000 µg/m³)' },
];

/**
 * The limits a day's report counts exceedances of. Breakpoint indices (HJ 633, US AQI) put their
 * standard's limit at sub-index 100 (GB 3095 grade II; the NAAQS), so each term's concentration
 * at 100 is its limit. HK uses its Air Quality Objectives; other risk-sum profiles define none.
 */
export function limitsOf(profile: AqiProfile): PollutantLimit[] {
  if (profile.kind === 'risk-sum') return profile.name === 'hk' ? [...HK_AQO_2022] : [];
  const out: PollutantLimit[] = [];
  for (const term of profile.terms) {
    if (term.role !== 'primary' || term.window.hours > 24) continue;
    const at100 = term.segments.find((s) => s.iHi === 100);
    if (at100 === undefined) continue;
    out.push({
      pollutant: term.pollutant,
      windowHours: term.window.hours,
      minValidHours: term.window.minValidHours,
      value: convertToInput(term.pollutant, at100.cHi, term.unit),
      source: `${profile.name} ${profile.version}: ${term.id} at sub-index 100`,
    });
  }
  return out;
}
