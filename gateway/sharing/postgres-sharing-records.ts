import type { PostgresPool } from '../store/postgres-database.js';
import type { SharingRecord } from '../registry/registry-store.js';
import { sharingRecordOf, type SharingRecordRow, type SharingRecords } from './sharing-records.js';

/** Table `sharing_records` in PostgreSQL, written with the resident's entry by the registry's store. */
export class PostgresSharingRecords implements SharingRecords {
  constructor(private readonly pool: PostgresPool) {}

  async latest(residentId: string): Promise<SharingRecord | undefined> {
    const { rows } = await this.pool.query<SharingRecordRow>('SELECT * FROM sharing_records WHERE resident_id = $1 ORDER BY seq DESC LIMIT 1', [residentId]);
    return rows[0] === undefined ? undefined : sharingRecordOf(rows[0]);
  }

  async history(residentId: string): Promise<SharingRecord[]> {
    const { rows } = await this.pool.query<SharingRecordRow>('SELECT * FROM sharing_records WHERE resident_id = $1 ORDER BY seq', [residentId]);
    return rows.map(sharingRecordOf);
  }
}
