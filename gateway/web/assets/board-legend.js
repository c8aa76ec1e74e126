// @ts-check
import { h, textColorOn } from './dom.js';
import { language, localized } from './i18n.js';

/*
 * What the index board's colours and figures mean: the band legend, the history range picker,
 * how to read the contribution bars, and why a pollutant is greyed. Its words are its own, in
 * zh and en, like the outlook's.
 */

/** @typedef {import('./types.js').AqhiFeed['profile']} FeedProfile */
/** @typedef {import('./types.js').Contribution} Contribution */
/** @typedef {import('./types.js').StationIndex} StationIndex */

const WORDS = /** @type {const} */ ({
  legend: { zh: '指数分级', en: 'Bands' },
  range: { zh: '历史范围', en: 'History' },
  h24: { zh: '24 小时', en: '24 h' },
  d7: { zh: '7 天', en: '7 days' },
  d30: { zh: '30 天', en: '30 days' },
  trend24: { zh: '24 小时趋势', en: '24-hour trend' },
  trend7: { zh: '7 天趋势（每小时）', en: '7-day trend (hourly)' },
  trend30: { zh: '30 天趋势（每小时）', en: '30-day trend (hourly)' },
  howToRead: { zh: '这些数字是什么意思？', en: 'What do these figures mean?' },
  additive: {
    zh: '每个污染物的数字是它带来的额外健康风险（短期入院或死亡风险增加的百分比），按过去 3 小时平均浓度计算。各项相加即为总风险，再换算成指数级别；条形表示该项在总风险中所占比例。',
    en: 'Each figure is the added health risk from that pollutant (the % rise in short-term hospital admissions or deaths), from its mean over the last hours. The counted ones add up to the total risk, which sets the band; each bar is its share of that total.',
  },
  breakpoint: {
    zh: '每个数字是该污染物的分指数（按其浓度分段换算）。总指数取最高的分指数，不相加；条形表示与最高一项相比的大小。',
    en: 'Each figure is that pollutant’s sub-index (its concentration placed on the standard’s breakpoints). The index is the highest sub-index, not a sum; each bar is its size against the highest.',
  },
  greyed: { zh: '灰色项目：已计算但未计入指数。', en: 'Greyed: worked out but not counted in the index.' },
  pmGroup: { zh: '{p} 未计入：PM2.5 与 PM10 只计一次，取风险较大的 {other}', en: '{p} not counted: PM2.5 and PM10 count once, by the larger ({other})' },
  ownTerm: { zh: '{p}（{term}）未计入：同一污染物取较高的一项（{other}）', en: '{p} ({term}) not counted: a pollutant counts once, by its highest term ({other})' },
  aboveTable: { zh: '{p}（{term}）仅供参考：浓度超出本项分段表，分指数取自其他时段', en: '{p} ({term}) for information: above its table, the sub-index comes from another averaging time' },
  notCounted: { zh: '{p}（{term}）已计算但按本标准不计入', en: '{p} ({term}) worked out, but the standard does not count it' },
  missing: { zh: '{p} 缺失：{why}', en: '{p} missing: {why}' },
  'no-data': { zh: '没有数据', en: 'no readings' },
  'too-few-hours': { zh: '有效小时不足（{valid}/{required}）', en: 'too few valid hours ({valid} of {required})' },
  invalid: { zh: '数据无效', en: 'invalid readings' },
  'undefined-above-range': { zh: '浓度超出标准范围', en: 'above the range the standard defines' },
});

/** @param {keyof typeof WORDS} key @param {Record<string, string | number>} [vars] */
function word(key, vars = {}) {
  return WORDS[key][language()].replace(/\{(\w+)\}/g, (_, name) => String(vars[name] ?? ''));
}

const POLLUTANT_NAMES = /** @type {Record<string, string>} */ ({ pm25: 'PM2.5', pm10: 'PM10', o3: 'O₃', no2: 'NO₂', so2: 'SO₂', co: 'CO' });
/** @param {string} p */
const pollutantName = (p) => POLLUTANT_NAMES[p] ?? p;

