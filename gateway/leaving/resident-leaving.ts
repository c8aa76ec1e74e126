import type { Logger } from 'pino';
import type { Alert } from '../../rules/safety/index.js';
import type { AccessLog } from '../audit/access-log.js';
import type { AlertService } from '../alerts/alert-service.js';
import { isDrill } from '../alerts/drill-marker.js';
import type { DeviceStateStore } from '../ingest/device-state-store.js';
import type { RejectionLog } from '../ingest/rejection-log.js';
import { RegistryError, type Registry } from '../registry/registry.js';
import { isEmergency } from '../sharing/sharing-policy.js';
import type { SharingRecords } from '../sharing/sharing-records.js';
import type { SqliteDatabase } from '../store/sqlite-database.js';
import { departureCounts, eraseResidentRows, type DepartureCounts } from './departure-rows.js';
import { revokeSubjectTokens } from '../auth/token-store.js';

export interface ResidentLeavingDeps {
  db: SqliteDatabase;
  registry: Registry;
  alerts: AlertService;
  accessLog: AccessLog;
  sharingRecords: SharingRecords;
  /** The embedded telemetry store: its queue is written out before the rows go. */
  telemetry: { writeQueued(): void };
  deviceState: DeviceStateStore;
  rejections: RejectionLog;
  /** Readings also go to InfluxDB: they are outside this store and the operator removes them there. */
  influxConfigured: boolean;
  log: Logger;
  now: () => number;
}

/** What a departure did, for the log (counts and device ids only: the person is gone). */
export interface Departure {
  devices: string[];
  alertsResolved: number;
  alertsCounted: number;
  readingsRemoved: number;
  familyTokensRevoked: number;
}

const KIND_WORDS: Partial<Record<Alert['kind'], string>> = { fall: 'a fall', sos: 'an SOS call', vitals: 'critical vitals', aed_opened: 'an opened AED cabinet' };

/**
 * A resident leaves the programme (PIPL art. 47: deletion once the purpose ends or consent is
 * withdrawn). Their personal fields, bracelets, readings, alerts, sharing records and family
 * tokens go; what stays is anonymous counts (alerts per month, grid, kind, severity; departures per
 * month and grid) and the access log, whose rows say who read their data and stay append-only.
 * An emergency still open is refused: someone may be lying on a floor, and it is resolved first.
 */
export function createResidentLeaving(deps: ResidentLeavingDeps) {
  const leave = async (residentId: string, by: { actor: string; role: string }): Promise<Departure> => {
    const resident = deps.registry.get('residents', residentId);
    if (resident === undefined) throw new RegistryError('not_found', `no resident "${residentId}"`);
    const open = await deps.alerts.list({ subject: residentId, state: ['open', 'acked'], drills: 'include', limit: 10_000 });
    const emergency = open.find((a) => isEmergency(a) && !isDrill(a));
    if (emergency !== undefined) {
      throw new RegistryError(
        'emergency_open',
        `${resident.name} has an open emergency (${KIND_WORDS[emergency.kind] ?? emergency.kind}, raised ${new Date(emergency.createdAt).toISOString()}): resolve it before they leave the programme`,
      );
    }
    // Routine alerts end here, with their pending pages; their rows go below.
    for (const alert of open) await deps.alerts.resolve(alert.id, by.actor, 'The resident left the programme.');
    // One raised while those were resolved ends too; from the last look on, nothing runs in between.
    for (let round = 0; round < 5; round++) {
      const raisedMeanwhile = deps.alerts.activeAlerts().filter((a) => a.subject === residentId);
      if (raisedMeanwhile.length === 0) break;
      for (const alert of raisedMeanwhile) await deps.alerts.resolve(alert.id, by.actor, 'The resident left the programme.');
      open.push(...raisedMeanwhile);
    }

    const devices = deps.registry.list('devices').filter((d) => d.resident === residentId).map((d) => d.id);
    // What was accepted before now is written, then erased with the rest; nothing runs in between
    // (the SQLite writes below are done inside their calls: nothing awaited gives way to a
    // device's message), and once the bracelets are gone from the registry their messages are refused.
    deps.telemetry.writeQueued();
    const heardFlushed = deps.deviceState.flush();
    // Refusals counted and not yet written are dropped; the written ones are erased below.
    deps.rejections.forget(devices);
    const contactIds = resident.contacts.flatMap((c) => (c.id === undefined ? [] : [c.id]));
    let departure: Departure | undefined;
    let logged: Promise<void> | undefined;
    const atMs = deps.now();
    const removed = deps.registry.deleteWith([{ collection: 'residents', id: residentId }, ...devices.map((id) => ({ collection: 'devices' as const, id }))], () => {
      const erased = eraseResidentRows(deps.db, { residentId, grid: resident.grid, devices, atMs });
      deps.sharingRecords.forget(residentId);
      // The family's tokens go in this same transaction (the store's own SQL, as for the rows above).
      const familyTokensRevoked = revokeSubjectTokens(deps.db, 'family', contactIds, atMs);
      // The log keeps every earlier row about them; this one says who ended it.
      logged = deps.accessLog.record([{ atMs, actor: by.actor, role: by.role, resident: residentId, category: 'profile', action: 'leave', ground: 'consent' }]);
      departure = { devices, alertsResolved: open.length, alertsCounted: erased.alerts, readingsRemoved: erased.readings, familyTokensRevoked };
    });
    try {
      await Promise.all([heardFlushed, removed]);
    } finally {
      logged?.catch((err: unknown) => deps.log.error({ err, resident: residentId }, 'the departure was not written to the access log'));
    }
    await deps.deviceState.forget(devices);
    deps.log.info({ ...departure, resident: residentId, by: by.actor }, 'resident left the programme; their data was removed');
    if (deps.influxConfigured && devices.length > 0) {
      deps.log.warn({ devices }, 'readings of these bracelets remain in InfluxDB: delete them there (see README, "Leaving the programme")');
    }
    return departure!;
  };
  /** `GET /api/departures`: the anonymous counts, with the grids' names. */
  const counts = (): DepartureCounts & { gridNames: Record<string, string> } => {
    const found = departureCounts(deps.db);
    const ids = new Set([...found.departures, ...found.alerts].map((c) => c.grid));
    return { ...found, gridNames: Object.fromEntries([...ids].map((id) => [id, deps.registry.get('grids', id)?.name ?? id])) };
  };
  return { leave, counts };
}

export type ResidentLeaving = ReturnType<typeof createResidentLeaving>;
