import { distanceM } from '../safety/index.js';
import { accessibilityAt } from './access-hours.js';
import { daysUntil, localTimeFor } from './calendar.js';
import { DEFAULT_AED_RULES } from './defaults.js';
import type { AedSite, CabinetStatus } from './types.js';

/** What the cabinet engine knows about one cabinet (see AedCabinetEngine.summaries). */
export interface CabinetSummary {
  status: CabinetStatus;
  /** The pads' expiry in force: the cabinet's report or the registry's, whichever changed last. */
  padsExpiry?: string | null;
  batteryExpiry?: string | null;
  restockPending?: boolean;
}

export const SKIP_REASONS = [
  'in_use',
  'fault',
  'maintenance',
  'offline',
  'pads_expired',
  'battery_expired',
  'closed_now',
] as const;
/** Listed most telling first: a cabinet in fault is not worth walking to when it opens. */
export type SkipReason = (typeof SKIP_REASONS)[number];

export type AedWarning = 'pads_expiring' | 'battery_expiring' | 'restock_pending' | 'unmonitored';

export interface NearestQuery {
  aeds: readonly AedSite[];
  /** By AED id; a cabinet without an entry has no telemetry and is assumed ready ("unmonitored"). */
  states: Readonly<Record<string, CabinetSummary | undefined>>;
  at: { lat: number; lon: number };
  nowMs: number;
  timeZone: string;
  limit: number;
  /** Usable AEDs whose pads or battery expire within this many days carry a warning; default 30. */
  expiringWithinDays?: number;
}

export interface UsableAed {
  id: string;
  lat: number;
  lon: number;
  grid: string | null;
  floor: string | null;
  description: string | null;
  /** Great-circle distance, whole metres. */
  distanceM: number;
  status: 'ready' | 'unknown';
  /** When the cabinet closes; null when it is always open. */
  closesAtMs: number | null;
  padsExpiry: string | null;
  batteryExpiry: string | null;
  warnings: AedWarning[];
}

export interface SkippedAed {
  id: string;
  distanceM: number;
  status: CabinetStatus | 'unknown';
  /** The most telling of `reasons`. */
  reason: SkipReason;
  reasons: SkipReason[];
  /** For a cabinet closed now: when it opens (null when it never does or its hours are malformed). */
  nextOpeningMs: number | null;
}

export interface NearestResult {
  /** Straight-line distance, not a walking route: callers must say so (the issue allows it). */
  distanceMethod: 'great-circle';
  aeds: UsableAed[];
  /** Every unusable AED nearer than the farthest one returned, or all of them when fewer were found. */
  skipped: SkippedAed[];
}

const STATUS_REASON: Partial<Record<CabinetStatus, SkipReason>> = {
  in_use: 'in_use',
  fault: 'fault',
  maintenance: 'maintenance',
  offline: 'offline',
};

interface Assessed {
  aed: AedSite;
  exactM: number;
  summary: CabinetSummary | undefined;
  padsExpiry: string | null;
  batteryExpiry: string | null;
  reasons: SkipReason[];
  closesAtMs: number | null;
  nextOpeningMs: number | null;
}

/** The summary's date wins: it follows the cabinet's own report; the registry is the fallback. */
function dateInForce(fromState: string | null | undefined, fromRegistry: string | undefined): string | null {
  if (fromState !== undefined && fromState !== null) return fromState;
  return fromRegistry ?? null;
}

/**
 * The nearest AEDs someone can use now: ready, inside access hours, pads and battery in date;
 * nearest first, with the reason each nearer one was passed over.
 */
