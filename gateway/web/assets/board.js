// @ts-check
import { byId, h, textColorOn } from './dom.js';
import { formatAge, formatTime, syncClock } from './format.js';
import { localized, onLanguageChange, t } from './i18n.js';
import { openAqhiStream } from './live.js';
import { errorSentence } from './error-text.js';
import { api, fetchMe, signedIn } from './session.js';
import { mountShell } from './shell.js';
import { trendChart } from './trend-chart.js';
import { loadOutlook, outlookSection } from './board-outlook.js';
import { bandLegend, contributionsHelp, missingReason, notCountedReason, rangePicker, RANGES, trendHeading } from './board-legend.js';

/** @typedef {import('./types.js').AqhiFeed} AqhiFeed */
/** @typedef {import('./types.js').StationIndex} StationIndex */
/** @typedef {import('./types.js').AqhiHistory} AqhiHistory */
/** @typedef {import('./types.js').HealthAdvice} HealthAdvice */

/*
 * The environment bureau's index board: every station's current index in its band colour, the
 * 24-hour trend, what each pollutant adds, the health advice and when the station last reported.
 * The feed is public, so the board works without signing in (a lobby screen).
 */

const grid = byId('stations', HTMLDivElement);
const meta = byId('board-meta', HTMLParagraphElement);
const profileLine = byId('board-profile', HTMLParagraphElement);
const errorLine = byId('board-error', HTMLParagraphElement);
const legendLine = byId('board-legend', HTMLDivElement);

const RANGE_KEY = 'board.rangeHours';
/** The history range shown (24 h, 7 d or 30 d), kept on this screen. */
let rangeHours = /** @type {number} */ (RANGES.find((r) => String(r) === localStorage.getItem(RANGE_KEY)) ?? 24);

/** @type {AqhiFeed | undefined} */
let feed;
/** @type {Map<string, AqhiHistory>} */
const histories = new Map();
/** @type {Map<string, ReturnType<typeof setTimeout>>} */
const historyTimers = new Map();
let live = false;

const POLLUTANT_NAMES = /** @type {Record<string, string>} */ ({ pm25: 'PM2.5', pm10: 'PM10', o3: 'O₃', no2: 'NO₂', so2: 'SO₂', co: 'CO' });

/** @param {string} pollutant */
function pollutantName(pollutant) {
  return POLLUTANT_NAMES[pollutant] ?? pollutant;
}

/** @param {import('./types.js').Contribution} c */
function contributionValue(c) {
  return c.kind === 'added-risk-pct' ? `${c.value.toFixed(2)}%` : String(Math.round(c.value));
}

/** @param {StationIndex} station */
function contributions(station) {
  if (station.contributions.length === 0) return h('p', { class: 'muted' }, t('board.noContributions'));
  const total = station.contributions.filter((c) => c.counted).reduce((sum, c) => sum + Math.max(0, c.value), 0);
  const largest = Math.max(...station.contributions.map((c) => Math.max(0, c.value)));
  // AQHI terms add up (each bar is its share of the sum); AQI sub-indices do not (each bar is against the largest).
  const additive = station.contributions.every((c) => c.kind === 'added-risk-pct');
  return h(
    'ul',
    { class: 'contributions' },
    ...station.contributions.map((c) => {
      const share = (additive ? (c.counted ? c.value / (total || 1) : 0) : c.value / (largest || 1)) * 100;
      const fill = h('span', { class: 'bar-fill' });
      fill.style.setProperty('--share', `${Math.max(0, Math.min(100, share)).toFixed(1)}%`);
      return h(
        'li',
        {
          class: `contribution${c.counted ? '' : ' not-counted'}`,
          'data-pollutant': c.pollutant,
          title: c.counted ? `${c.term}: ${c.concentration} ${c.unit}` : notCountedReason(c, station),
        },
        h('span', {}, pollutantName(c.pollutant)),
        h('span', { class: 'bar', role: 'presentation' }, fill),
        h('span', { class: 'contribution-value' }, contributionValue(c)),
      );
    }),
  );
}

/** @param {HealthAdvice} advice */
function adviceList(advice) {
  /** @param {keyof HealthAdvice} group */
  const item = (group) => [h('dt', {}, t(`board.advice.${group}`)), h('dd', {}, localized(advice[group]))];
  return h(
    'dl',
    { class: 'advice' },
    ...item('generalPublic'),
    ...item('heartOrRespiratory'),
    h('details', {}, h('summary', {}, t('board.moreAdvice')), h('dl', { class: 'advice' }, ...item('elderly'), ...item('children'), ...item('outdoorWorkers'))),
  );
}

