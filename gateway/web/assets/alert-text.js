// @ts-check
import { label, language, t } from './i18n.js';

/** @typedef {import('./types.js').AlertView} AlertView */
/** @typedef {import('./types.js').TimelineEntry} TimelineEntry */
/** @typedef {import('./types.js').Me} Me */

/*
 * Alerts in words: what happened, the escalation step and each timeline entry, with people's
 * names where the gateway told us them (GET /api/me `team`).
 */

export const SEVERITY_RANK = /** @type {const} */ ({ critical: 0, high: 1, medium: 2, low: 3 });
const STATE_RANK = /** @type {const} */ ({ open: 0, acked: 1, resolved: 2 });

/**
 * Open before in hand before resolved; then the most severe; then the newest.
 * @param {AlertView} a
 * @param {AlertView} b
 */
export function inboxOrder(a, b) {
  return STATE_RANK[a.state] - STATE_RANK[b.state] || SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] || Date.parse(b.createdAt) - Date.parse(a.createdAt);
}

/** @param {string} kind */
export function kindLabel(kind) {
  return label('kind', kind);
}

/**
 * The rule's own figures, in words: "fall confidence 92%", "heart rate 38 · SpO₂ 86%".
 * @param {AlertView} alert
 */
export function describeDetails(alert) {
  const d = alert.details;
  if (typeof d.summary === 'string' && d.summary !== '') return d.summary;
  /** @type {string[]} */
  const parts = [];
  if (typeof d.confidence === 'number') parts.push(t('detail.confidence', { value: Math.round(d.confidence * 100) }));
  for (const key of /** @type {const} */ (['hr', 'spo2', 'sbp', 'dbp', 'bat'])) {
    const value = d[key];
    if (typeof value === 'number') parts.push(t(`detail.${key}`, { value: Math.round(value) }));
  }
  if (Array.isArray(d.conditions) && d.conditions.length > 0) parts.push(t('detail.conditions', { value: d.conditions.join(', ') }));
  return parts.join(' · ');
}

/**
 * @param {readonly string[] | undefined} notify
 */
function notifyText(notify) {
  return (notify ?? []).map((target) => label('notify', target)).join(language() === 'zh' ? '、' : ', ');
}

/**
 * "Step 2: backup worker, family" from the latest escalation entry; null before anyone is paged.
 * @param {AlertView} alert
 */
export function escalationText(alert) {
  if (alert.escalationStep === null) return t('alert.escalationNone');
  const entry = [...alert.timeline].reverse().find((e) => e.type === 'escalated' && e.step === alert.escalationStep);
  return t('alert.escalationStep', { n: alert.escalationStep + 1, who: notifyText(entry?.notify) || '—' });
}

/**
 * A person's name for the timeline: "you", a name from the team, or the id.
 * @param {string | null | undefined} id
 * @param {Me} me
 */
export function personName(id, me) {
  if (id === null || id === undefined) return t('timeline.system');
  if (id === me.subject) return t('timeline.you');
  // Someone off this person's rosters: say so rather than show an id.
  return me.team.find((p) => p.id === id)?.name ?? t('timeline.someone');
}

/**
 * One timeline entry as a sentence; notes come separately (they are the person's own words).
 * @param {TimelineEntry} entry
 * @param {Me} me
 */
export function timelineText(entry, me) {
  const channel = label('channel', entry.channel ?? '');
  switch (entry.type) {
    case 'raised': {
      const text =
        entry.occurrence !== undefined && entry.occurrence > 1
          ? t('timeline.repeated', { n: entry.occurrence })
          : t('timeline.raised', { severity: label('severity', entry.severity ?? '') });
      return entry.previousSeverity === undefined ? text : `${text} · ${t('timeline.severityRose', { severity: label('severity', entry.severity ?? '') })}`;
    }
    case 'escalated':
      return entry.reason === 'repage'
        ? t('timeline.repaged', { who: notifyText(entry.notify) || '—' })
        : t('timeline.escalated', { n: (entry.step ?? 0) + 1, who: notifyText(entry.notify) });
    case 'repaged':
      return t(entry.cause === 'new_occurrence' ? 'timeline.repagedAgain' : 'timeline.repaged', { who: notifyText(entry.notify) || '—' });
    case 'paged':
      return t('timeline.paged', { to: personName(entry.to, me), channel });
    case 'delivered':
      return t('timeline.delivered', { to: personName(entry.to, me), channel });
    case 'failed':
      return t('timeline.failed', { to: personName(entry.to, me), channel, why: failureText(entry.code) });
    case 'acked':
      return t('timeline.acked', { by: personName(entry.by, me) });
    case 'resolved':
      return entry.reason === 'cleared' ? t('timeline.cleared') : t('timeline.resolved', { by: personName(entry.by, me) });
    case 'note':
      return t('timeline.note', { by: personName(entry.by, me) });
    case 'digested':
      return t('timeline.digested');
    default:
      // An entry this page does not know yet: a neutral line, never a raw key.
      return t('timeline.other');
  }
}

/**
 * A family contact's relation in the page's language ("child" → 子女); one these words do not
 * know is shown as the registry words it (it is a person's own wording, like a name).
 * @param {string} relation
 */
export function relationText(relation) {
  const key = relation.trim().toLowerCase();
  const words = label('relation', key);
  return words === key ? relation : words;
}

/**
 * Why a page failed, in words; the channel's own text is technical detail, never the sentence.
 * @param {string | undefined} code
 */
export function failureText(code) {
  const words = label('failure', code ?? 'unknown');
  return words === code ? t('failure.unknown') : words;
}

/**
 * The words on an entry, if any: a person's own, or a note the gateway wrote, in this page's
 * language (it sends both).
 * @param {TimelineEntry} entry
 */
export function timelineNote(entry) {
  if (entry.type === 'note') return (language() === 'zh' ? entry.zh : undefined) ?? entry.text ?? null;
  if (entry.type === 'acked' || entry.type === 'resolved') return entry.note ?? null;
  return null;
}
