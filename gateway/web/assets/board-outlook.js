// @ts-check
import { h, textColorOn } from './dom.js';
import { language, localized } from './i18n.js';
import { api } from './session.js';

/*
 * A station's outlook on the index board: yesterday's daily report card and the forecast strip
 * (the next 24 hours in band colours, tomorrow's highest band, where the forecast comes from and
 * how good it has been). Its words are its own, in zh and en, so the board's other texts are
 * left to their module.
 */

/**
 * @typedef {{ id: string, name: { zh: string, en: string }, color: string }} Category
 * @typedef {{ band: number, display: string, category: Category | null }} BandView
 * @typedef {{ date: string, max: number | null, mean: number | null, min: number | null,
 *   bands: { max: BandView | null, mean: BandView | null, min: BandView | null },
 *   dominant: { pollutant: string, hours: number } | null, hoursCounted: number, hoursExpected: number,
 *   incomplete: boolean, revision: number }} DailyReport
 * @typedef {{ n: number, mae: number | null, bandHitRate: number | null, persistenceMae: number | null }} LeadSkill
 * @typedef {{ source: 'official' | 'model' | 'persistence', reason: string | null, reasonText?: { zh: string, en: string } | null, issuer: { role: string } | null,
 *   hours: { at: string, index: number | null, band: number, category: Category | null }[],
 *   tomorrow: { date: string, band: number, category: Category | null } | null,
 *   skill: { h1: LeadSkill, h6: LeadSkill, h24: LeadSkill } }} Forecast
 */

const WORDS = /** @type {const} */ ({
  yesterday: { zh: '昨日报告', en: 'Yesterday’s report' },
  noReport: { zh: '尚无日报', en: 'No daily report yet' },
  max: { zh: '最高', en: 'Highest' },
  mean: { zh: '平均', en: 'Mean' },
  min: { zh: '最低', en: 'Lowest' },
  hours: { zh: '有效小时', en: 'Hours counted' },
  incomplete: { zh: '数据不完整', en: 'Incomplete' },
  dominant: { zh: '主要污染物', en: 'Main pollutant' },
  revision: { zh: '修订', en: 'revision' },
  forecast: { zh: '未来 24 小时预报', en: 'Next 24 hours' },
  tomorrow: { zh: '明日最高', en: 'Tomorrow at worst' },
  official: { zh: '官方预报（环境部门）', en: 'Official forecast (environment bureau)' },
  model: { zh: '模型预报（本站历史）', en: 'Model forecast (this station’s history)' },
  persistence: { zh: '持续法（维持当前指数）', en: 'Persistence (the index as it is now)' },
  skill: { zh: '过去 30 天的误差（模型 / 持续法）', en: 'Error over the last 30 days (model / persistence)' },
  noSkill: { zh: '尚无评分', en: 'not scored yet' },
});

const POLLUTANT_NAMES = /** @type {Record<string, string>} */ ({ pm25: 'PM2.5', pm10: 'PM10', o3: 'O₃', no2: 'NO₂', so2: 'SO₂', co: 'CO' });

/** @param {keyof typeof WORDS} key */
const word = (key) => WORDS[key][language()];

/** @type {Map<string, { report: DailyReport | null, forecast: Forecast | null }>} */
const outlooks = new Map();

/** Fetches a station's latest daily report and forecast (both public). @param {string} stationId */
export async function loadOutlook(stationId) {
  const id = encodeURIComponent(stationId);
  const [daily, forecast] = await Promise.all([
    api(`/api/aqhi/${id}/daily?days=1`, { token: null }).catch(() => null),
    api(`/api/aqhi/${id}/forecast`, { token: null }).catch(() => null),
  ]);
  outlooks.set(stationId, { report: /** @type {{ reports: DailyReport[] } | null} */ (daily)?.reports[0] ?? null, forecast: /** @type {Forecast | null} */ (forecast) });
}

/** @param {Category | null} category @param {string} text @param {string} cls */
function swatch(category, text, cls) {
  const el = h('span', { class: cls, title: category === null ? '' : localized(category.name) }, text);
  if (category !== null) {
    el.style.background = category.color;
    el.style.color = textColorOn(category.color);
  }
  return el;
}

/** @param {DailyReport | null} r */
function reportCard(r) {
  if (r === null) return h('section', { class: 'daily-card', 'data-report': 'none' }, h('h3', {}, word('yesterday')), h('p', { class: 'muted' }, word('noReport')));
  /** @param {'max' | 'mean' | 'min'} k */
  const figure = (k) => h('span', { class: `daily-${k}` }, `${word(k)} `, swatch(r.bands[k]?.category ?? null, r.bands[k]?.display ?? '—', 'band-chip'));
  return h(
    'section',
    { class: 'daily-card', 'data-report': r.date, 'data-incomplete': String(r.incomplete) },
    h('h3', {}, `${word('yesterday')} · ${r.date}${r.revision > 1 ? ` (${word('revision')} ${r.revision})` : ''}`),
    h('p', { class: 'daily-figures' }, figure('max'), ' ', figure('mean'), ' ', figure('min')),
    h(
      'p',
      { class: 'muted' },
      `${word('hours')} ${r.hoursCounted}/${r.hoursExpected}`,
      r.incomplete ? h('strong', { class: 'incomplete-mark' }, ` · ⚠ ${word('incomplete')}`) : null,
      r.dominant === null ? null : ` · ${word('dominant')}: ${POLLUTANT_NAMES[r.dominant.pollutant] ?? r.dominant.pollutant}`,
    ),
  );
}

/** @param {LeadSkill} s */
const skillText = (s) => (s.mae === null ? word('noSkill') : `${s.mae} / ${s.persistenceMae ?? '—'}`);

/** @param {Forecast | null} f */
function forecastStrip(f) {
  if (f === null) return null;
  const source = f.source === 'official' ? word('official') : f.source === 'model' ? word('model') : word('persistence');
  return h(
    'section',
    { class: 'forecast-strip', 'data-source': f.source },
    h('h3', {}, word('forecast')),
    h('div', { class: 'forecast-hours' }, ...f.hours.map((x) => swatch(x.category, String(x.band === 11 ? '10+' : x.band), 'forecast-hour'))),
    f.tomorrow === null ? null : h('p', { class: 'forecast-tomorrow' }, `${word('tomorrow')} (${f.tomorrow.date}): `, swatch(f.tomorrow.category, String(f.tomorrow.band), 'band-chip')),
    h('p', { class: 'forecast-source muted' }, source, f.reasonText != null ? ` · ${localized(f.reasonText)}` : f.reason === null ? null : ` · ${f.reason}`),
    h('p', { class: 'forecast-skill muted' }, `${word('skill')}: 1 h ${skillText(f.skill.h1)}, 6 h ${skillText(f.skill.h6)}, 24 h ${skillText(f.skill.h24)}`),
  );
}

/** The outlook of a station, or nothing before it has loaded. @param {string} stationId */
export function outlookSection(stationId) {
  const o = outlooks.get(stationId);
  if (o === undefined) return null;
  return h('div', { class: 'outlook' }, reportCard(o.report), forecastStrip(o.forecast));
}
