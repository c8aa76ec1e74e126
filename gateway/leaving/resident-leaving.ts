import type { Logger } from 'pino';
import type { Alert } from '../../rules/safety/index.js';
import type { AlertService } from '../alerts/alert-service.js';
import { DRILL_DEDUP_PREFIX, isDrill } from '../alerts/drill-marker.js';
import type { DeviceStateStore } from '../ingest/device-state-store.js';
import type { RejectionLog } from '../ingest/rejection-log.js';
import { RegistryError, type Registry } from '../registry/registry.js';
import { isEmergency } from '../sharing/sharing-policy.js';
import type { DepartureCounts, Departures } from './departures.js';

export interface ResidentLeavingDeps {
  /** Erases the departing resident's rows with their entries, in one transaction (its `departure` side write). */
  registry: Registry;
  /** What stays of those who left. */
  departures: Departures;
  alerts: AlertService;
  /**
   * The readings' store of record: its queue is written out before the rows go. The embedded one
   * writes inside the call (void); a networked one answers once written, and is awaited.
   */
  telemetry: { writeQueued(): void | Promise<void> };
  deviceState: DeviceStateStore;
  rejections: RejectionLog;
  /** Readings also go to InfluxDB: they are outside this store and the operator removes them there. */
  influxConfigured: boolean;
  log: Logger;
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
    // What was accepted before now is written, then erased with the rest; with the embedded store
    // nothing runs in between (its writes are done inside their calls: nothing awaited gives way to
    // a device's message), and once the bracelets are gone from the registry their messages are refused.
    const readingsWritten = deps.telemetry.writeQueued();
    if (readingsWritten !== undefined) await readingsWritten;
    const heardFlushed = deps.deviceState.flush();
    // Refusals counted and not yet written are dropped; the written ones are erased below.
    deps.rejections.forget(devices);
    const familyContacts = resident.contacts.flatMap((c) => (c.id === undefined ? [] : [c.id]));
    // Their rows, sharing records and family tokens go with their entries, and the access log
    // says who ended it, all in one transaction of the registry's store: all of it or none.
    const removed = deps.registry.deleteWith([{ collection: 'residents', id: residentId }, ...devices.map((id) => ({ collection: 'devices' as const, id }))], {
      departure: { residentId, grid: resident.grid, devices, familyContacts, by, drillDedupPrefix: DRILL_DEDUP_PREFIX },
    });
    const [, written] = await Promise.all([heardFlushed, removed]);
    const erased = written.departure!;
    const departure: Departure = {
      devices,
      alertsResolved: open.length,
      alertsCounted: erased.alertsCounted,
      readingsRemoved: erased.readingsRemoved,
      familyTokensRevoked: erased.familyTokensRevoked,
    };
    await deps.deviceState.forget(devices);
    deps.log.info({ ...departure, resident: residentId, by: by.actor }, 'resident left the programme; their data was removed');
    if (deps.influxConfigured && devices.length > 0) {
      deps.log.warn({ devices }, 'readings of these bracelets remain in InfluxDB: delete them there (see README, "Leaving the programme")');
    }
    return departure;
  };
  /** `GET /api/departures`: the anonymous counts, with the grids' names. */
  const counts = async (): Promise<DepartureCounts & { gridNames: Record<string, string> }> => {
    const found = await deps.departures.counts();
    const ids = new Set([...found.departures, ...found.alerts].map((c) => c.grid));
    return { ...found, gridNames: Object.fromEntries([...ids].map((id) => [id, deps.registry.get('grids', id)?.name ?? id])) };
  };
  return { leave, counts };
}

export type ResidentLeaving = ReturnType<typeof createResidentLeaving>;
