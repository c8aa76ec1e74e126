import type { SqliteDatabase } from '../store/sqlite-database.js';
import type { Sharing } from '../registry/schemas.js';

/** How a choice reached us (PIPL art. 29: separate consent, which we must be able to show). */
export const SHARING_BASES = ['in_person', 'paper_form', 'app'] as const;
export type SharingBasis = (typeof SHARING_BASES)[number];

export interface SharingRecord {
  resident: string;
  sharing: Sharing;
  recordedBy: string;
  recordedAtMs: number;
  basis: SharingBasis;
  /** The paper form's reference, for `paper_form`. */
  formRef: string | null;
}

interface Row {
  resident_id: string;
  choices: string;
  recorded_by: string;
  recorded_at_ms: number;
  basis: SharingBasis;
  form_ref: string | null;
}

const fromRow = (r: Row): SharingRecord => ({
  resident: r.resident_id,
  sharing: JSON.parse(r.choices) as Sharing,
  recordedBy: r.recorded_by,
  recordedAtMs: r.recorded_at_ms,
  basis: r.basis,
  formRef: r.form_ref,
});

/** Every sharing choice as recorded, newest last; the resident's registry entry holds the one in force. */
export class SharingRecords {
  constructor(private readonly db: SqliteDatabase) {}

  append(record: SharingRecord): void {
    this.db
      .prepare('INSERT INTO sharing_records (resident_id, choices, recorded_by, recorded_at_ms, basis, form_ref) VALUES (?, ?, ?, ?, ?, ?)')
      .run(record.resident, JSON.stringify(record.sharing), record.recordedBy, record.recordedAtMs, record.basis, record.formRef);
  }

  latest(residentId: string): SharingRecord | undefined {
    const row = this.db.prepare('SELECT * FROM sharing_records WHERE resident_id = ? ORDER BY seq DESC LIMIT 1').get(residentId) as Row | undefined;
    return row === undefined ? undefined : fromRow(row);
  }

  history(residentId: string): SharingRecord[] {
    return (this.db.prepare('SELECT * FROM sharing_records WHERE resident_id = ? ORDER BY seq').all(residentId) as Row[]).map(fromRow);
  }

  /** A resident who left: their choices go with them (the access log keeps its rows). */
  forget(residentId: string): void {
    this.db.prepare('DELETE FROM sharing_records WHERE resident_id = ?').run(residentId);
  }
}
