import { bandOfValue } from './index-band.js';
import type { AqiProfile } from './types.js';

/** The forecast leads whose skill is published (hours ahead). */
export const SKILL_LEADS = [1, 6, 24] as const;
export type SkillLead = (typeof SKILL_LEADS)[number];

/** A kept forecast next to what then happened. */
export interface ScoredPair {
  leadHours: number;
  /** null when the model had too little history when the forecast was made. */
  model: number | null;
  persistence: number;
  actual: number;
}

export interface LeadSkill {
  /** Pairs scored (those with a model forecast for mae/bandHitRate). */
  n: number;
  mae: number | null;
  bandHitRate: number | null;
  persistenceMae: number | null;
  persistenceBandHitRate: number | null;
  persistenceN: number;
}

export type Skill = Record<`h${SkillLead}`, LeadSkill>;

const round3 = (x: number): number => Math.round(x * 1000) / 1000;

/** Mean absolute error of the index and the share of hours whose band was right, per lead. */
export function scoreSkill(profile: AqiProfile, pairs: readonly ScoredPair[]): Skill {
  const out = {} as Skill;
  for (const lead of SKILL_LEADS) {
    const mine = pairs.filter((p) => p.leadHours === lead);
    const modelled = mine.filter((p): p is ScoredPair & { model: number } => p.model !== null);
    const mae = (xs: readonly number[]): number | null => (xs.length === 0 ? null : round3(xs.reduce((a, b) => a + b, 0) / xs.length));
    const hits = (fs: readonly [number, number][]): number | null =>
      fs.length === 0 ? null : round3(fs.filter(([f, a]) => bandOfValue(profile, f) === bandOfValue(profile, a)).length / fs.length);
    out[`h${lead}`] = {
      n: modelled.length,
      mae: mae(modelled.map((p) => Math.abs(p.model - p.actual))),
      bandHitRate: hits(modelled.map((p) => [p.model, p.actual])),
      persistenceMae: mae(mine.map((p) => Math.abs(p.persistence - p.actual))),
      persistenceBandHitRate: hits(mine.map((p) => [p.persistence, p.actual])),
      persistenceN: mine.length,
    };
  }
  return out;
}

/**
 * Whether the model has earned its place: scored at every lead on at least `minPairs` hours, and
 * its error summed over the leads below persistence's on the same hours.
 */
export function modelBeatsPersistence(pairs: readonly ScoredPair[], minPairs = 24): boolean {
  let model = 0;
  let persistence = 0;
  for (const lead of SKILL_LEADS) {
    const both = pairs.filter((p) => p.leadHours === lead && p.model !== null);
    if (both.length < minPairs) return false;
    model += both.reduce((a, p) => a + Math.abs((p.model as number) - p.actual), 0) / both.length;
    persistence += both.reduce((a, p) => a + Math.abs(p.persistence - p.actual), 0) / both.length;
  }
  return model < persistence;
}
