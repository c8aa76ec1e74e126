import { CANADA_2008 } from './canada-2008.js';
import { CHINA_HJ633_2012 } from './china-hj633-2012.js';
import { CHINA_HJ633_2026 } from './china-hj633-2026.js';
import { HK_2013 } from './hk-2013.js';
import { HK_2025_UNVERIFIED } from './hk-2025-unverified.js';
import { AqhiConfigError, validateLocalProfileConfig } from './local-profile.js';
import { US_EPA_2024 } from './us-epa-2024.js';
import type { AqiProfile } from './types.js';

/** The profile names CONTRACT.md allows in `rules.aqhi.profile`. */
export const PROFILE_NAMES = ['hk', 'canada', 'china-hj633-2026', 'china-hj633-2012', 'us-epa-2024', 'local'] as const;
export type ProfileName = (typeof PROFILE_NAMES)[number];

/** The profile used when the configuration names none. */
export const DEFAULT_PROFILE_NAME: ProfileName = 'hk';

/**
 * Every built-in profile version. A revision is added as a new entry, never edited in place,
 * so history computed under an old version can still be explained.
 */
const BUILT_IN: readonly AqiProfile[] = [HK_2013, HK_2025_UNVERIFIED, CANADA_2008, CHINA_HJ633_2026, CHINA_HJ633_2012, US_EPA_2024];

export interface ProfileSummary {
  name: string;
  version: string;
  status: 'verified' | 'unverified';
  effectiveFrom?: string;
  /** The version getProfile(name) returns when no version is given. */
  isDefaultVersion: boolean;
  title: { zh: string; en: string };
}

function defaultVersionOf(name: string): AqiProfile | undefined {
  // Newest verified version; an unverified one is never picked implicitly.
  const candidates = BUILT_IN.filter((p) => p.name === name && p.status === 'verified');
  return candidates.sort((a, b) => (b.effectiveFrom ?? '').localeCompare(a.effectiveFrom ?? ''))[0];
}

export function listProfiles(): ProfileSummary[] {
  return BUILT_IN.map((p) => {
    const s: ProfileSummary = {
      name: p.name,
      version: p.version,
      status: p.status,
      isDefaultVersion: defaultVersionOf(p.name) === p,
      title: p.title,
    };
    if (p.effectiveFrom !== undefined) s.effectiveFrom = p.effectiveFrom;
    return s;
  });
}

/** A built-in profile, or undefined. `local` is built from configuration (resolveProfile). */
export function findProfile(name: string, version?: string): AqiProfile | undefined {
  if (version === undefined) return defaultVersionOf(name);
  return BUILT_IN.find((p) => p.name === name && p.version === version);
}

function unknownProfileMessage(name: string, version: string | undefined): string {
  if (name === 'local') return 'profile "local" is built from configuration: use resolveProfile({profile: "local", local: {...}})';
  const known = BUILT_IN.map((b) => `${b.name}@${b.version}${b.status === 'unverified' ? ' (unverified)' : ''}`).join(', ');
  return `unknown AQHI profile "${name}${version === undefined ? '' : `@${version}`}"; known: ${known}, local`;
}

/** A built-in profile; throws AqhiConfigError naming what exists when there is no such profile. */
export function getProfile(name: string, version?: string): AqiProfile {
  const p = findProfile(name, version);
  if (p === undefined) throw new AqhiConfigError(unknownProfileMessage(name, version));
  return p;
}

export interface ProfileSelection {
  profile?: string;
  version?: string;
  /** The local profile's configuration, required when profile is `local`. */
  local?: unknown;
}

/** Resolves the deployment's `rules.aqhi` selection to a profile, or lists what is wrong. */
export function resolveProfile(selection: ProfileSelection): { ok: true; profile: AqiProfile } | { ok: false; errors: string[] } {
  const name = selection.profile ?? DEFAULT_PROFILE_NAME;
  if (name === 'local') {
    if (selection.local === undefined) return { ok: false, errors: ['aqhi.local: required when aqhi.profile is "local"'] };
    const r = validateLocalProfileConfig(selection.local);
    if (!r.ok) return { ok: false, errors: r.errors.map((e) => `aqhi.local.${e}`) };
    if (selection.version !== undefined && selection.version !== r.profile.version) {
      return { ok: false, errors: [`aqhi.version: "${selection.version}" does not match aqhi.local.version "${r.profile.version}"`] };
    }
    return { ok: true, profile: r.profile };
  }
  const p = findProfile(name, selection.version);
  return p === undefined ? { ok: false, errors: [unknownProfileMessage(name, selection.version)] } : { ok: true, profile: p };
}
