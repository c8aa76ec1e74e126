import { distanceM } from '../../rules/safety/geo.js';
import type { Alert } from '../../rules/safety/index.js';
import type { AccessEntry } from '../audit/access-log.js';
import type { AlertContext, KnownLocation } from './alert-context.js';
import type { Principal } from '../auth/token-store.js';
import { resolvePerson } from '../pager/recipients.js';
import type { Registry } from '../registry/registry.js';
import type { ResidentEntity } from '../registry/schemas.js';
import { groundFor } from '../sharing/sharing-policy.js';
import { personalAlertVisible, residentsOf } from '../sharing/visibility.js';
import { shareAlert } from './alert-sharing.js';
import { accessEntriesFor } from './page-sharing.js';

export interface FamilyViewDeps {
  registry: Registry;
  /** The resident's open and acked alerts, newest first. */
  openAlerts(residentId: string): Alert[];
  alertContext(alert: Alert): AlertContext;
  /** When a device was last heard from. */
  lastSeenMs(deviceId: string): Promise<number | undefined>;
  /** The resident's last reported position (kept while the gateway runs). */
  lastLocation(residentId: string): KnownLocation | undefined;
  now(): number;
}

/** A place as a family member reads it: how far from home, and the coordinates for a maps app. */
export interface FamilyPlace {
  lat: number;
  lon: number;
  /** Metres from the home's centre; null when no home is registered. */
  fromHomeM: number | null;
  atHome: boolean;
  sharedUnder?: 'emergency';
}

export interface FamilyAlert {
  id: string;
  kind: Alert['kind'];
  severity: Alert['severity'];
  state: Alert['state'];
  createdAt: string;
  place: FamilyPlace | null;
  /** Who said they are going (acked), by name; the caller's own "I'm going" included. */
  onTheWay: string[];
  /** Whether the caller has said "I'm going". */
  goingMyself: boolean;
  sharedUnder?: 'emergency';
}

export interface FamilyView {
  resident: { id: string; name: string; address: string | null; gridName: string | null };
  /** When the bracelet was last heard from, and where (only when location is shared with family). */
  lastSeen: { at: string | null; place: FamilyPlace | null };
  alerts: FamilyAlert[];
  /** Whom to call: the grid's on-duty workers, by name, with their phone numbers when registered. */
  workers: { name: string; phones: string[] }[];
}

function placeOf(resident: ResidentEntity, at: { lat: number; lon: number }, sharedUnder: 'emergency' | undefined): FamilyPlace {
  const fromHomeM = resident.home === undefined ? null : Math.round(distanceM(resident.home.lat, resident.home.lon, at.lat, at.lon));
  return {
    lat: at.lat,
    lon: at.lon,
    fromHomeM,
    atHome: fromHomeM !== null && resident.home !== undefined && fromHomeM <= resident.home.radiusM,
    ...(sharedUnder === undefined ? {} : { sharedUnder }),
  };
}

/**
 * What a family token's page shows of their relative (CONTRACT.md §6): open alerts (emergencies,
 * and what the resident shares with family), last seen, who is on the way, whom to call. Every
 * disclosure goes through the sharing choices; the returned log rows record the read.
 */
export async function familyView(deps: FamilyViewDeps, principal: Principal): Promise<{ view: FamilyView; log: AccessEntry[] } | undefined> {
  const [resident] = residentsOf(deps.registry, principal);
  if (resident === undefined || principal.subject === null) return undefined;
  const atMs = deps.now();
  const base = { atMs, actor: principal.subject, role: 'family', action: 'read_family_page' } as const;
  const log: AccessEntry[] = [{ ...base, resident: resident.id, category: 'profile', ground: 'consent' }];
  const nameOf = (id: string): string | null => resolvePerson(deps.registry, id)?.name ?? null;
  const myIds = new Set([principal.subject, ...resident.contacts.flatMap((c, i) => (c.id === principal.subject ? [`contact:${resident.id}:${c.id}`, `contact:${resident.id}:${i}`] : []))]);

  const alerts = deps
    .openAlerts(resident.id)
    .filter((a) => personalAlertVisible(deps.registry, principal, a))
    .map((alert): FamilyAlert => {
      const shared = shareAlert(deps.registry, 'family', alert, alert, deps.alertContext(alert));
      log.push(...accessEntriesFor(base, alert, shared.grounds));
      const location = shared.context?.location ?? null;
      const ackers = alert.timeline.flatMap((e) => (e.type === 'acked' ? [e.by] : []));
      if (alert.assignee !== null && !ackers.includes(alert.assignee)) ackers.unshift(alert.assignee);
      return {
        id: alert.id,
        kind: alert.kind,
        severity: alert.severity,
        state: alert.state,
        createdAt: new Date(alert.createdAt).toISOString(),
        place: location === null ? null : placeOf(resident, location, shared.grounds.location === 'emergency' ? 'emergency' : undefined),
        onTheWay: [...new Set(ackers.flatMap((id) => nameOf(id) ?? []))],
        goingMyself: ackers.some((id) => myIds.has(id)),
        ...(Object.values(shared.grounds).includes('emergency') ? { sharedUnder: 'emergency' as const } : {}),
      };
    });

  const bracelets = deps.registry.list('devices').filter((d) => d.kind === 'bracelet' && d.resident === resident.id);
  const seen = (await Promise.all(bracelets.map((d) => deps.lastSeenMs(d.id)))).flatMap((at) => at ?? []);
  const lastSeenMs = seen.length === 0 ? null : Math.max(...seen);
  let lastPlace: FamilyPlace | null = null;
  if (groundFor(resident, 'location', 'family') === 'consent') {
    const known = deps.lastLocation(resident.id);
    if (known !== undefined) {
      lastPlace = placeOf(resident, known, undefined);
      log.push({ ...base, resident: resident.id, category: 'location', ground: 'consent' });
    }
  }
  const grid = deps.registry.get('grids', resident.grid);
  const workers = (grid?.onDuty ?? []).flatMap((id) => {
    const worker = deps.registry.get('workers', id);
    return worker === undefined ? [] : [{ name: worker.name, phones: worker.channels.flatMap((c) => (c.type === 'sms' ? [c.phone] : [])) }];
  });
  return {
    view: {
      resident: { id: resident.id, name: resident.name, address: resident.address ?? null, gridName: grid?.name ?? null },
      lastSeen: { at: lastSeenMs === null ? null : new Date(lastSeenMs).toISOString(), place: lastPlace },
      alerts,
      workers,
    },
    log,
  };
}
