import type { Logger } from 'pino';
import { openWatches, suspectsArrest, type ArrestWatch } from '../../rules/aed/index.js';
import type { Alert } from '../../rules/safety/index.js';
import type { AlertContext } from '../alerts/alert-context.js';
import type { AlertService } from '../alerts/alert-service.js';
import type { IngestPipeline } from '../ingest/ingest-pipeline.js';
import type { Registry } from '../registry/registry.js';
import type { EmergencyService } from './emergency-service.js';

export interface ArrestWatchDeps {
  alerts: AlertService;
  context(alert: Alert): AlertContext;
  ingest: IngestPipeline;
  registry: Registry;
  emergencies: EmergencyService;
  windowS: number;
  log: Logger;
  now(): number;
}

/**
 * The gateway's own cardiac-arrest emergencies (rules/aed arrest-suspicion): a fall or SOS alert
 * opens a watch on the resident's bracelet; a worn bracelet with no pulse and no motion inside the
 * window raises a `cardiac_arrest` emergency at the resident's position, once per alert (its ref
 * is `arrest-{alertId}`). Watches are rebuilt from the open alerts after a restart.
 */
export function connectArrestWatch(deps: ArrestWatchDeps): void {
  let watches: ArrestWatch[] = [];
  const watch = (alert: Alert): void => {
    if ((alert.kind !== 'fall' && alert.kind !== 'sos') || alert.state === 'resolved' || alert.details.falseAlarm === true) return;
    if (!deps.registry.has('residents', alert.subject) || watches.some((w) => w.alertId === alert.id)) return;
    watches.push({ alertId: alert.id, resident: alert.subject, kind: alert.kind, sinceMs: alert.createdAt });
  };
  for (const alert of deps.alerts.activeAlerts()) watch(alert);

  deps.alerts.events.on('changed', (alert, events) => {
    if (events.includes('alertRaised')) watch(alert);
  });

  deps.ingest.events.on('readingAccepted', (reading, device) => {
    if (reading.kind !== 'bracelet' || device.resident === undefined || watches.length === 0) return;
    watches = openWatches(watches, deps.now(), deps.windowS);
    const hit = watches.find((w) => w.resident === device.resident && suspectsArrest(w, reading, deps.windowS));
    if (hit === undefined) return;
    watches = watches.filter((w) => w.resident !== hit.resident);
    void arrestSuspected(hit);
  });

  async function arrestSuspected(hit: ArrestWatch): Promise<void> {
    const alert = await deps.alerts.get(hit.alertId).catch(() => undefined);
    const location = alert === undefined ? null : deps.context(alert).location;
    const resident = deps.registry.get('residents', hit.resident);
    if (alert === undefined || location === null || resident === undefined) {
      deps.log.error({ alertId: hit.alertId, resident: hit.resident }, 'suspected cardiac arrest without a known position; no responders sent');
      return;
    }
    await raiseArrest(hit, location, resident);
  }

  async function raiseArrest(hit: { alertId: string; kind: string }, location: { lat: number; lon: number }, resident: { id: string; name: string; address?: string }): Promise<void> {
    try {
      const { emergency, created } = await deps.emergencies.create(
        {
          ref: `arrest-${hit.alertId}`,
          kind: 'cardiac_arrest',
          lat: location.lat,
          lon: location.lon,
          resident: resident.id,
          alertId: hit.alertId,
          address: resident.address === undefined ? resident.name : `${resident.name}, ${resident.address}`,
          note: `After the ${hit.kind}, the worn bracelet showed no pulse and no movement.`,
        },
        { source: 'gateway', createdBy: 'gateway' },
      );
      if (created) {
        await deps.alerts.note(hit.alertId, `No pulse and no movement after the ${hit.kind}: cardiac arrest suspected, responders and AEDs sent.`, 'gateway');
        deps.log.warn({ alertId: hit.alertId, emergencyId: emergency.id, resident: resident.id }, 'suspected cardiac arrest: emergency raised');
      }
    } catch (err) {
      deps.log.error({ err, alertId: hit.alertId }, 'raising the cardiac-arrest emergency failed');
    }
  }
}