/** The profile's bands with their colours and names. @param {FeedProfile} profile */
export function bandLegend(profile) {
  const categories = profile.categories ?? [];
  if (categories.length === 0) return null;
  /** @param {number} band */
  const bandLabel = (band) => (band === 11 && profile.openBandLabel !== undefined ? profile.openBandLabel : String(band));
  return h(
    'section',
    { class: 'band-legend', 'aria-label': word('legend') },
    h('span', { class: 'muted' }, `${word('legend')}:`),
    ...categories.map((c) => {
      const range = profile.kind === 'risk-sum' ? (c.fromBand === c.toBand ? bandLabel(c.fromBand) : `${bandLabel(c.fromBand)}–${bandLabel(c.toBand)}`) : null;
      const chip = h('span', { class: 'legend-chip', 'data-category': c.id }, range === null ? localized(c.name) : `${range} ${localized(c.name)}`);
      chip.style.background = c.color;
      chip.style.color = textColorOn(c.color);
      return chip;
    }),
  );
}

/** The history range choices, in hours. */
export const RANGES = /** @type {const} */ ([24, 168, 720]);

/**
 * @param {number} hours the range shown
 * @param {(hours: number) => void} choose
 */
export function rangePicker(hours, choose) {
  const labels = { 24: word('h24'), 168: word('d7'), 720: word('d30') };
  return h(
    'div',
    { class: 'range-picker', role: 'group', 'aria-label': word('range') },
    h('span', { class: 'muted' }, `${word('range')}:`),
    ...RANGES.map((r) => {
      const button = h('button', { type: 'button', class: 'range', 'data-hours': r, 'aria-pressed': String(r === hours) }, labels[r]);
      button.addEventListener('click', () => choose(r));
      return button;
    }),
  );
}

/** The trend's heading for a range. @param {number} hours */
export function trendHeading(hours) {
  return hours <= 24 ? word('trend24') : hours <= 168 ? word('trend7') : word('trend30');
}

/** How to read the contribution figures, folded. @param {StationIndex} station */
export function contributionsHelp(station) {
  const additive = station.contributions.length > 0 && station.contributions.every((c) => c.kind === 'added-risk-pct');
  const greyed = station.contributions.some((c) => !c.counted);
  return h(
    'details',
    { class: 'contributions-help' },
    h('summary', {}, word('howToRead')),
    h('p', {}, additive ? word('additive') : word('breakpoint')),
    greyed ? h('p', {}, word('greyed')) : null,
  );
}

/**
 * Why a contribution is greyed (worked out, not counted), in words.
 * @param {Contribution} c
 * @param {StationIndex} station
 */
export function notCountedReason(c, station) {
  const p = pollutantName(c.pollutant);
  if (c.kind === 'added-risk-pct' && (c.pollutant === 'pm25' || c.pollutant === 'pm10')) {
    const other = station.contributions.find((x) => x.counted && (x.pollutant === 'pm25' || x.pollutant === 'pm10'));
    if (other !== undefined) return word('pmGroup', { p, other: pollutantName(other.pollutant) });
  }
  const sibling = station.contributions.find((x) => x.counted && x.pollutant === c.pollutant && x.term !== c.term);
  if (sibling !== undefined) return word('ownTerm', { p, term: c.term, other: sibling.term });
  if (c.kind !== 'added-risk-pct') return word('aboveTable', { p, term: c.term });
  return word('notCounted', { p, term: c.term });
}

/** A missing pollutant and why, in words. @param {StationIndex['missing'][number] & { validHours?: number, requiredHours?: number }} m */
export function missingReason(m) {
  const reason = /** @type {keyof typeof WORDS} */ (m.reason in WORDS ? m.reason : 'invalid');
  return word('missing', { p: pollutantName(m.pollutant), why: word(reason, { valid: m.validHours ?? 0, required: m.requiredHours ?? 0 }) });
}
