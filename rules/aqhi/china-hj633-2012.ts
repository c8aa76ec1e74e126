import { CHINA_CATEGORIES } from './china-categories.js';
import { segmentsFrom } from './segments.js';
import type { BreakpointProfile } from './types.js';

// HJ 633-2012 Table 1: the IAQI column and each pollutant's concentration row (µg/m³; CO mg/m³).
const IAQI = [0, 50, 100, 150, 200, 300, 400, 500];
const IAQI_TO_200 = [0, 50, 100, 150, 200];
const IAQI_TO_300 = [0, 50, 100, 150, 200, 300];

/**
 * China AQI, HJ 633-2012 (CN-HJ633-2012), hourly ("实时报") form. Superseded by HJ 633-2026
 * from 2026-03-01; kept for data before that date.
 *
 * IAQI by eq. (1) per Table 1, rounded up (§6.2); AQI = max IAQI (eq. 2). Real-time terms use
 * 1-hour means; PM has no 1-hour row, so its 1-hour mean is indexed on the 24-hour row (the
 * text is ambiguous here — some networks used 24-hour moving means — see notes).
 * Table 1 note 2: SO2 1-h above 800 is not indexed; the 24-h SO2 sub-index is reported instead.
 * Table 1 note 3: O3 8-h above 800 is not indexed; the 1-h O3 sub-index is reported instead.
 */
export const CHINA_HJ633_2012: BreakpointProfile = {
  kind: 'breakpoint',
  name: 'china-hj633-2012',
  version: '2012',
  status: 'verified',
  effectiveFrom: '2016-01-01',
  title: { zh: '环境空气质量指数（AQI）技术规定（试行）HJ 633-2012', en: 'China AQI, HJ 633-2012' },
  sources: [
    {
      id: 'CN-HJ633-2012',
      citation: 'HJ 633-2012 Technical Regulation on Ambient Air Quality Index (on trial): Table 1, eq. (1)/(2), §4.4, §6.2, Appendix A',
      url: 'https://www.mee.gov.cn/ywgz/fgbz/bz/bzwb/jcffbz/201203/W020120410332725219541.pdf',
    },
    { id: 'CN-IMPLS', citation: 'Cross-checked with caiyunapp/aqi-hub, python-aqi mep.py, openaq china breakpoints.csv' },
  ],
  notes: [
    'Real-time PM: the 1-hour mean is indexed on the 24-hour row. The 2012 text leaves open whether a 24-hour moving mean was meant; treat PM-driven values as non-authoritative for 2012.',
    'O3 8-hour term: trailing 8-hour mean, at least 6 valid hours (GB 3095-2012 data validity); SO2 24-hour: at least 20 valid hours.',
    'Above the top breakpoint (e.g. PM2.5 > 500) the standard defines no value; the sub-index is capped at 500.',
    'Missing data: the standard has no rule; any missing pollutant makes the AQI null (a missing pollutant is never zero).',
    'SO2 24-hour uses its own 24-hour row (caiyunapp indexes it with the 1-hour row; that is a bug).',
  ],
  terms: [
    {
      id: 'pm25_1h',
      pollutant: 'pm25',
      window: { hours: 1, minValidHours: 1 },
      unit: 'ug/m3',
      role: 'primary',
      segments: segmentsFrom([0, 35, 75, 115, 150, 250, 350, 500], IAQI),
      above: { kind: 'cap' },
    },
    {
      id: 'pm10_1h',
      pollutant: 'pm10',
      window: { hours: 1, minValidHours: 1 },
      unit: 'ug/m3',
      role: 'primary',
      segments: segmentsFrom([0, 50, 150, 250, 350, 420, 500, 600], IAQI),
      above: { kind: 'cap' },
    },
    {
      id: 'so2_1h',
      pollutant: 'so2',
      window: { hours: 1, minValidHours: 1 },
      unit: 'ug/m3',
      role: 'primary',
      segments: segmentsFrom([0, 150, 500, 650, 800], IAQI_TO_200),
      above: { kind: 'defer', to: 'so2_24h' },
    },
    {
      id: 'so2_24h',
      pollutant: 'so2',
      window: { hours: 24, minValidHours: 20 },
      unit: 'ug/m3',
      role: 'fallback',
      segments: segmentsFrom([0, 50, 150, 475, 800, 1600, 2100, 2620], IAQI),
      above: { kind: 'cap' },
    },
    {
      id: 'no2_1h',
      pollutant: 'no2',
      window: { hours: 1, minValidHours: 1 },
      unit: 'ug/m3',
      role: 'primary',
      segments: segmentsFrom([0, 100, 200, 700, 1200, 2340, 3090, 3840], IAQI),
      above: { kind: 'cap' },
    },
    {
      id: 'co_1h',
      pollutant: 'co',
      window: { hours: 1, minValidHours: 1 },
      unit: 'mg/m3',
      role: 'primary',
      segments: segmentsFrom([0, 5, 10, 35, 60, 90, 120, 150], IAQI),
      above: { kind: 'cap' },
    },
    {
      id: 'o3_1h',
      pollutant: 'o3',
      window: { hours: 1, minValidHours: 1 },
      unit: 'ug/m3',
      role: 'primary',
      segments: segmentsFrom([0, 160, 200, 300, 400, 800, 1000, 1200], IAQI),
      above: { kind: 'cap' },
    },
    {
      id: 'o3_8h',
      pollutant: 'o3',
      window: { hours: 8, minValidHours: 6 },
      unit: 'ug/m3',
      role: 'primary',
      segments: segmentsFrom([0, 100, 160, 215, 265, 800], IAQI_TO_300),
      above: { kind: 'defer', to: 'o3_1h' },
    },
  ],
  indexRounding: 'ceil',
  maxIndex: 500,
  levelUpperLimits: [50, 100, 150, 200, 300],
  // §4.4: a primary pollutant only when AQI > 50; exceeding pollutants have IAQI > 100.
  primaryPollutantAbove: 50,
  exceedingAbove: 100,
  missingPolicy: { kind: 'require-all' },
  // Level 3 (轻度污染, AQI > 100): Table 2 first tells children, the elderly and patients to cut exertion.
  highBandFrom: 3,
  categories: CHINA_CATEGORIES,
};
