// @ts-check
import { byId, h } from './dom.js';
import { formatAge, formatTime } from './format.js';
import { label, onLanguageChange, t } from './i18n.js';
import { api, ApiError, requireSession } from './session.js';
import { mountShell } from './shell.js';

/** @typedef {import('./types.js').AlertView} AlertView */
/** @typedef {{ id: string, name: string, gridName: string | null, shares: string[] }} Patient */
/** @typedef {{ min: number, mean: number, max: number, n: number }} Summary */
/** @typedef {{ at: string, hr: Summary | null, spo2: Summary | null, sbp: Summary | null, dbp: Summary | null }} HourOfVitals */

/*
 * A family doctor's page: their own patients by name, each with what the patient shares with their
 * doctor: open alerts (GET /api/alerts, already filtered for the doctor), a 24-hour vitals summary
 * (GET /api/residents/:id/vitals, when vitals are shared) and the emergency-rule marker. The
 * patient list is GET /api/doctor. Ids are used for the calls only, never shown.
 */

const body = byId('doctor-body', HTMLDivElement);
const errorBox = byId('doctor-error', HTMLParagraphElement);

/** @type {{ patients: Patient[], alerts: AlertView[], vitals: Map<string, HourOfVitals[] | null> } | null} */
let view = null;

/**
 * One field's summary over the hours: overall min and max, the mean weighted by readings.
 * @param {HourOfVitals[]} hours
 * @param {'hr' | 'spo2' | 'sbp' | 'dbp'} field
 */
function over(hours, field) {
  const seen = hours.map((hour) => hour[field]).filter((s) => s !== null);
  if (seen.length === 0) return null;
  const n = seen.reduce((sum, s) => sum + s.n, 0);
  const mean = Math.round(seen.reduce((sum, s) => sum + s.mean * s.n, 0) / n);
  return { min: Math.min(...seen.map((s) => s.min)), max: Math.max(...seen.map((s) => s.max)), mean };
}

/** @param {HourOfVitals[] | null} hours */
function vitalsBlock(hours) {
  if (hours === null) return h('p', { class: 'muted', 'data-field': 'vitals' }, t('doctor.vitalsHidden'));
  const hr = over(hours, 'hr');
  const spo2 = over(hours, 'spo2');
  const sbp = over(hours, 'sbp');
  const dbp = over(hours, 'dbp');
  if (hr === null && spo2 === null && sbp === null) return h('p', { class: 'muted', 'data-field': 'vitals' }, t('doctor.vitalsNone'));
  return h(
    'div',
    { 'data-field': 'vitals' },
    hr === null ? null : h('p', { 'data-vital': 'hr' }, t('doctor.hr', { mean: hr.mean, min: hr.min, max: hr.max })),
    spo2 === null ? null : h('p', { 'data-vital': 'spo2' }, t('doctor.spo2', { mean: spo2.mean, min: spo2.min, max: spo2.max })),
    sbp === null || dbp === null ? null : h('p', { 'data-vital': 'bp' }, t('doctor.bp', { sbp: sbp.mean, dbp: dbp.mean })),
  );
}

/** @param {AlertView} alert */
function alertItem(alert) {
  return h(
    'li',
    { class: `card sev-${alert.severity}`, 'data-alert': alert.id },
    h('p', { class: 'kind' }, label('kind', alert.kind)),
    alert.sharedUnder === 'emergency' ? h('p', { class: 'emergency-mark', 'data-field': 'shared-under' }, t('doctor.emergency')) : null,
    h('p', {}, t('doctor.since', { time: formatTime(alert.createdAt), age: formatAge(alert.createdAt) })),
  );
}

/** @param {NonNullable<typeof view>} v */
function render(v) {
  document.title = t('doctor.title');
  const cards = v.patients.map((patient) => {
    const alerts = v.alerts.filter((a) => a.subject === patient.id);
    return h(
      'section',
      { class: 'card', 'data-patient': patient.name },
      h('h2', {}, patient.name),
      patient.gridName === null ? null : h('p', { class: 'muted' }, t('doctor.grid', { grid: patient.gridName })),
      h('h3', {}, t('doctor.alerts')),
      alerts.length === 0 ? h('p', { 'data-field': 'all-well' }, t('doctor.allWell')) : h('ol', { class: 'family-alerts' }, ...alerts.map(alertItem)),
      h('h3', {}, t('doctor.vitals')),
      vitalsBlock(v.vitals.get(patient.id) ?? null),
    );
  });
  body.replaceChildren(
    h('div', { class: 'family-view' }, h('h1', { id: 'doctor-title' }, t('doctor.title')), ...(cards.length === 0 ? [h('p', {}, t('doctor.none'))] : cards)),
  );
}

/** @param {string} id the patient's vitals, or null when they do not share them with their doctor */
async function vitalsOf(id) {
  try {
    /** @type {{ hours: HourOfVitals[] }} */
    const found = await api(`/api/residents/${encodeURIComponent(id)}/vitals?hours=24`);
    return found.hours;
  } catch (err) {
    if (err instanceof ApiError && err.code === 'GW_ERR_SHARING_NOT_SHARED') return null;
    throw err;
  }
}

async function load() {
  try {
    /** @type {{ patients: Patient[] }} */
    const list = await api('/api/doctor');
    /** @type {{ alerts: AlertView[] }} */
    const open = await api('/api/alerts?state=open,acked&limit=200');
    const vitals = new Map(await Promise.all(list.patients.map(async (p) => /** @type {const} */ ([p.id, p.shares.includes('vitals') ? await vitalsOf(p.id) : null]))));
    view = { patients: list.patients, alerts: open.alerts, vitals };
    errorBox.hidden = true;
    render(view);
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) return;
    errorBox.textContent = t('doctor.loadFailed');
    errorBox.hidden = false;
  }
}

const me = await requireSession(['doctor']);
if (me !== undefined) {
  mountShell('doctor', me);
  await load();
  onLanguageChange(() => {
    if (view !== null) render(view);
  });
  // Live: any change to an alert the doctor may see reloads the page (the cookie opens the stream).
  const stream = new EventSource('/api/alerts/stream');
  stream.addEventListener('alert', () => void load());
}
