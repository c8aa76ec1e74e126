import type { SafetyRuleOverrides, SafetyRules, VitalsRules } from './defaults.js';
import { DEFAULT_SAFETY_RULES } from './defaults.js';
import type { SafetyResident } from './types.js';

/** Deployment-wide overrides (the provision file's `rules:`) and per-grid overrides by grid id. */
export interface SafetyRulesConfig {
  rules?: SafetyRuleOverrides;
  grids?: Readonly<Record<string, SafetyRuleOverrides>>;
}

const VITALS_KEYS = Object.keys(DEFAULT_SAFETY_RULES.vitals) as (keyof VitalsRules)[];
const RULE_KEYS = Object.keys(DEFAULT_SAFETY_RULES) as (keyof SafetyRules)[];

/**
 * Copies only the keys the base knows, with a value of the same type: a stray `null` or a string
 * where a number belongs (a hand-edited YAML file) never turns a threshold into NaN.
 */
function overlay<T extends object>(base: T, over: object | undefined): T {
  if (over === undefined || over === null || typeof over !== 'object') return base;
  const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [key, value] of Object.entries(over)) {
    const current = (base as Record<string, unknown>)[key];
    if (current === undefined) continue;
    if (typeof value !== typeof current) continue;
    if (typeof value === 'number' && !Number.isFinite(value)) continue;
    out[key] = value;
  }
  return out as T;
}

function applyOverrides(base: SafetyRules, over: SafetyRuleOverrides | undefined): SafetyRules {
  if (over === undefined) return base;
  const out = { ...base } as Record<keyof SafetyRules, object>;
  for (const key of RULE_KEYS) out[key] = overlay(base[key], over[key]);
  return out as unknown as SafetyRules;
}

/** Rule defaults, then the deployment's `rules:`, then the resident's grid, then the resident. */
export function resolveSafetyRules(config: SafetyRulesConfig, resident: SafetyResident): SafetyRules {
  let rules = applyOverrides(DEFAULT_SAFETY_RULES, config.rules);
  rules = applyOverrides(rules, config.grids?.[resident.grid]);
  const own = resident.thresholds;
  if (own === undefined) return rules;
  rules = applyOverrides(rules, own);
  const flat: Partial<Record<keyof VitalsRules, unknown>> = {};
  for (const key of VITALS_KEYS) if (key in own) flat[key] = own[key];
  return { ...rules, vitals: overlay(rules.vitals, flat) };
}
