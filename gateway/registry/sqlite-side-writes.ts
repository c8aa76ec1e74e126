import { revokeSubjectTokens } from '../auth/token-store.js';
import type { SqliteDatabase } from '../store/sqlite-database.js';
import { DEPLOYMENT_SETTINGS_KEY } from './provision.js';
import type { DepartureErased, RegistrySideResults, RegistrySideWrites, ResidentDeparture, SharingRecord } from './registry-store.js';

/** The rule engine's saved state of one resident (see safety-rules.ts). */
const RULE_STATE_PREFIX = 'safety:subject:';

const MONTH_OF_MS = "strftime('%Y-%m', ? / 1000, 'unixepoch')";

/** Writes the side records of a registry change, inside the caller's SQLite transaction. */
export function writeSideRecords(db: SqliteDatabase, side: RegistrySideWrites, atMs: number): RegistrySideResults {
  if (side.sharingRecord !== undefined) appendSharingRecord(db, side.sharingRecord);
  if (side.deploymentSettings !== undefined) {
    db.prepare('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(DEPLOYMENT_SETTINGS_KEY, JSON.stringify(side.deploymentSettings));
  }
  return side.departure === undefined ? {} : { departure: eraseDeparture(db, side.departure, atMs) };
}

function appendSharingRecord(db: SqliteDatabase, record: SharingRecord): void {
  db.prepare('INSERT INTO sharing_records (resident_id, choices, recorded_by, recorded_at_ms, basis, form_ref) VALUES (?, ?, ?, ?, ?, ?)').run(
    record.resident,
    JSON.stringify(record.sharing),
    record.recordedBy,
    record.recordedAtMs,
    record.basis,
    record.formRef,
  );
}

/** See ResidentDeparture: what goes, what is counted, what stays. */
function eraseDeparture(db: SqliteDatabase, departure: ResidentDeparture, atMs: number): DepartureErased {
  const { residentId, devices, drillDedupPrefix: drill } = departure;
  const counted = 'subject = ? AND substr(dedup_key, 1, ?) <> ?';
  const alertsCounted = (db.prepare(`SELECT COUNT(*) AS n FROM alerts WHERE ${counted}`).get(residentId, drill.length, drill) as { n: number }).n;
  db.prepare(
    `INSERT INTO departed_alert_counts (month, grid, kind, severity, count)
     SELECT strftime('%Y-%m', created_at_ms / 1000, 'unixepoch'), grid, kind, severity, COUNT(*) FROM alerts
     WHERE ${counted} GROUP BY 1, 2, 3, 4
     ON CONFLICT (month, grid, kind, severity) DO UPDATE SET count = count + excluded.count`,
  ).run(residentId, drill.length, drill);
  db.prepare(`INSERT INTO departures (month, grid, count) VALUES (${MONTH_OF_MS}, ?, 1) ON CONFLICT (month, grid) DO UPDATE SET count = count + 1`).run(atMs, departure.grid);
  db.prepare('DELETE FROM page_jobs WHERE alert_id IN (SELECT id FROM alerts WHERE subject = ?)').run(residentId);
  db.prepare('DELETE FROM dispatch120_handoffs WHERE alert_id IN (SELECT id FROM alerts WHERE subject = ?)').run(residentId);
  db.prepare('DELETE FROM alerts WHERE subject = ?').run(residentId);
  db.prepare("UPDATE drills SET body = json_set(body, '$.resident', json('null')) WHERE json_extract(body, '$.resident') = ?").run(residentId);
  db.prepare('DELETE FROM rule_state WHERE name = ?').run(RULE_STATE_PREFIX + residentId);
  let readingsRemoved = 0;
  for (const device of devices) {
    readingsRemoved += (db.prepare('SELECT COALESCE(SUM(count), 0) AS n FROM reading_chunks WHERE device_id = ?').get(device) as { n: number }).n;
    for (const table of ['reading_chunks', 'device_events', 'device_status', 'device_rejections']) db.prepare(`DELETE FROM ${table} WHERE device_id = ?`).run(device);
  }
  db.prepare('DELETE FROM sharing_records WHERE resident_id = ?').run(residentId);
  const familyTokensRevoked = revokeSubjectTokens(db, 'family', departure.familyContacts, atMs);
  // The log keeps every earlier row about them; this one says who ended it.
  db.prepare('INSERT INTO access_log (at_ms, actor, role, resident_id, category, action, ground) VALUES (?, ?, ?, ?, ?, ?, ?)').run(
    atMs,
    departure.by.actor,
    departure.by.role,
    residentId,
    'profile',
    'leave',
    'consent',
  );
  return { alertsCounted, readingsRemoved, familyTokensRevoked };
}
