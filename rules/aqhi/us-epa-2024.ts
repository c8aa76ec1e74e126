import { buildAdvice } from './advice.js';
import type { BreakpointProfile, IndexCategory, Segment } from './types.js';

function seg(cLo: number, cHi: number, iLo: number, iHi: number): Segment {
  return { cLo, cHi, iLo, iHi };
}

const SENSITIVE_WHO =
  'Sensitive groups (TAD 2024): people with heart or lung disease, older adults, children and teenagers, people who are active or work outdoors.';

// Cautionary statements after TAD 2024 Table 7 (PM and O3), condensed to one line per group.
const US_CATEGORIES: readonly IndexCategory[] = [
  {
    id: 'good',
    name: { en: 'Good', zh: '优' },
    color: '#00E400',
    fromBand: 1,
    toBand: 1,
    advice: buildAdvice({
      generalPublic: { en: 'Air quality is satisfactory; enjoy outdoor activities.', zh: '空气质量令人满意，可享受户外活动。' },
      atRisk: { en: 'No precautions needed.', zh: '无须采取预防措施。' },
    }),
  },
  {
    id: 'moderate',
    name: { en: 'Moderate', zh: '中等' },
    color: '#FFFF00',
    fromBand: 2,
    toBand: 2,
    advice: buildAdvice({
      generalPublic: { en: 'Air quality is acceptable.', zh: '空气质量可以接受。' },
      atRisk: {
        en: 'Unusually sensitive people should consider reducing prolonged or heavy exertion outdoors.',
        zh: '异常敏感人士应考虑减少长时间或剧烈的户外活动。',
      },
    }),
  },
  {
    id: 'unhealthy-sensitive',
    name: { en: 'Unhealthy for Sensitive Groups', zh: '对敏感人群不健康' },
    color: '#FF7E00',
    fromBand: 3,
    toBand: 3,
    advice: buildAdvice({
      generalPublic: { en: 'The general public is less likely to be affected.', zh: '一般公众受影响的可能性较小。' },
      atRisk: {
        en: 'Reduce prolonged or heavy exertion outdoors; take more breaks and do less intense activities.',
        zh: '减少长时间或剧烈的户外活动；多休息，降低活动强度。',
      },
      outdoorWorkers: {
        en: 'Reduce prolonged or heavy exertion outdoors; take more breaks.',
        zh: '减少长时间或高强度的户外作业；增加休息。',
      },
    }),
  },
  {
    id: 'unhealthy',
    name: { en: 'Unhealthy', zh: '不健康' },
    color: '#FF0000',
    fromBand: 4,
    toBand: 4,
    advice: buildAdvice({
      generalPublic: {
        en: 'Reduce prolonged or heavy exertion outdoors; take more breaks.',
        zh: '减少长时间或剧烈的户外活动；增加休息。',
      },
      atRisk: {
        en: 'Avoid prolonged or heavy exertion outdoors; move activities indoors or reschedule them.',
        zh: '避免长时间或剧烈的户外活动；改在室内进行或改期。',
      },
      outdoorWorkers: {
        en: 'Avoid prolonged or heavy exertion outdoors; schedule heavy work for cleaner hours.',
        zh: '避免长时间或高强度的户外作业；将重体力工作安排在空气较好的时段。',
      },
    }),
  },
  {
    id: 'very-unhealthy',
    name: { en: 'Very Unhealthy', zh: '非常不健康' },
    color: '#8F3F97',
    fromBand: 5,
    toBand: 5,
    advice: buildAdvice({
      generalPublic: {
        en: 'Avoid prolonged or heavy exertion outdoors.',
        zh: '避免长时间或剧烈的户外活动。',
      },
      atRisk: {
        en: 'Avoid all physical activity outdoors; move activities indoors or reschedule them.',
        zh: '避免一切户外体力活动；改在室内进行或改期。',
      },
    }),
  },
  {
    id: 'hazardous',
    name: { en: 'Hazardous', zh: '危险' },
    color: '#7E0023',
    fromBand: 6,
    toBand: 6,
    advice: buildAdvice({
      generalPublic: { en: 'Avoid all physical activity outdoors.', zh: '避免一切户外体力活动。' },
      atRisk: {
        en: 'Remain indoors and keep activity levels low.',
        zh: '留在室内，保持低活动量。',
      },
    }),
  },
];

