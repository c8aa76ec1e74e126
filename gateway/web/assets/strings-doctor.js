// @ts-check
/* The doctor page's words, in Chinese and English (i18n.js merges them with the rest). */

export const DOCTOR_STRINGS = {
  'nav.doctor': { zh: '我的患者', en: 'My patients' },
  'doctor.title': { zh: '我的患者', en: 'My patients' },
  'doctor.none': { zh: '目前没有登记您为家庭医生的居民。', en: 'No resident has named you as their family doctor yet.' },
  'doctor.grid': { zh: '所在网格：{grid}', en: 'Neighbourhood: {grid}' },
  'doctor.alerts': { zh: '正在处理的告警', en: 'Alerts now' },
  'doctor.allWell': { zh: '目前没有与您共享的告警。', en: 'No alerts shared with you right now.' },
  'doctor.since': { zh: '{time} 开始（{age}前）', en: 'Since {time} ({age} ago)' },
  'doctor.vitals': { zh: '近 24 小时生命体征', en: 'Vital signs, last 24 hours' },
  'doctor.vitalsHidden': { zh: '该居民未同意向家庭医生分享生命体征。', en: 'This resident has not chosen to share vital signs with their doctor.' },
  'doctor.vitalsNone': { zh: '近 24 小时没有读数。', en: 'No readings in the last 24 hours.' },
  'doctor.hr': { zh: '心率 {mean} 次/分（{min}–{max}）', en: 'Heart rate {mean} bpm ({min}–{max})' },
  'doctor.spo2': { zh: '血氧 {mean}%（{min}–{max}）', en: 'SpO2 {mean}% ({min}–{max})' },
  'doctor.bp': { zh: '血压 {sbp}/{dbp} mmHg（平均）', en: 'Blood pressure {sbp}/{dbp} mmHg (mean)' },
  'doctor.emergency': { zh: '紧急情况下依法共享', en: 'Shared under the emergency rule' },
  'doctor.loadFailed': { zh: '暂时无法读取，请稍后再试。', en: 'Cannot load this now. Try again in a moment.' },
};
