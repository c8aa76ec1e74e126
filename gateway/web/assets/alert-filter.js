// @ts-check
import { kindLabel } from './alert-text.js';
import { h } from './dom.js';
import { label, t } from './i18n.js';

/** @typedef {import('./types.js').AlertView} AlertView */

/*
 * The inbox's filters: state, kind, severity and grid, and a search over the resident's (or the
 * cabinet's) name and address. The choice stays in the address (#…&q=…) only while the tab lives.
 */

const STATES = ['active', 'open', 'acked', 'resolved', 'all'];
const SEVERITIES = ['critical', 'high', 'medium', 'low'];
const KINDS = ['fall', 'sos', 'vitals', 'no_motion', 'stayed_in', 'wandering', 'device_offline', 'battery_low', 'not_worn', 'aed_opened', 'aed_fault', 'aqhi_high', 'bin_full'];

/**
 * @typedef {object} AlertFilter
 * @property {HTMLElement} element
 * @property {() => boolean} wantsResolved
 * @property {(alert: AlertView, words: string) => boolean} matches
 * @property {() => boolean} active
 */

/**
 * @param {string} id
 * @param {string} name
 * @param {[string, string][]} options
 * @param {() => void} onChange
 */
function select(id, name, options, onChange) {
  const element = h('select', { id, 'data-filter': name }, ...options.map(([value, text]) => h('option', { value }, text)));
  element.addEventListener('change', onChange);
  return { element, field: h('label', { class: 'filter-field' }, h('span', {}, t(/** @type {'filter.state'} */ (`filter.${name}`))), element) };
}

/**
 * @param {{ grids: { id: string, name: string }[], onChange: (reload: boolean) => void }} options
 * @returns {AlertFilter}
 */
export function createAlertFilter(options) {
  const state = select('filter-state', 'state', STATES.map((s) => [s, s === 'active' ? t('filter.active') : s === 'all' ? t('filter.any') : label('state', s)]), () =>
    options.onChange(true),
  );
  const kind = select('filter-kind', 'kind', [['', t('filter.any')], ...KINDS.map((k) => /** @type {[string, string]} */ ([k, kindLabel(k)]))], () => options.onChange(false));
  const severity = select('filter-severity', 'severity', [['', t('filter.any')], ...SEVERITIES.map((s) => /** @type {[string, string]} */ ([s, label('severity', s)]))], () =>
    options.onChange(false),
  );
  const grid = select('filter-grid', 'grid', [['', t('filter.any')], ...options.grids.map((g) => /** @type {[string, string]} */ ([g.id, g.name]))], () => options.onChange(false));
  const search = h('input', { id: 'filter-search', type: 'search', placeholder: t('filter.search'), 'aria-label': t('filter.search'), autocomplete: 'off' });
  search.addEventListener('input', () => options.onChange(false));
  const element = h(
    'details',
    { class: 'filters' },
    h('summary', {}, t('filter.title')),
    h('div', { class: 'filter-row' }, state.field, kind.field, severity.field, options.grids.length > 1 ? grid.field : null),
  );
  const wrapper = h('div', { class: 'filter-bar' }, search, element);
  return {
    element: wrapper,
    wantsResolved: () => state.element.value === 'resolved' || state.element.value === 'all',
    active: () => search.value.trim() !== '' || state.element.value !== 'active' || kind.element.value !== '' || severity.element.value !== '' || grid.element.value !== '',
    matches: (alert, words) => {
      const s = state.element.value;
      if (s === 'active' && alert.state === 'resolved') return false;
      if (s !== 'active' && s !== 'all' && alert.state !== s) return false;
      if (kind.element.value !== '' && alert.kind !== kind.element.value) return false;
      if (severity.element.value !== '' && alert.severity !== severity.element.value) return false;
      if (grid.element.value !== '' && alert.grid !== grid.element.value) return false;
      const query = search.value.trim().toLowerCase();
      return query === '' || words.toLowerCase().includes(query);
    },
  };
}
