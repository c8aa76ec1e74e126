import type { DailyWindow } from '../daily-window.js';
import { parseDailyWindow } from '../daily-window.js';
import { DEFAULT_SAFETY_RULES } from '../defaults.js';
import type { SafetyRules } from '../defaults.js';

const FALLBACK = parseDailyWindow(DEFAULT_SAFETY_RULES.noMotion.wakingHours) ?? { startMin: 7 * 60, endMin: 22 * 60 };
const parsed = new Map<string, DailyWindow>();

/**
 * The waking hours in force. A malformed override falls back to the default rather than stopping
 * the rule; `validateSafetyRules` reports it at load.
 */
export function wakingHours(rules: SafetyRules): DailyWindow {
  const text = rules.noMotion.wakingHours;
  let window = parsed.get(text);
  if (window === undefined) {
    window = parseDailyWindow(text) ?? FALLBACK;
    if (parsed.size < 256) parsed.set(text, window);
  }
  return window;
}