/**
 * US EPA AQI as revised in 2024 (US-TAD-2024, EPA-454/B-24-002; 89 FR 16202, effective
 * 2024-05-06). Concentrations are truncated to the table precision before Eq. 1
 * (O3 0.001 ppm, PM2.5 0.1 µg/m³, PM10 1 µg/m³, CO 0.1 ppm, SO2/NO2 1 ppb), and Eq. 1 is
 * rounded to the nearest integer, ties up. Table 6 with the single Hazardous segment
 * (301–500) whose line continues above 500 ("Beyond the AQI").
 */
export const US_EPA_2024: BreakpointProfile = {
  kind: 'breakpoint',
  name: 'us-epa-2024',
  version: '2024',
  status: 'verified',
  effectiveFrom: '2024-05-06',
  title: { en: 'US EPA Air Quality Index (2024)', zh: '美国环保署空气质量指数（2024）' },
  sources: [
    {
      id: 'US-TAD-2024',
      citation: 'EPA-454/B-24-002, Technical Assistance Document for the Reporting of Daily Air Quality (May 2024): Table 6, Eq. 1, pp. 15–16',
      url: 'https://document.airnow.gov/technical-assistance-document-for-the-reporting-of-daily-air-quailty.pdf',
    },
    { id: 'US-FR-2024', citation: '89 FR 16202 (6 Mar 2024), effective 6 May 2024' },
    {
      id: 'US-AIRNOW-EQ-2024',
      citation: 'AirNow Tech forum, The AQI Equation 2024',
      url: 'https://forum.airnowtech.org/t/the-aqi-equation-2024-valid-beginning-may-6th-2024/453',
    },
  ],
  notes: [
    'Gases arrive in µg/m³ (CO mg/m³) and are converted at 25 °C, 1 atm (24.45 L/mol) before truncation: O3 ppm, CO ppm, SO2 and NO2 ppb.',
    'Hourly form with trailing windows: PM 24 h (≥ 18 valid hours, 75 %), O3 8 h and CO 8 h (≥ 6), SO2 24 h (≥ 18); NowCast is not implemented.',
    'O3: the 8-hour sub-index, and the 1-hour one where the 1-hour mean is ≥ 0.125 ppm, whichever is higher (TAD: the 1-hour value may be reported when more precautionary). 8-hour O3 above 0.200 ppm uses the 1-hour table; with no 1-hour value it is undefined (null).',
    'SO2: 1-hour up to 304 ppb (AQI ≤ 200); above that the 24-hour table applies, and the AQI is 200 when the 24-hour value is below 305 ppb or not available.',
    'Missing pollutants do not block the AQI: it is the maximum of the available sub-indices, with the others listed as missing.',
    'Negative concentrations are invalid (the TAD is silent).',
    SENSITIVE_WHO,
  ],
  terms: [
    {
      id: 'pm25_24h',
      pollutant: 'pm25',
      window: { hours: 24, minValidHours: 18 },
      unit: 'ug/m3',
      role: 'primary',
      truncateDecimals: 1,
      segments: [
        seg(0.0, 9.0, 0, 50),
        seg(9.1, 35.4, 51, 100),
        seg(35.5, 55.4, 101, 150),
        seg(55.5, 125.4, 151, 200),
        seg(125.5, 225.4, 201, 300),
        seg(225.5, 325.4, 301, 500),
      ],
      above: { kind: 'extend' },
    },
    {
      id: 'pm10_24h',
      pollutant: 'pm10',
      window: { hours: 24, minValidHours: 18 },
      unit: 'ug/m3',
      role: 'primary',
      truncateDecimals: 0,
      segments: [
        seg(0, 54, 0, 50),
        seg(55, 154, 51, 100),
        seg(155, 254, 101, 150),
        seg(255, 354, 151, 200),
        seg(355, 424, 201, 300),
        seg(425, 604, 301, 500),
      ],
      above: { kind: 'extend' },
    },
    {
      id: 'o3_8h',
      pollutant: 'o3',
      window: { hours: 8, minValidHours: 6 },
      unit: 'ppm',
      role: 'primary',
      truncateDecimals: 3,
      segments: [
        seg(0.0, 0.054, 0, 50),
        seg(0.055, 0.07, 51, 100),
        seg(0.071, 0.085, 101, 150),
        seg(0.086, 0.105, 151, 200),
        seg(0.106, 0.2, 201, 300),
      ],
      // Table 6 note: 8-hour O3 does not define AQI ≥ 301; use 1-hour O3.
      above: { kind: 'defer', to: 'o3_1h' },
    },
    {
      id: 'o3_1h',
      pollutant: 'o3',
      window: { hours: 1, minValidHours: 1 },
      unit: 'ppm',
      role: 'primary',
      truncateDecimals: 3,
      appliesFrom: 0.125,
      segments: [seg(0.125, 0.164, 101, 150), seg(0.165, 0.204, 151, 200), seg(0.205, 0.404, 201, 300), seg(0.405, 0.604, 301, 500)],
      above: { kind: 'extend' },
    },
    {
      id: 'co_8h',
      pollutant: 'co',
      window: { hours: 8, minValidHours: 6 },
      unit: 'ppm',
      role: 'primary',
      truncateDecimals: 1,
      segments: [
        seg(0.0, 4.4, 0, 50),
        seg(4.5, 9.4, 51, 100),
        seg(9.5, 12.4, 101, 150),
        seg(12.5, 15.4, 151, 200),
        seg(15.5, 30.4, 201, 300),
        seg(30.5, 50.4, 301, 500),
      ],
      above: { kind: 'extend' },
    },
    {
      id: 'so2_1h',
      pollutant: 'so2',
      window: { hours: 1, minValidHours: 1 },
      unit: 'ppb',
      role: 'primary',
      truncateDecimals: 0,
      segments: [seg(0, 35, 0, 50), seg(36, 75, 51, 100), seg(76, 185, 101, 150), seg(186, 304, 151, 200)],
      // Table 6 note: 1-hour SO2 does not define AQI ≥ 200; use 24-hour SO2, never below 200.
      above: { kind: 'defer', to: 'so2_24h', floor: 200 },
    },
    {
      id: 'so2_24h',
      pollutant: 'so2',
      window: { hours: 24, minValidHours: 18 },
      unit: 'ppb',
      role: 'fallback',
      truncateDecimals: 0,
      appliesFrom: 305,
      segments: [seg(305, 604, 201, 300), seg(605, 1004, 301, 500)],
      above: { kind: 'extend' },
    },
    {
      id: 'no2_1h',
      pollutant: 'no2',
      window: { hours: 1, minValidHours: 1 },
      unit: 'ppb',
      role: 'primary',
      truncateDecimals: 0,
      segments: [
        seg(0, 53, 0, 50),
        seg(54, 100, 51, 100),
        seg(101, 360, 101, 150),
        seg(361, 649, 151, 200),
        seg(650, 1249, 201, 300),
        seg(1250, 2049, 301, 500),
      ],
      above: { kind: 'extend' },
    },
  ],
  indexRounding: 'half-up',
  levelUpperLimits: [50, 100, 150, 200, 300],
  primaryPollutantAbove: null,
  missingPolicy: { kind: 'publish-partial' },
  // Unhealthy for Sensitive Groups (level 3) and above.
  highBandFrom: 3,
  categories: US_CATEGORIES,
};
