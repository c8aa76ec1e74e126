import { CHINA_CATEGORIES } from './china-categories.js';
import { segmentsFrom } from './segments.js';
import type { BreakpointProfile } from './types.js';

// HJ 633-2026 Table 3 (µg/m³; CO mg/m³). PM rows use the transitional GB 3095-2026 limits
// (60/120 until 2030-12-31); a later table for the 2031 limits (50/100) would be a new version.
const IAQI = [0, 50, 100, 150, 200, 300, 400, 500];
const IAQI_TO_200 = [0, 50, 100, 150, 200];
const IAQI_TO_300 = [0, 50, 100, 150, 200, 300];

/**
 * China AQI, HJ 633-2026 (CN-HJ633-2026), in force from 2026-03-01, hourly form.
 * Changes from 2012 (aqi-sources.md, from the standard's text):
 *  - PM2.5 IAQI-100 breakpoint 75 → 60; PM10 150 → 120 (Table 3);
 *  - real-time PM 1-hour values are indexed on the daily rows;
 *  - SO2 1-h above 800 → IAQI 200; O3 8-h above 800 → IAQI 300;
 *  - "exceeding pollutant" deleted;
 *  - concentrations rounded per GB/T 8170 before indexing; IAQI rounded up (§4.2.6);
 *  - AQI range 1–500; with data missing, the AQI is published only if above 100.
 */
export const CHINA_HJ633_2026: BreakpointProfile = {
  kind: 'breakpoint',
  name: 'china-hj633-2026',
  version: '2026',
  status: 'verified',
  effectiveFrom: '2026-03-01',
  title: { zh: '环境空气质量指数（AQI）技术规定 HJ 633-2026', en: 'China AQI, HJ 633-2026' },
  sources: [
    { id: 'CN-HJ633-2026', citation: 'HJ 633-2026, issued 2026-02-14, effective 2026-03-01: Table 3, §4.2, §4.3, §5.3, Appendix A' },
    { id: 'CN-GB3095-2026', citation: 'GB 3095-2026 Table 1 (phased PM limits)' },
  ],
  notes: [
    'Concentrations are rounded half-to-even (GB/T 8170) to whole µg/m³, CO to 0.1 mg/m³ (the precision the national network publishes); 34.5 → 34.',
    'O3 8-hour term: trailing 8-hour mean, at least 6 valid hours; it joins once available.',
    'Above the top breakpoint the sub-index is capped at 500; an all-zero input is reported as 1 (range 1–500).',
    'With pollutants missing, the AQI of the others is published only when above 100 (the missing ones cannot lower a maximum).',
    'PM rows are the transitional ones; GB 3095-2026 tightens PM limits from 2031, which would need a new profile version.',
  ],
  terms: [
    {
      id: 'pm25_1h',
      pollutant: 'pm25',
      window: { hours: 1, minValidHours: 1 },
      unit: 'ug/m3',
      role: 'primary',
      segments: segmentsFrom([0, 35, 60, 115, 150, 250, 350, 500], IAQI),
      above: { kind: 'cap' },
      roundDecimals: 0,
    },
    {
      id: 'pm10_1h',
      pollutant: 'pm10',
      window: { hours: 1, minValidHours: 1 },
      unit: 'ug/m3',
      role: 'primary',
      segments: segmentsFrom([0, 50, 120, 250, 350, 420, 500, 600], IAQI),
      above: { kind: 'cap' },
      roundDecimals: 0,
    },
    {
      id: 'so2_1h',
      pollutant: 'so2',
      window: { hours: 1, minValidHours: 1 },
      unit: 'ug/m3',
      role: 'primary',
      segments: segmentsFrom([0, 150, 500, 650, 800], IAQI_TO_200),
      above: { kind: 'fixed', iaqi: 200 },
      roundDecimals: 0,
    },
    {
      id: 'no2_1h',
      pollutant: 'no2',
      window: { hours: 1, minValidHours: 1 },
      unit: 'ug/m3',
      role: 'primary',
      segments: segmentsFrom([0, 100, 200, 700, 1200, 2340, 3090, 3840], IAQI),
      above: { kind: 'cap' },
      roundDecimals: 0,
    },
    {
      id: 'co_1h',
      pollutant: 'co',
      window: { hours: 1, minValidHours: 1 },
      unit: 'mg/m3',
      role: 'primary',
      segments: segmentsFrom([0, 5, 10, 35, 60, 90, 120, 150], IAQI),
      above: { kind: 'cap' },
      roundDecimals: 1,
    },
    {
      id: 'o3_1h',
      pollutant: 'o3',
      window: { hours: 1, minValidHours: 1 },
      unit: 'ug/m3',
      role: 'primary',
      segments: segmentsFrom([0, 160, 200, 300, 400, 800, 1000, 1200], IAQI),
      above: { kind: 'cap' },
      roundDecimals: 0,
    },
    {
      id: 'o3_8h',
      pollutant: 'o3',
      window: { hours: 8, minValidHours: 6 },
      unit: 'ug/m3',
      role: 'primary',
      segments: segmentsFrom([0, 100, 160, 215, 265, 800], IAQI_TO_300),
      above: { kind: 'fixed', iaqi: 300 },
      roundDecimals: 0,
    },
  ],
  indexRounding: 'ceil',
  minIndex: 1,
  maxIndex: 500,
  levelUpperLimits: [50, 100, 150, 200, 300],
  primaryPollutantAbove: 50,
  missingPolicy: { kind: 'publish-if-above', threshold: 100 },
  // Level 3 (轻度污染, AQI > 100), as in 2012.
  highBandFrom: 3,
  categories: CHINA_CATEGORIES,
};
