import { buildAdvice } from './advice.js';
import type { RiskSumProfile } from './types.js';

/*
 * Canadian AQHI (Stieb et al. 2008, CA-STIEB-2008; confirmed by CA-ECCC and CA-ALBERTA):
 *   AQHI = (10/10.4) · 100 · [(e^{0.000871·NO2} − 1) + (e^{0.000537·O3} − 1) + (e^{0.000487·PM2.5} − 1)]
 * NO2 and O3 in ppb, PM2.5 in µg/m³, each a trailing 3-hour mean (≥ 2 valid hours, CA-OPENAQ,
 * CA-RPKG `.min_non_na = 2`). Rounded to the nearest integer, halves up (Stieb; OpenAQ); at
 * least 1; above 10 reported as "10+". Each coefficient is tied to its own pollutant here:
 * one public sample swapped NO2/O3 (aqi-sources.md pitfall 8).
 */

const AT_RISK_WHO =
  'At risk: people with heart or lung conditions, older adults, children and people who work or are active outdoors.';

export const CANADA_2008: RiskSumProfile = {
  kind: 'risk-sum',
  name: 'canada',
  version: '2008',
  status: 'verified',
  effectiveFrom: '2008-01-01',
  title: { en: 'Canadian Air Quality Health Index', zh: '加拿大空气质量健康指数' },
  sources: [
    {
      id: 'CA-STIEB-2008',
      citation: 'Stieb DM et al., J Air Waste Manag Assoc 58(3):435-450 (2008), doi:10.3155/1047-3289.58.3.435',
    },
    {
      id: 'CA-ECCC',
      citation: 'ECCC, About the Air Quality Health Index',
      url: 'https://www.canada.ca/en/environment-climate-change/services/air-quality-health-index/about.html',
    },
    { id: 'CA-ALBERTA', citation: 'Alberta, AQHI calculation', url: 'https://www.alberta.ca/air-quality-health-index-calculation' },
    { id: 'CA-OPENAQ', citation: 'openaq/aqi-hub docs/indices/canada.md (rounding, colours)' },
  ],
  notes: [
    'The gateway receives NO2 and O3 in µg/m³; they are converted to ppb at 25 °C and 1 atm (24.45 L/mol): NO2 ÷ 1.8816, O3 ÷ 1.9631. No temperature correction.',
    'Rounding: nearest integer, halves up (Stieb; OpenAQ). The B-Nilson R package effectively takes the ceiling; we do not.',
    'A computed 0 is reported as 1. 3-hour means are not rounded to 0.1 before the formula (the R package does; immaterial).',
    'National AQHI only: provincial AQHI+ and Alberta AAQO overrides are out of scope. All three pollutants are required.',
    AT_RISK_WHO,
  ],
  terms: [
    { pollutant: 'no2', beta: 0.000871, unit: 'ppb', window: { hours: 3, minValidHours: 2 } },
    { pollutant: 'o3', beta: 0.000537, unit: 'ppb', window: { hours: 3, minValidHours: 2 } },
    { pollutant: 'pm25', beta: 0.000487, unit: 'ug/m3', window: { hours: 3, minValidHours: 2 } },
  ],
  scale: { kind: 'scaled', factor: 10 / 10.4, min: 1, openAbove: 10 },
  openBandLabel: '10+',
  // ECCC's eleven-colour scale as adapted by OpenAQ (CA-OPENAQ), bands 1..10 and 10+.
  bandColors: [
    '#02CBFF',
    '#0099CA',
    '#01649B',
    '#FFFE02',
    '#FFCB00',
    '#FE9933',
    '#FD6765',
    '#FC0100',
    '#CB0003',
    '#9A0000',
    '#650100',
  ],
  // High risk (7–10): ECCC tells the at-risk population to reduce or reschedule.
  highBandFrom: 7,
  // Health messages: CA-ECCC, for the at-risk population and the general population.
  categories: [
    {
      id: 'low',
      name: { en: 'Low risk', zh: '低风险' },
      color: '#0099CA',
      fromBand: 1,
      toBand: 3,
      advice: buildAdvice({
        generalPublic: { en: 'Ideal air quality for outdoor activities.', zh: '空气质量理想，适宜户外活动。' },
        atRisk: { en: 'Enjoy your usual outdoor activities.', zh: '可照常进行户外活动。' },
      }),
    },
    {
      id: 'moderate',
      name: { en: 'Moderate risk', zh: '中等风险' },
      color: '#FFCB00',
      fromBand: 4,
      toBand: 6,
      advice: buildAdvice({
        generalPublic: {
          en: 'No need to modify your usual outdoor activities unless you experience symptoms such as coughing and throat irritation.',
          zh: '无须改变日常户外活动，除非出现咳嗽、喉咙不适等症状。',
        },
        atRisk: {
          en: 'Consider reducing or rescheduling strenuous activities outdoors if you are experiencing symptoms.',
          zh: '如出现症状，考虑减少或改期进行剧烈的户外活动。',
        },
      }),
    },
    {
      id: 'high',
      name: { en: 'High risk', zh: '高风险' },
      color: '#FC0100',
      fromBand: 7,
      toBand: 10,
      advice: buildAdvice({
        generalPublic: {
          en: 'Consider reducing or rescheduling strenuous activities outdoors if you experience symptoms such as coughing and throat irritation.',
          zh: '如出现咳嗽、喉咙不适等症状，考虑减少或改期进行剧烈的户外活动。',
        },
        atRisk: {
          en: 'Reduce or reschedule strenuous activities outdoors.',
          zh: '减少或改期进行剧烈的户外活动。',
        },
        elderly: {
          en: 'Reduce or reschedule strenuous activities outdoors; older adults should take it easy.',
          zh: '减少或改期进行剧烈的户外活动；老年人应放缓活动。',
        },
        children: {
          en: 'Reduce or reschedule strenuous activities outdoors; children should take it easy.',
          zh: '减少或改期进行剧烈的户外活动；儿童应放缓活动。',
        },
      }),
    },
    {
      id: 'very-high',
      name: { en: 'Very high risk', zh: '极高风险' },
      color: '#650100',
      fromBand: 11,
      toBand: 11,
      advice: buildAdvice({
        generalPublic: {
          en: 'Reduce or reschedule strenuous activities outdoors, especially if you experience symptoms such as coughing and throat irritation.',
          zh: '减少或改期进行剧烈的户外活动，尤其是出现咳嗽、喉咙不适等症状时。',
        },
        atRisk: { en: 'Avoid strenuous activities outdoors.', zh: '避免剧烈的户外活动。' },
        elderly: {
          en: 'Avoid strenuous activities and outdoor physical exertion.',
          zh: '避免剧烈活动及户外体力消耗。',
        },
        children: {
          en: 'Avoid strenuous activities and outdoor physical exertion.',
          zh: '避免剧烈活动及户外体力消耗。',
        },
      }),
    },
  ],
};
