import { evaluateBreakpoint } from './breakpoint.js';
import { evaluateRiskSum } from './risk-sum.js';
import { constantWindowMeans } from './window-means.js';
import type { AqiProfile, IndexResult, WindowMeanSource } from './types.js';

/** Applies any profile to window means: the single pure entry point the engine uses. */
export function evaluateProfile(profile: AqiProfile, source: WindowMeanSource): IndexResult {
  return profile.kind === 'risk-sum' ? evaluateRiskSum(profile, source) : evaluateBreakpoint(profile, source);
}

/**
 * Applies a profile to already-averaged concentrations (µg/m³; CO mg/m³), keyed by
 * pollutant (`no2`) or by term (`o3_8h`). Pollutants left out are missing, never zero.
 */
export function evaluateConcentrations(profile: AqiProfile, values: Readonly<Record<string, number | undefined>>): IndexResult {
  return evaluateProfile(profile, constantWindowMeans(values));
}
