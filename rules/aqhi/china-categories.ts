import { buildAdvice } from './advice.js';
import type { IndexCategory } from './types.js';

/*
 * The six AQI levels of HJ 633 (2012 Table 2, unchanged in 2026 as far as the changes listed
 * in aqi-sources.md go): names, health effects and recommended measures; colours from
 * Appendix A (RGB 0,228,0 · 255,255,0 · 255,126,0 · 255,0,0 · 153,0,76 · 126,0,35).
 * The standard addresses children, the elderly and people with heart or respiratory disease
 * together, and the general population. It has no outdoor-worker group: that advice is our
 * own reading of the general-population measure applied to work outdoors.
 */
export const CHINA_CATEGORIES: readonly IndexCategory[] = [
  {
    id: 'excellent',
    name: { zh: '优', en: 'Excellent' },
    color: '#00E400',
    fromBand: 1,
    toBand: 1,
    advice: buildAdvice({
      generalPublic: {
        zh: '空气质量令人满意，基本无空气污染；各类人群可正常活动。',
        en: 'Air quality is satisfactory with little or no pollution; everyone can carry on as normal.',
      },
      atRisk: { zh: '各类人群可正常活动。', en: 'Everyone can carry on as normal.' },
    }),
  },
  {
    id: 'good',
    name: { zh: '良', en: 'Good' },
    color: '#FFFF00',
    fromBand: 2,
    toBand: 2,
    advice: buildAdvice({
      generalPublic: { zh: '空气质量可接受，一般人群可正常活动。', en: 'Air quality is acceptable; the general public can carry on as normal.' },
      atRisk: {
        zh: '某些污染物可能对极少数异常敏感人群健康有较弱影响；极少数异常敏感人群应减少户外活动。',
        en: 'Some pollutants may slightly affect a very few unusually sensitive people, who should reduce outdoor activity.',
      },
      outdoorWorkers: { zh: '可正常作业。', en: 'Outdoor work can go on as normal.' },
    }),
  },
  {
    id: 'lightly-polluted',
    name: { zh: '轻度污染', en: 'Lightly polluted' },
    color: '#FF7E00',
    fromBand: 3,
    toBand: 3,
    advice: buildAdvice({
      generalPublic: { zh: '健康人群可能出现刺激症状。', en: 'Healthy people may notice irritation.' },
      atRisk: {
        zh: '易感人群症状有轻度加剧；儿童、老年人及心脏病、呼吸系统疾病患者应减少长时间、高强度的户外锻炼。',
        en: 'Symptoms of susceptible people may worsen slightly; children, older adults and people with heart or respiratory disease should reduce long or intense outdoor exercise.',
      },
      outdoorWorkers: {
        zh: '健康人群可能出现刺激症状；出现不适时应减少长时间、高强度的户外作业。',
        en: 'Irritation is possible; if you feel unwell, cut down long or heavy outdoor work.',
      },
    }),
  },
  {
    id: 'moderately-polluted',
    name: { zh: '中度污染', en: 'Moderately polluted' },
    color: '#FF0000',
    fromBand: 4,
    toBand: 4,
    advice: buildAdvice({
      generalPublic: {
        zh: '可能对健康人群心脏、呼吸系统有影响；一般人群适量减少户外运动。',
        en: 'The heart and lungs of healthy people may be affected; the general public should cut down outdoor exercise somewhat.',
      },
      atRisk: {
        zh: '易感人群症状进一步加剧；儿童、老年人及心脏病、呼吸系统疾病患者避免长时间、高强度的户外锻炼。',
        en: 'Symptoms of susceptible people worsen further; children, older adults and people with heart or respiratory disease should avoid long or intense outdoor exercise.',
      },
      outdoorWorkers: {
        zh: '适量减少高强度户外作业和户外停留时间。',
        en: 'Cut down heavy outdoor work and time outdoors somewhat.',
      },
    }),
  },
  {
    id: 'heavily-polluted',
    name: { zh: '重度污染', en: 'Heavily polluted' },
    color: '#99004C',
    fromBand: 5,
    toBand: 5,
    advice: buildAdvice({
      generalPublic: {
        zh: '健康人群普遍出现症状；一般人群减少户外运动。',
        en: 'Healthy people commonly have symptoms; the general public should reduce outdoor exercise.',
      },
      atRisk: {
        zh: '心脏病和肺病患者症状显著加剧、运动耐受力降低；儿童、老年人和心脏病、肺病患者应停留在室内，停止户外运动。',
        en: 'Symptoms of people with heart or lung disease worsen markedly and exercise tolerance falls; children, older adults and people with heart or lung disease should stay indoors and stop outdoor exercise.',
      },
      outdoorWorkers: { zh: '减少户外作业和体力消耗。', en: 'Reduce outdoor work and physical exertion.' },
    }),
  },
  {
    id: 'severely-polluted',
    name: { zh: '严重污染', en: 'Severely polluted' },
    color: '#7E0023',
    fromBand: 6,
    toBand: 6,
    advice: buildAdvice({
      generalPublic: {
        zh: '健康人群运动耐受力降低，有明显强烈症状，可能提前出现某些疾病；一般人群应避免户外活动。',
        en: 'Healthy people have lower exercise tolerance and strong symptoms, and some illnesses may appear early; the general public should avoid outdoor activity.',
      },
      atRisk: {
        zh: '儿童、老年人和病人应当留在室内，避免体力消耗。',
        en: 'Children, older adults and people who are ill should stay indoors and avoid physical exertion.',
      },
      outdoorWorkers: {
        zh: '避免户外作业；确需作业时尽量减少体力消耗和停留时间。',
        en: 'Avoid outdoor work; where it cannot wait, keep exertion and time outdoors to a minimum.',
      },
    }),
  },
];
