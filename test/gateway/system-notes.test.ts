import { describe, expect, it } from 'vitest';
import { cabinetNote } from '../../gateway/aed/cabinet-notes.js';
import { ruleNote, SYSTEM_NOTES } from '../../gateway/alerts/system-notes.js';

/*
 * What the gateway writes on a timeline, as a person reads it: each rule's English line becomes
 * a note with a code, both languages and names, found by what happened (the details), not by the
 * wording; a line nobody has words for yet stays neutral and keeps its text as technical detail.
 */

const AT = Date.UTC(2026, 5, 1);
const names: Record<string, string> = { w2: 'Zhao Lei' };
const nameOf = (id: string) => names[id] ?? id;
const ID_SHAPED = /(?<![\w-])[a-z]\d{1,3}(?![\w-])/;

describe('system notes', () => {
  it('words every cabinet line by what happened, in both languages, with names', () => {
    const cases = [
      [{ text: 'The AED was taken out of the cabinet', details: { openingId: 'a1@1' } }, 'aedTakenOut'],
      [{ text: 'x', details: { openingId: 'a1@1', reason: 'door_closed', by: null, inUseForS: 125, aedRemoved: false } }, 'cabinetClosed'],
      [{ text: 'x', details: { openingId: 'a1@1', reason: 'aed_returned', by: null, inUseForS: 300, aedRemoved: true } }, 'aedReturned'],
      [{ text: 'x', details: { openingId: 'a1@1', reason: 'restock_confirmed', by: 'w2', inUseForS: 60, aedRemoved: true } }, 'restockConfirmed'],
      [{ text: 'x', details: { by: 'w2' } }, 'restockConfirmed'],
      [{ text: 'x', details: { openingId: 'a1@1', reason: 'maintenance_start', by: null, inUseForS: 60, aedRemoved: false } }, 'maintenanceStarted'],
      [{ text: 'The pads expired on 2026-05-01', details: { faultKey: 'pads_expiring', expiresOn: '2026-05-01' } }, 'partExpired'],
    ] as const;
    for (const [outcome, code] of cases) {
      const note = cabinetNote(outcome, AT, nameOf);
      expect(note.code, outcome.text).toBe(code);
      expect(note.by).toBeNull();
      expect(note.zh).toMatch(/[\u4e00-\u9fff]/);
      for (const words of [note.text, note.zh!]) expect(words).not.toMatch(ID_SHAPED);
      expect(note.detail).toBeUndefined();
    }
    expect(cabinetNote(cases[3][0], AT, nameOf).text).toBe('Zhao Lei confirmed the cabinet is restocked.');
    expect(cabinetNote(cases[2][0], AT, nameOf).zh).toBe('AED已放回柜中（使用 5 分钟）。');
    expect(cabinetNote(cases[1][0], AT, nameOf).text).toBe('The cabinet door closed with the AED inside (in use 2 min 5 s).');
    expect(cabinetNote(cases[6][0], AT, nameOf).zh).toBe('电极片已于 2026-05-01 过期。');
  });

  it('keeps a line it has no words for as detail, under a neutral sentence', () => {
    const note = cabinetNote({ text: 'Something new happened', details: {} }, AT, nameOf);
    expect([note.code, note.detail]).toEqual(['cabinetRecorded', 'Something new happened']);
    const flow = ruleNote({ kind: 'vitals', text: 'flow says hi', details: {} }, AT);
    expect([flow.code, flow.detail]).toEqual(['ruleRecorded', 'flow says hi']);
  });

  it('words a late cancel of a fall or an SOS', () => {
    expect(ruleNote({ kind: 'fall', text: 'x', details: { raisedAtMs: 1, cancelledAtMs: 2 } }, AT).code).toBe('lateCancelFall');
    expect(ruleNote({ kind: 'sos', text: 'x', details: { raisedAtMs: 1, cancelledAtMs: 2 } }, AT).code).toBe('lateCancelSos');
  });

  it('has every note in both languages, with the same placeholders', () => {
    for (const [code, words] of Object.entries(SYSTEM_NOTES)) {
      expect(words.zh, code).toMatch(/[\u4e00-\u9fff]/);
      const en = [...words.en.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!.replace(/Zh$/, '')).sort();
      const zh = [...words.zh.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!.replace(/Zh$/, '')).sort();
      expect(zh, code).toEqual(en);
    }
  });
});
