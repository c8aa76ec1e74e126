import { HK_CATEGORIES } from './hk-categories.js';
import type { RiskSumProfile } from './types.js';

/**
 * UNVERIFIED claimed revision of the Hong Kong AQHI (HK-2025-CLAIM): one public code module
 * states that EPD changed β(O3) to 0.0004888034 and the band limits on 22 Mar 2025. We could
 * not confirm it from EPD pages, so it is a separate version that is never chosen by default;
 * select it explicitly (`getProfile('hk', '2025')`) once EPD confirms it.
 * Everything else is as in HK_2013.
 */
export const HK_2025_UNVERIFIED: RiskSumProfile = {
  kind: 'risk-sum',
  name: 'hk',
  version: '2025',
  status: 'unverified',
  effectiveFrom: '2025-03-22',
  title: { en: 'Hong Kong AQHI (claimed 2025 revision, unverified)', zh: '香港空气质素健康指数（2025 修订，未经核实）' },
  sources: [
    { id: 'HK-2025-CLAIM', citation: 'Unidentified public JS module claiming the 22 Mar 2025 revision (unverified)' },
    { id: 'HK-FAQ', citation: 'EPD, The AQHI System – FAQs', url: 'https://www.aqhi.gov.hk/en/what-is-aqhi/faqs.html' },
  ],
  notes: [
    'Unverified: β(O3) and band limits from a single secondary source; do not use for acceptance until EPD confirms.',
    'Same formula, averaging, PM rule and missing-data conventions as hk 2013.',
  ],
  terms: [
    { pollutant: 'no2', beta: 0.0004462559, unit: 'ug/m3', window: { hours: 3, minValidHours: 2 } },
    { pollutant: 'so2', beta: 0.0001393235, unit: 'ug/m3', window: { hours: 3, minValidHours: 2 } },
    { pollutant: 'o3', beta: 0.0004888034, unit: 'ug/m3', window: { hours: 3, minValidHours: 2 } },
    { pollutant: 'pm10', beta: 0.0002821751, unit: 'ug/m3', window: { hours: 3, minValidHours: 2 }, group: 'pm' },
    { pollutant: 'pm25', beta: 0.0002180567, unit: 'ug/m3', window: { hours: 3, minValidHours: 2 }, group: 'pm' },
  ],
  scale: { kind: 'bands', upperLimitsPct: [1.87, 3.73, 5.6, 7.46, 9.33, 11.2, 12.81, 14.94, 17.08, 19.21] },
  openBandLabel: '10+',
  // As hk 2013: High (7) and above.
  highBandFrom: 7,
  categories: HK_CATEGORIES,
};
