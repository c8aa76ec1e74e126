import { resolveProfile, type AqiProfile } from '../../rules/aqhi/index.js';
import { ConfigError } from '../config/config.js';

/** `rules.aqhi` of the provision file (CONTRACT.md §5). */
export interface AqhiSelection {
  profile: string;
  version?: string;
  /** The local profile's coefficients, bands and advice, when profile is `local`. */
  local?: unknown;
}

/** What is wrong with a `rules.aqhi` selection, each message naming the field; empty when fine. */
export function aqhiSelectionProblems(selection: AqhiSelection | undefined): string[] {
  const result = resolveProfile(selection ?? {});
  return result.ok ? [] : result.errors.map((e) => `rules.${e.startsWith('aqhi.') ? e : `aqhi: ${e}`}`);
}

/** The deployment's index profile; the default (Hong Kong AQHI) when none is named. */
export function selectAqhiProfile(selection: AqhiSelection | undefined): AqiProfile {
  const result = resolveProfile(selection ?? {});
  if (!result.ok) throw new ConfigError(`rules.aqhi: ${result.errors.join('; ')}`, 'GW_ERR_CONFIG_AQHI_PROFILE');
  return result.profile;
}
