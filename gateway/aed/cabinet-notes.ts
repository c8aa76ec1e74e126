import type { AedNoteOutcome } from '../../rules/aed/index.js';
import { durationWords, systemNote, type SystemNoteCode } from '../alerts/system-notes.js';
import type { NoteEntry } from '../../rules/safety/index.js';

/*
 * The cabinet rules write their timeline lines in English for the log; a person reads them from
 * here, in both languages, by what the outcome's details say happened (not by its wording, which
 * the rules may change): an opening's end and why, the AED taken out, a part expired.
 */

const PART_WORDS: Record<string, { en: string; zh: string }> = {
  pads_expiring: { en: 'pads', zh: '电极片' },
  battery_expiring: { en: 'battery', zh: '电池' },
};

const END_CODES: Record<string, SystemNoteCode> = {
  door_closed: 'cabinetClosed',
  aed_returned: 'aedReturned',
  restock_confirmed: 'restockConfirmed',
  maintenance_start: 'maintenanceStarted',
};

/** The note a person reads for a cabinet rule's line; `nameOf` turns a person's id into a name. */
export function cabinetNote(outcome: Pick<AedNoteOutcome, 'text' | 'details'>, atMs: number, nameOf: (id: string) => string): NoteEntry {
  const d = outcome.details as Record<string, unknown>;
  const by = typeof d.by === 'string' ? { name: nameOf(d.by), nameZh: nameOf(d.by) } : { name: 'The guardian', nameZh: '管理人' };
  const inUse = typeof d.inUseForS === 'number' ? d.inUseForS : null;
  const durations = inUse === null ? { duration: '—', durationZh: '—' } : { duration: durationWords(inUse, 'en'), durationZh: durationWords(inUse, 'zh') };
  const reason = typeof d.reason === 'string' ? d.reason : null;
  if (reason !== null && END_CODES[reason] !== undefined) {
    const code = END_CODES[reason];
    if (code === 'restockConfirmed') return systemNote(code, by, atMs);
    return systemNote(code, durations, atMs);
  }
  // A restock confirmed after the opening had already ended.
  if (reason === null && 'by' in d && typeof d.openingId !== 'string') return systemNote('restockConfirmed', by, atMs);
  if (typeof d.faultKey === 'string' && typeof d.expiresOn === 'string') {
    const part = PART_WORDS[d.faultKey] ?? { en: 'part', zh: '部件' };
    return systemNote('partExpired', { part: part.en, partZh: part.zh, date: d.expiresOn }, atMs);
  }
  if (typeof d.openingId === 'string') return systemNote('aedTakenOut', {}, atMs);
  // A line these words do not know yet: said neutrally, the rules' own text kept as detail.
  return systemNote('cabinetRecorded', {}, atMs, outcome.text);
}
