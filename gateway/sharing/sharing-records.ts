import type { SqliteDatabase } from '../store/sqlite-database.js';
import { settle } from '../store/settle.js';
import type { Sharing } from '../registry/schemas.js';
import type { SharingBasis, SharingRecord } from '../registry/registry-store.js';

export { SHARING_BASES, type SharingBasis, type SharingRecord } from '../registry/registry-store.js';

/**
 * Every sharing choice as recorded, newest last; the resident's registry entry holds the one in
 * force. Records are written with that entry, by the registry's store (`sharingRecord` of its
 * side writes), and go with the resident when they leave the programme.
 */
export interface SharingRecords {
  latest(residentId: string): Promise<SharingRecord | undefined>;
  history(residentId: string): Promise<SharingRecord[]>;
}

/** A row of `sharing_records`, as both stores keep it. */
export interface SharingRecordRow {
  resident_id: string;
  choices: string;
  recorded_by: string;
  recorded_at_ms: number | string;
  basis: SharingBasis;
  form_ref: string | null;
}

export const sharingRecordOf = (r: SharingRecordRow): SharingRecord => ({
  resident: r.resident_id,
  sharing: JSON.parse(r.choices) as Sharing,
  recordedBy: r.recorded_by,
  recordedAtMs: Number(r.recorded_at_ms),
  basis: r.basis,
  formRef: r.form_ref,
});

/** Table `sharing_records` of the embedded store. */
export class SqliteSharingRecords implements SharingRecords {
  constructor(private readonly db: SqliteDatabase) {}

  latest(residentId: string): Promise<SharingRecord | undefined> {
    return settle(() => {
      const row = this.db.prepare('SELECT * FROM sharing_records WHERE resident_id = ? ORDER BY seq DESC LIMIT 1').get(residentId) as SharingRecordRow | undefined;
      return row === undefined ? undefined : sharingRecordOf(row);
    });
  }

  history(residentId: string): Promise<SharingRecord[]> {
    return settle(() => (this.db.prepare('SELECT * FROM sharing_records WHERE resident_id = ? ORDER BY seq').all(residentId) as SharingRecordRow[]).map(sharingRecordOf));
  }
}
