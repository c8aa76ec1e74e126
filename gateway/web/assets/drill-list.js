// @ts-check
import { h } from './dom.js';
import { formatTime } from './format.js';
import { label, plural, t } from './i18n.js';
import { api } from './session.js';

/*
 * Drill reports in the console (GET /api/drills): when, where, who acked first and how fast
 * against the grid's target, which channels failed; each exportable as CSV.
 */

/**
 * @typedef {object} DrillReport
 * @property {string} id
 * @property {{ id: string, name: string }} grid
 * @property {string} scenario
 * @property {string} startedAt
 * @property {'running' | 'ended'} state
 * @property {{ person: { name: string }, afterS: number } | null} firstAck
 * @property {{ firstAckWithinS: number | null }} targets
 * @property {{ firstAck: boolean | null }} met
 * @property {unknown[]} failedChannels
 */

/** @param {DrillReport} drill */
function drillLine(drill) {
  const ack = drill.firstAck === null ? t('drill.noAck') : t('drill.firstAck', { name: drill.firstAck.person.name, s: Math.round(drill.firstAck.afterS) });
  // No verdict while the answer is still open (running, nobody yet).
  const target =
    drill.targets.firstAckWithinS === null || drill.met.firstAck === null ? '' : ` · ${t(drill.met.firstAck ? 'drill.met' : 'drill.missed', { s: drill.targets.firstAckWithinS })}`;
  return h(
    'li',
    { 'data-drill-id': drill.id },
    h('strong', {}, t('drill.title', { scenario: label('kind', drill.scenario), grid: drill.grid.name })),
    ` · ${formatTime(drill.startedAt)}${drill.state === 'running' ? ` · ${t('drill.running')}` : ''}`,
    h('span', { class: 'line' }, ack + target),
    drill.failedChannels.length === 0 ? null : h('span', { class: 'line' }, plural('drill.failedChannels', drill.failedChannels.length)),
    h('a', { class: 'line', href: `/api/drills/${encodeURIComponent(drill.id)}?format=csv`, download: '' }, t('drill.csv')),
  );
}

/**
 * Fills the drills section; hidden while there are none.
 * @param {HTMLElement} section
 */
export async function showDrills(section) {
  /** @type {{ drills: DrillReport[] }} */
  const body = await api('/api/drills');
  section.hidden = body.drills.length === 0;
  section.replaceChildren(h('summary', {}, t('drill.reports', { n: body.drills.length })), h('ul', { class: 'drill-list' }, ...body.drills.slice(0, 20).map(drillLine)));
}
