import { levelFor } from './breakpoint.js';
import { roundHalfUp } from './rounding.js';
import type { AqiProfile } from './types.js';

/**
 * The band an index value falls in, for values the profile did not compute itself (a day's
 * mean, a forecast). Risk-sum band scales (HK) carry the band as the value: nearest band.
 */
export function bandOfValue(profile: AqiProfile, value: number): number {
  if (profile.kind === 'breakpoint') return levelFor(profile.levelUpperLimits, value);
  if (profile.scale.kind === 'bands') {
    const top = profile.scale.upperLimitsPct.length + 1;
    return Math.min(top, Math.max(1, roundHalfUp(value)));
  }
  const v = Math.max(profile.scale.min, roundHalfUp(value));
  return v > profile.scale.openAbove ? profile.scale.openAbove + 1 : v;
}

/** The lowest band the profile counts as high for people at risk; Infinity when it has none. */
export function highBandOf(profile: AqiProfile): number {
  return profile.highBandFrom ?? Number.POSITIVE_INFINITY;
}
