import type { Severity } from '../safety/index.js';

export interface AedFaultRules {
  /** DESIGN.md: battery < 20 % is a fault. */
  batteryLowBelowPct: number;
  /** Clears at or above this, so a battery hovering at the threshold does not flap. */
  batteryClearAtPct: number;
  /** DESIGN.md: pads or battery expiring within 30 days. */
  expiringWithinDays: number;
  /** DESIGN.md: temperature outside 0–50 °C. */
  tempMinC: number;
  tempMaxC: number;
  /** Back this far inside the range before a temperature fault clears. */
  tempHysteresisC: number;
  /** DESIGN.md: no message at all for 24 h → offline. */
  heartbeatTimeoutS: number;
  /**
   * Maintenance that is never ended would silence real openings for good: after this long it
   * ends by itself.
   */
  maintenanceMaxS: number;
  severity: Severity;
}

export interface DispatchConfig {
  /** CONTRACT.md `rules.aedOpened.radiusM`. */
  radiusM: number;
  /** How many responders should accept (`rules.aedOpened.responders`). */
  responders: number;
  /** No answer within this counts as a decline (`rules.aedOpened.acceptTimeoutS`). */
  acceptTimeoutS: number;
  /** Each widening multiplies the radius by this. */
  widenFactor: number;
  /**
   * Never page beyond this. A responder walking much more than a kilometre arrives after the
   * first four minutes that decide a cardiac arrest.
   */
  maxRadiusM: number;
}

export interface IncidentLinkConfig {
  withinM: number;
  withinS: number;
}

export interface AedRules {
  faults: AedFaultRules;
  dispatch: DispatchConfig;
  link: IncidentLinkConfig;
  /** Faults are paged to the guardian in these hours only (see nextWorkingTimeMs). */
  guardianWorkingHours: string;
}

export const DEFAULT_AED_RULES: AedRules = {
  faults: {
    batteryLowBelowPct: 20,
    batteryClearAtPct: 25,
    expiringWithinDays: 30,
    tempMinC: 0,
    tempMaxC: 50,
    tempHysteresisC: 2,
    heartbeatTimeoutS: 24 * 3600,
    maintenanceMaxS: 12 * 3600,
    severity: 'medium',
  },
  dispatch: { radiusM: 500, responders: 3, acceptTimeoutS: 60, widenFactor: 1.5, maxRadiusM: 1000 },
  // The issue: a fall or SOS within 200 m and 10 minutes of an opened cabinet is one incident.
  link: { withinM: 200, withinS: 600 },
  guardianWorkingHours: '08:00-20:00',
};

function overlay<T extends object>(base: T, over: Partial<T> | undefined): T {
  if (over === undefined || over === null || typeof over !== 'object') return base;
  const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [key, value] of Object.entries(over)) {
    const current = (base as Record<string, unknown>)[key];
    // A stray null or a string where a number belongs never turns a threshold into NaN.
    if (current === undefined || typeof value !== typeof current) continue;
    if (typeof value === 'number' && !Number.isFinite(value)) continue;
    out[key] = value;
  }
  return out as T;
}

export function resolveFaultRules(over?: Partial<AedFaultRules>): AedFaultRules {
  return overlay(DEFAULT_AED_RULES.faults, over);
}

/** Defaults overlaid with the provision file's `rules.aedOpened` (and the planner's own keys). */
export function resolveDispatchConfig(over?: Partial<DispatchConfig>): DispatchConfig {
  const config = overlay(DEFAULT_AED_RULES.dispatch, over);
  // A deployment that only sets a wider radius (CONTRACT.md has no maxRadiusM) still widens from it.
  if (over?.maxRadiusM === undefined && config.maxRadiusM < config.radiusM) return { ...config, maxRadiusM: config.radiusM };
  return config;
}

export function resolveLinkConfig(over?: Partial<IncidentLinkConfig>): IncidentLinkConfig {
  return overlay(DEFAULT_AED_RULES.link, over);
}

/** Problems with resolved AED rules, one message each; empty when sound. Meant for load time. */
export function validateAedRules(faults: AedFaultRules, dispatch: DispatchConfig): string[] {
  const problems: string[] = [];
  for (const [group, fields] of Object.entries({ faults, dispatch })) {
    for (const [field, value] of Object.entries(fields)) {
      if (typeof value !== 'number') continue;
      const signed = field === 'tempMinC' || field === 'tempMaxC';
      if (!Number.isFinite(value) || (!signed && value < 0)) problems.push(`${group}.${field} must be a finite number${signed ? '' : ' >= 0'}`);
    }
  }
  if (faults.batteryClearAtPct < faults.batteryLowBelowPct) problems.push('faults.batteryClearAtPct must be >= faults.batteryLowBelowPct');
  if (faults.tempMinC + faults.tempHysteresisC > faults.tempMaxC - faults.tempHysteresisC) {
    problems.push('faults.tempHysteresisC leaves no clear band between tempMinC and tempMaxC');
  }
  if (!Number.isInteger(dispatch.responders) || dispatch.responders < 1) problems.push('dispatch.responders must be an integer >= 1');
  if (dispatch.radiusM <= 0) problems.push('dispatch.radiusM must be > 0');
  if (dispatch.maxRadiusM < dispatch.radiusM) problems.push('dispatch.maxRadiusM must be >= dispatch.radiusM');
  if (dispatch.widenFactor <= 1 && dispatch.maxRadiusM > dispatch.radiusM) problems.push('dispatch.widenFactor must be > 1 to widen');
  return problems;
}
