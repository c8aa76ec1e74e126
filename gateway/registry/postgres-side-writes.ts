import type pg from 'pg';
import { DEPLOYMENT_SETTINGS_KEY } from './provision.js';
import type { DepartureErased, RegistrySideResults, RegistrySideWrites, ResidentDeparture, SharingRecord } from './registry-store.js';

/** The rule engine's saved state of one resident (see safety-rules.ts). */
const RULE_STATE_PREFIX = 'safety:subject:';

/** 'YYYY-MM' of a time in ms, in UTC. */
const monthOf = (ms: string): string => `to_char(to_timestamp(${ms} / 1000.0) AT TIME ZONE 'UTC', 'YYYY-MM')`;

/** Writes the side records of a registry change, inside the caller's PostgreSQL transaction. */
export async function writeSideRecords(client: pg.PoolClient, side: RegistrySideWrites, atMs: number): Promise<RegistrySideResults> {
  if (side.sharingRecord !== undefined) await appendSharingRecord(client, side.sharingRecord);
  if (side.deploymentSettings !== undefined) {
    await client.query('INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value', [DEPLOYMENT_SETTINGS_KEY, JSON.stringify(side.deploymentSettings)]);
  }
  return side.departure === undefined ? {} : { departure: await eraseDeparture(client, side.departure, atMs) };
}

async function appendSharingRecord(client: pg.PoolClient, record: SharingRecord): Promise<void> {
  await client.query('INSERT INTO sharing_records (resident_id, choices, recorded_by, recorded_at_ms, basis, form_ref) VALUES ($1, $2, $3, $4, $5, $6)', [
    record.resident,
    JSON.stringify(record.sharing),
    record.recordedBy,
    record.recordedAtMs,
    record.basis,
    record.formRef,
  ]);
}

/** See ResidentDeparture: what goes, what is counted, what stays. */
async function eraseDeparture(client: pg.PoolClient, departure: ResidentDeparture, atMs: number): Promise<DepartureErased> {
  const { residentId, drillDedupPrefix } = departure;
  const devices = [...departure.devices];
  const q = (sql: string, values: unknown[]) => client.query(sql, values);
  const { rows } = await q('SELECT COUNT(*)::int AS n FROM alerts WHERE subject = $1 AND NOT starts_with(dedup_key, $2)', [residentId, drillDedupPrefix]);
  const alertsCounted = (rows[0] as { n: number }).n;
  await q(
    `INSERT INTO departed_alert_counts (month, grid, kind, severity, count)
     SELECT ${monthOf('created_at_ms')}, grid, kind, severity, COUNT(*) FROM alerts
     WHERE subject = $1 AND NOT starts_with(dedup_key, $2) GROUP BY 1, 2, 3, 4
     ON CONFLICT (month, grid, kind, severity) DO UPDATE SET count = departed_alert_counts.count + excluded.count`,
    [residentId, drillDedupPrefix],
  );
  await q(`INSERT INTO departures (month, grid, count) VALUES (${monthOf('$1::bigint')}, $2, 1) ON CONFLICT (month, grid) DO UPDATE SET count = departures.count + 1`, [atMs, departure.grid]);
  await q('DELETE FROM page_jobs WHERE alert_id IN (SELECT id FROM alerts WHERE subject = $1)', [residentId]);
  await q('DELETE FROM dispatch120_handoffs WHERE alert_id IN (SELECT id FROM alerts WHERE subject = $1)', [residentId]);
  // Every gateway hears each erased alert (LISTEN alert_changed) and drops it from its working set.
  await q("WITH erased AS (DELETE FROM alerts WHERE subject = $1 RETURNING id) SELECT pg_notify('alert_changed', id) FROM erased", [residentId]);
  await q(`UPDATE drills SET body = jsonb_set(body::jsonb, '{resident}', 'null'::jsonb)::text WHERE body::jsonb ->> 'resident' = $1`, [residentId]);
  await q('DELETE FROM rule_state WHERE name = $1', [RULE_STATE_PREFIX + residentId]);
  const readings = await q('DELETE FROM readings WHERE device_id = ANY($1::text[])', [devices]);
  for (const table of ['device_events', 'device_status', 'device_rejections']) await q(`DELETE FROM ${table} WHERE device_id = ANY($1::text[])`, [devices]);
  await q('DELETE FROM sharing_records WHERE resident_id = $1', [residentId]);
  const revoked = await q("UPDATE tokens SET revoked_at_ms = $1 WHERE role = 'family' AND subject = ANY($2::text[]) AND revoked_at_ms IS NULL", [atMs, [...departure.familyContacts]]);
  // The log keeps every earlier row about them; this one says who ended it.
  await q("INSERT INTO access_log (at_ms, actor, role, resident_id, category, action, ground) VALUES ($1, $2, $3, $4, 'profile', 'leave', 'consent')", [
    atMs,
    departure.by.actor,
    departure.by.role,
    residentId,
  ]);
  return { alertsCounted, readingsRemoved: readings.rowCount ?? 0, familyTokensRevoked: revoked.rowCount ?? 0 };
}