export function findNearestUsableAeds(query: NearestQuery): NearestResult {
  const local = localTimeFor(query.timeZone);
  const { nowMs, at } = query;
  const limit = Math.max(0, Math.floor(query.limit));
  const warnWithinDays = query.expiringWithinDays ?? DEFAULT_AED_RULES.faults.expiringWithinDays;

  const assessed: Assessed[] = query.aeds.map((aed) => {
    const summary = query.states[aed.id];
    const padsExpiry = dateInForce(summary?.padsExpiry, aed.padsExpiry);
    const batteryExpiry = dateInForce(summary?.batteryExpiry, aed.batteryExpiry);
    const access = accessibilityAt(aed.accessHours, nowMs, query.timeZone);
    const reasons: SkipReason[] = [];
    const statusReason = summary === undefined ? undefined : STATUS_REASON[summary.status];
    if (statusReason !== undefined) reasons.push(statusReason);
    if (padsExpiry !== null && (daysUntil(padsExpiry, nowMs, local) ?? 0) < 0) reasons.push('pads_expired');
    if (batteryExpiry !== null && (daysUntil(batteryExpiry, nowMs, local) ?? 0) < 0) reasons.push('battery_expired');
    if (!access.open) reasons.push('closed_now');
    return {
      aed,
      exactM: distanceM(at.lat, at.lon, aed.lat, aed.lon),
      summary,
      padsExpiry,
      batteryExpiry,
      reasons,
      closesAtMs: access.closesAtMs,
      nextOpeningMs: access.nextOpeningMs,
    };
  });
  assessed.sort((a, b) => a.exactM - b.exactM || (a.aed.id < b.aed.id ? -1 : a.aed.id > b.aed.id ? 1 : 0));

  const usable = assessed.filter((a) => a.reasons.length === 0).slice(0, limit);
  const farthest = usable[usable.length - 1];
  const horizonM = usable.length === limit && farthest !== undefined ? farthest.exactM : Number.POSITIVE_INFINITY;

  const expiringSoon = (date: string | null): boolean => {
    if (date === null) return false;
    const days = daysUntil(date, nowMs, local);
    return days !== undefined && days <= warnWithinDays;
  };

  return {
    distanceMethod: 'great-circle',
    aeds: usable.map((a) => {
      const warnings: AedWarning[] = [];
      if (expiringSoon(a.padsExpiry)) warnings.push('pads_expiring');
      if (expiringSoon(a.batteryExpiry)) warnings.push('battery_expiring');
      if (a.summary?.restockPending === true) warnings.push('restock_pending');
      if (a.summary === undefined) warnings.push('unmonitored');
      return {
        id: a.aed.id,
        lat: a.aed.lat,
        lon: a.aed.lon,
        grid: a.aed.grid ?? null,
        floor: a.aed.floor ?? null,
        description: a.aed.description ?? null,
        distanceM: Math.round(a.exactM),
        status: a.summary === undefined ? 'unknown' : 'ready',
        closesAtMs: a.closesAtMs,
        padsExpiry: a.padsExpiry,
        batteryExpiry: a.batteryExpiry,
        warnings,
      };
    }),
    skipped: assessed
      .filter((a) => a.reasons.length > 0 && a.exactM < horizonM)
      .map((a) => ({
        id: a.aed.id,
        distanceM: Math.round(a.exactM),
        status: a.summary?.status ?? 'unknown',
        reason: a.reasons[0] as SkipReason,
        reasons: a.reasons,
        nextOpeningMs: a.reasons.includes('closed_now') ? a.nextOpeningMs : null,
      })),
  };
}

export interface GridReadiness {
  ready: number;
  total: number;
  /** ready / total. */
  share: number;
}

/**
 * Per grid, the share of AEDs that would work if needed: state `ready` and in date. Access hours
 * do not count: a locked cabinet is still a working AED. Cabinets without a grid count under "".
 */
export function readinessByGrid(
  aeds: readonly AedSite[],
  states: Readonly<Record<string, CabinetSummary | undefined>>,
  nowMs: number,
  timeZone: string,
): Record<string, GridReadiness> {
  const local = localTimeFor(timeZone);
  const out: Record<string, GridReadiness> = {};
  for (const aed of aeds) {
    const grid = aed.grid ?? '';
    const entry = (out[grid] ??= { ready: 0, total: 0, share: 0 });
    entry.total += 1;
    const summary = states[aed.id];
    const inDate = (date: string | null) => date === null || (daysUntil(date, nowMs, local) ?? 0) >= 0;
    const ready =
      (summary === undefined || summary.status === 'ready') &&
      inDate(dateInForce(summary?.padsExpiry, aed.padsExpiry)) &&
      inDate(dateInForce(summary?.batteryExpiry, aed.batteryExpiry));
    if (ready) entry.ready += 1;
  }
  for (const entry of Object.values(out)) entry.share = entry.ready / entry.total;
  return out;
}
