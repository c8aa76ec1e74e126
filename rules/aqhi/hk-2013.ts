import { HK_CATEGORIES } from './hk-categories.js';
import type { RiskSumProfile } from './types.js';

/**
 * Hong Kong AQHI as launched on 30 Dec 2013 (the default profile).
 *
 * %AR_i = (exp(β_i · C_i) − 1) · 100, C_i the 3-hour moving average in µg/m³ (HK-FAQ);
 * %AR = %AR(NO2) + %AR(SO2) + %AR(O3) + max(%AR(PM10), %AR(PM2.5)) — the larger PM *term*,
 * not the larger concentration (HK-FAQ). The unrounded %AR is banded with inclusive upper
 * limits; above the tenth limit the index is "10+" (HK-FAQ table, HK-OPENAQ, EPD_R).
 */
export const HK_2013: RiskSumProfile = {
  kind: 'risk-sum',
  name: 'hk',
  version: '2013',
  status: 'verified',
  effectiveFrom: '2013-12-30',
  title: { en: 'Hong Kong Air Quality Health Index (2013)', zh: '香港空气质素健康指数（2013）' },
  sources: [
    { id: 'HK-FAQ', citation: 'EPD, The AQHI System – FAQs', url: 'https://www.aqhi.gov.hk/en/what-is-aqhi/faqs.html' },
    {
      id: 'HK-PRESS-2013',
      citation: 'HKSAR press release, 29 Dec 2013',
      url: 'http://www.info.gov.hk/gia/general/201312/29/P201312270411.htm',
    },
    {
      id: 'HK-WONG-2012',
      citation: 'Wong TW et al., A Study of the Air Pollution Index Reporting System (2012)',
      url: 'https://www.aqhi.gov.hk/common/pdf/related_websites/APIreview_report.pdf',
    },
    { id: 'HK-OPENAQ', citation: 'openaq/aqi-hub docs/indices/hong-kong.md (betas, band table)' },
  ],
  notes: [
    'β(NO2) and β(SO2) are printed in the EPD FAQ; β(O3), β(PM10), β(PM2.5) via OpenAQ and EPD_R, which agree.',
    'Bands compare the unrounded %AR against inclusive upper limits (1.88 → 1, 1.8801 → 2); the FAQ prints 2-decimal ranges.',
    'EPD publishes no missing-data rule: a 3-hour mean needs 2 valid hours here; with one PM channel missing the other is used; any other pollutant missing makes the index null.',
    'Input is µg/m³, the unit of the EPD definition; no conversion is applied.',
  ],
  terms: [
    { pollutant: 'no2', beta: 0.0004462559, unit: 'ug/m3', window: { hours: 3, minValidHours: 2 } },
    { pollutant: 'so2', beta: 0.0001393235, unit: 'ug/m3', window: { hours: 3, minValidHours: 2 } },
    { pollutant: 'o3', beta: 0.0005116328, unit: 'ug/m3', window: { hours: 3, minValidHours: 2 } },
    { pollutant: 'pm10', beta: 0.0002821751, unit: 'ug/m3', window: { hours: 3, minValidHours: 2 }, group: 'pm' },
    { pollutant: 'pm25', beta: 0.0002180567, unit: 'ug/m3', window: { hours: 3, minValidHours: 2 }, group: 'pm' },
  ],
  // Upper %AR limits of bands 1..10 (HK-FAQ; HK-OPENAQ; EPD_R !!_parameters.R).
  scale: { kind: 'bands', upperLimitsPct: [1.88, 3.76, 5.64, 7.52, 9.41, 11.29, 12.91, 15.07, 17.22, 19.37] },
  openBandLabel: '10+',
  // High (7) is where EPD first tells people at risk to reduce exertion; DESIGN.md aqhi_high ≥ 7.
  highBandFrom: 7,
  categories: HK_CATEGORIES,
};
