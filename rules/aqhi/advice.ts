import type { HealthAdvice, LocalizedText } from './types.js';

export interface AdviceParts {
  generalPublic: LocalizedText;
  /** Default for every group at risk that is not given its own text. */
  atRisk: LocalizedText;
  heartOrRespiratory?: LocalizedText;
  elderly?: LocalizedText;
  children?: LocalizedText;
  outdoorWorkers?: LocalizedText;
}

/** Spreads a shared at-risk text over the four groups, keeping any group-specific text. */
export function buildAdvice(parts: AdviceParts): HealthAdvice {
  return {
    generalPublic: parts.generalPublic,
    heartOrRespiratory: parts.heartOrRespiratory ?? parts.atRisk,
    elderly: parts.elderly ?? parts.atRisk,
    children: parts.children ?? parts.atRisk,
    outdoorWorkers: parts.outdoorWorkers ?? parts.atRisk,
  };
}