/** @param {StationIndex} station */
function tile(station) {
  const color = station.color ?? station.category?.color ?? null;
  const box = h(
    'div',
    { class: 'index-box', 'data-color': color ?? '' },
    h('span', { class: 'index-value' }, station.display ?? '—'),
    h(
      'span',
      {},
      h('span', { class: 'index-category line' }, station.category === null ? t('board.noValue') : localized(station.category.name)),
      station.provisional ? h('span', { class: 'line' }, t('board.provisional')) : null,
    ),
  );
  if (color !== null) {
    box.style.setProperty('--band', color);
    box.style.setProperty('--band-text', textColorOn(color));
  }
  const history = histories.get(station.stationId);
  const missing = station.missing.map((m) => pollutantName(m.pollutant));
  const why = [
    ...station.contributions.filter((c) => !c.counted).map((c) => notCountedReason(c, station)),
    ...station.missing.map(missingReason),
  ];
  return h(
    'article',
    {
      class: `station${station.stale ? ' stale' : ''}`,
      'data-station-id': station.stationId,
      'data-band': station.band ?? '',
      'aria-labelledby': `station-${station.stationId}`,
    },
    h('header', { class: 'station-head' }, h('h2', { id: `station-${station.stationId}` }, station.name), station.districtName === undefined ? null : h('span', { class: 'muted' }, station.districtName)),
    box,
    station.stale ? h('p', { class: 'stale-note', 'data-stale': 'true' }, `⚠ ${t('board.stale')}: ${t('board.staleLong')}`) : null,
    h(
      'div',
      { class: 'station-body' },
      h(
        'p',
        { class: 'reading-time' },
        station.lastReadingAt === null
          ? t('board.noReading')
          : t('board.lastReading', { time: formatTime(station.lastReadingAt), age: formatAge(station.lastReadingAt) }),
      ),
      station.value === null && missing.length > 0 ? h('p', { class: 'muted' }, t('board.missing', { list: missing.join(', ') })) : null,
      h('section', {}, h('h3', {}, trendHeading(rangeHours)), history === undefined || history.hours !== rangeHours ? h('p', { class: 'muted' }, '…') : trendChart(history, station.name)),
      outlookSection(station.stationId),
      h(
        'section',
        {},
        h('h3', {}, t('board.contributions')),
        contributions(station),
        why.length === 0 ? null : h('ul', { class: 'not-counted-why muted' }, ...why.map((line) => h('li', {}, line))),
        contributionsHelp(station),
      ),
      station.advice === null ? null : h('section', {}, h('h3', {}, t('board.advice')), adviceList(station.advice)),
    ),
  );
}

function render() {
  if (feed === undefined) return;
  profileLine.textContent = `${localized(feed.profile.title)}`;
  legendLine.replaceChildren(...[bandLegend(feed.profile), rangePicker(rangeHours, chooseRange)].filter((x) => x !== null));
  meta.textContent = [t('board.stations', { n: feed.stations.length }), t('board.updated', { time: formatTime(feed.generatedAt) }), live ? `● ${t('board.live')}` : ''].filter(Boolean).join(' · ');
  grid.replaceChildren(...feed.stations.map(tile));
}

/** @param {string} stationId */
async function loadHistory(stationId) {
  /** @type {AqhiHistory} */
  const history = await api(`/api/aqhi/${encodeURIComponent(stationId)}/history?hours=${rangeHours}`, { token: null });
  histories.set(stationId, history);
}

/** Shows another history range: every station's chart is fetched again. @param {number} hours */
function chooseRange(hours) {
  rangeHours = hours;
  localStorage.setItem(RANGE_KEY, String(hours));
  render();
  if (feed === undefined) return;
  Promise.all(feed.stations.map((station) => loadHistory(station.stationId).catch(() => undefined)))
    .then(render)
    .catch(() => undefined);
}

/**
 * A new hourly value changes the chart; several index events in a burst fetch it once.
 * @param {string} stationId
 */
function refreshHistorySoon(stationId) {
  clearTimeout(historyTimers.get(stationId));
  historyTimers.set(
    stationId,
    setTimeout(() => {
      Promise.all([loadHistory(stationId), loadOutlook(stationId)])
        .then(render)
        .catch(() => undefined);
    }, 2_000),
  );
}

async function main() {
  let me = null;
  if (signedIn()) me = await fetchMe().catch(() => null);
  mountShell('board', me);
  onLanguageChange(render);
  /** @type {AqhiFeed} */
  const first = await api('/api/aqhi', { token: null });
  feed = first;
  syncClock(first.generatedAt);
  render();
  await Promise.all(first.stations.map((station) => loadHistory(station.stationId).catch(() => undefined)));
  render();
  await Promise.all(first.stations.map((station) => loadOutlook(station.stationId).catch(() => undefined)));
  render();
  openAqhiStream({
    onSnapshot: (snapshot) => {
      feed = snapshot;
      syncClock(snapshot.generatedAt);
      render();
    },
    onIndex: (station) => {
      if (feed === undefined) return;
      const stations = feed.stations.map((known) => (known.stationId === station.stationId ? station : known));
      feed = { ...feed, stations };
      render();
      refreshHistorySoon(station.stationId);
    },
    onStatus: (status) => {
      live = status === 'live';
      render();
    },
  });
  // Ages move on with the clock; a station falls silent without any event, so its stale mark
  // comes from re-reading the feed now and then.
  setInterval(render, 60_000);
  setInterval(() => {
    api('/api/aqhi', { token: null })
      .then((/** @type {AqhiFeed} */ latest) => {
        feed = latest;
        syncClock(latest.generatedAt);
        render();
      })
      .catch(() => undefined);
  }, 300_000);
}

main().catch(async (/** @type {unknown} */ err) => {
  errorLine.textContent = t('error.load', { message: await errorSentence(err) });
  errorLine.hidden = false;
});
