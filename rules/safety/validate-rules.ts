import { parseDailyWindow } from './daily-window.js';
import type { SafetyRules } from './defaults.js';
import { isSeverity } from './severity.js';

/**
 * Problems with a resolved rule set, one message each, naming the field; empty when it is sound.
 * Meant for load time, so a bad override is refused with a message instead of silently misfiring.
 */
export function validateSafetyRules(rules: SafetyRules): string[] {
  const problems: string[] = [];
  for (const [rule, fields] of Object.entries(rules)) {
    for (const [field, value] of Object.entries(fields as Record<string, unknown>)) {
      if (typeof value === 'number' && !(Number.isFinite(value) && value >= 0)) {
        problems.push(`${rule}.${field} must be a finite number >= 0`);
      }
    }
  }
  const { fall, vitals, noMotion, batteryLow, notWorn } = rules;
  if (fall.minConfidence > 1) problems.push('fall.minConfidence must be within 0..1');
  if (vitals.hrMin >= vitals.hrMax) problems.push('vitals.hrMin must be below vitals.hrMax');
  if (vitals.hrMin + vitals.hrClearMarginBpm > vitals.hrMax - vitals.hrClearMarginBpm) {
    problems.push('vitals.hrClearMarginBpm leaves no clear band between hrMin and hrMax');
  }
  if (vitals.spo2Min + vitals.spo2ClearMarginPct > 100) problems.push('vitals.spo2Min + spo2ClearMarginPct must be <= 100');
  if (!Number.isInteger(vitals.bpRepeats) || vitals.bpRepeats < 1) problems.push('vitals.bpRepeats must be an integer >= 1');
  if (parseDailyWindow(noMotion.wakingHours) === undefined) {
    problems.push(`noMotion.wakingHours must look like "07:00-22:00", got "${noMotion.wakingHours}"`);
  }
  if (batteryLow.clearAtPct < batteryLow.belowPct) problems.push('batteryLow.clearAtPct must be >= batteryLow.belowPct');
  if (!isSeverity(notWorn.severity)) problems.push('notWorn.severity must be low, medium, high or critical');
  return problems;
}
