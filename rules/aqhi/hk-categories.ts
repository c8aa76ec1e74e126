import { buildAdvice } from './advice.js';
import type { IndexCategory, LocalizedText } from './types.js';

/*
 * Hong Kong AQHI health-risk categories and advice.
 * Categories and band ranges: HKSAR press release of 29 Dec 2013 (HK-PRESS-2013) and the EPD
 * FAQ (HK-FAQ). Advice follows EPD's "Health Advice" page (aqhi.gov.hk/en/health-advice),
 * which gives separate advice for people with heart or respiratory illnesses, children and the
 * elderly, outdoor workers (via their employers) and the general public.
 * Colours as OpenAQ adapted them from EPD (HK-OPENAQ).
 */

const NONE: LocalizedText = {
  en: 'No response action is required.',
  zh: '无须采取应对措施。',
};

const REDUCE: LocalizedText = {
  en: 'Reduce outdoor physical exertion and the time spent outdoors, especially in areas with heavy traffic.',
  zh: '减少户外体力消耗及在户外逗留的时间，特别是在交通繁忙的地方。',
};

const REDUCE_TO_MINIMUM: LocalizedText = {
  en: 'Reduce to the minimum outdoor physical exertion and the time spent outdoors, especially in areas with heavy traffic.',
  zh: '尽量减少户外体力消耗及在户外逗留的时间，特别是在交通繁忙的地方。',
};

const AVOID: LocalizedText = {
  en: 'Avoid outdoor physical exertion and avoid staying outdoors, especially in areas with heavy traffic.',
  zh: '避免户外体力消耗及避免在户外逗留，特别是在交通繁忙的地方。',
};

export const HK_CATEGORIES: readonly IndexCategory[] = [
  {
    id: 'low',
    name: { en: 'Low', zh: '低' },
    color: '#00E400',
    fromBand: 1,
    toBand: 3,
    advice: buildAdvice({ generalPublic: NONE, atRisk: NONE }),
  },
  {
    id: 'moderate',
    name: { en: 'Moderate', zh: '中' },
    color: '#FF9F00',
    fromBand: 4,
    toBand: 6,
    advice: buildAdvice({
      generalPublic: NONE,
      atRisk: NONE,
      heartOrRespiratory: {
        en: 'No response action is normally required. If you have symptoms, consider reducing outdoor physical exertion.',
        zh: '一般无须采取应对措施。如出现不适症状，应考虑减少户外体力消耗。',
      },
    }),
  },
  {
    id: 'high',
    name: { en: 'High', zh: '高' },
    color: '#F70000',
    fromBand: 7,
    toBand: 7,
    advice: buildAdvice({
      generalPublic: NONE,
      atRisk: REDUCE,
      heartOrRespiratory: {
        en: `${REDUCE.en} Ask a doctor before taking part in sport, and take more breaks during physical activity.`,
        zh: `${REDUCE.zh}参与体育活动前应咨询医生意见，活动期间多作歇息。`,
      },
      outdoorWorkers: NONE,
    }),
  },
  {
    id: 'very-high',
    name: { en: 'Very High', zh: '甚高' },
    color: '#7F3710',
    fromBand: 8,
    toBand: 10,
    advice: buildAdvice({
      generalPublic: REDUCE,
      atRisk: REDUCE_TO_MINIMUM,
      outdoorWorkers: {
        en: 'Employers of outdoor workers doing heavy manual work should assess the risk of outdoor work and take preventive measures, such as reducing outdoor physical exertion and the time spent outdoors, especially in areas with heavy traffic.',
        zh: '雇用从事重体力户外工作雇员的雇主应评估户外工作的风险，并采取适当的预防措施，例如减少户外体力消耗及在户外逗留的时间，特别是在交通繁忙的地方。',
      },
    }),
  },
  {
    id: 'serious',
    name: { en: 'Serious', zh: '严重' },
    color: '#000000',
    fromBand: 11,
    toBand: 11,
    advice: buildAdvice({
      generalPublic: REDUCE_TO_MINIMUM,
      atRisk: AVOID,
      outdoorWorkers: {
        en: 'Employers of all outdoor workers should assess the risk of outdoor work and take preventive measures, such as reducing outdoor physical exertion and the time spent outdoors, especially in areas with heavy traffic.',
        zh: '所有雇用户外工作雇员的雇主应评估户外工作的风险，并采取适当的预防措施，例如减少户外体力消耗及在户外逗留的时间，特别是在交通繁忙的地方。',
      },
    }),
  },
];
