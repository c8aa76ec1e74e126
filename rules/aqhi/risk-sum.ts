import { categoryForBand } from './category-for-band.js';
import { roundHalfUp } from './rounding.js';
import { convertFromInput } from './units.js';
import { readWindow, termId } from './window-means.js';
import type { Contribution, IndexResult, MissingPollutant, Pollutant, RiskScale, RiskSumProfile, WindowMeanSource } from './types.js';

/** %AR of one term: (exp(β · C) − 1) · 100 (HK-FAQ; Stieb 2008 without the 10/10.4 scaling). */
export function addedRiskPct(beta: number, concentration: number): number {
  return Math.expm1(beta * concentration) * 100;
}

/**
 * Band of a summed %AR against inclusive upper limits: band n when %AR ≤ limit[n−1];
 * above every limit, the open top band (limits.length + 1). The %AR is not rounded first.
 */
export function bandFromAddedRisk(upperLimitsPct: readonly number[], arPct: number): number {
  for (let i = 0; i < upperLimitsPct.length; i++) {
    if (arPct <= upperLimitsPct[i]!) return i + 1;
  }
  return upperLimitsPct.length + 1;
}

/** Index value, band and display for a summed %AR under a scale. */
export function scaleAddedRisk(
  scale: RiskScale,
  openBandLabel: string,
  arPct: number,
): { value: number; band: number; display: string } {
  if (scale.kind === 'bands') {
    const band = bandFromAddedRisk(scale.upperLimitsPct, arPct);
    const open = band > scale.upperLimitsPct.length;
    return { value: band, band, display: open ? openBandLabel : String(band) };
  }
  const value = Math.max(scale.min, roundHalfUp(scale.factor * arPct));
  const open = value > scale.openAbove;
  return { value, band: open ? scale.openAbove + 1 : value, display: open ? openBandLabel : String(value) };
}

/** Applies a risk-sum profile (HK, Canada, local) to window means. */
export function evaluateRiskSum(profile: RiskSumProfile, source: WindowMeanSource): IndexResult {
  const contributions: Contribution[] = [];
  const missing: MissingPollutant[] = [];
  // Group key → whether any member is available; ungrouped terms are their own group.
  const groupAvailable = new Map<string, boolean>();
  const groupBest = new Map<string, Contribution>();

  for (const term of profile.terms) {
    const id = termId(term.pollutant, term.window);
    const key = term.group ?? `term:${id}`;
    if (!groupAvailable.has(key)) groupAvailable.set(key, false);
    const read = readWindow(source, term.pollutant, term.window, id);
    if (!read.ok) {
      missing.push(read.missing);
      continue;
    }
    const concentration = convertFromInput(term.pollutant, read.mean, term.unit);
    const c: Contribution = {
      pollutant: term.pollutant,
      term: id,
      windowHours: term.window.hours,
      validHours: read.validHours,
      inputMean: read.mean,
      concentration,
      unit: term.unit,
      kind: 'added-risk-pct',
      value: addedRiskPct(term.beta, concentration),
      counted: false,
    };
    contributions.push(c);
    groupAvailable.set(key, true);
    const best = groupBest.get(key);
    // Ties keep the first term listed, so the choice is deterministic.
    if (best === undefined || c.value > best.value) groupBest.set(key, c);
  }
  for (const best of groupBest.values()) best.counted = true;

  const blocking = [...groupAvailable.entries()].filter(([, ok]) => !ok).map(([key]) => key);
  const base = {
    profile: { name: profile.name, version: profile.version, status: profile.status },
    contributions,
    missing,
    complete: missing.length === 0,
    high: false,
  };
  if (blocking.length > 0) {
    const names = missing.map((m) => m.pollutant);
    return {
      ...base,
      value: null,
      display: null,
      band: null,
      categoryId: null,
      pollutantsUsed: [],
      primaryPollutants: [],
      nullReason: `missing: ${[...new Set(names)].join(', ')}`,
    };
  }

  const counted = contributions.filter((c) => c.counted);
  const arPct = counted.reduce((sum, c) => sum + c.value, 0);
  const scaled = scaleAddedRisk(profile.scale, profile.openBandLabel, arPct);
  const top = Math.max(...counted.map((c) => c.value));
  const primary = counted.filter((c) => c.value === top && top > 0).map((c) => c.pollutant);
  return {
    ...base,
    value: scaled.value,
    display: scaled.display,
    band: scaled.band,
    categoryId: categoryForBand(profile, scaled.band)?.id ?? null,
    high: profile.highBandFrom !== undefined && scaled.band >= profile.highBandFrom,
    addedRiskPct: arPct,
    pollutantsUsed: uniquePollutants(counted),
    primaryPollutants: primary,
  };
}

function uniquePollutants(cs: readonly Contribution[]): Pollutant[] {
  return [...new Set(cs.map((c) => c.pollutant))];
}
