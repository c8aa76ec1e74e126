import type { Alert } from '../../rules/safety/index.js';

/**
 * A drill's alert is a real alert (real escalation, pager and channels) marked with its drill's
 * id in `details.drill` and kept apart by its dedup key: it never merges with a real alert, is
 * left out of the alert lists and metrics by default, and every page of it says DRILL.
 */
export const DRILL_DEDUP_PREFIX = 'drill:';

export function drillDedupKey(drillId: string): string {
  return `${DRILL_DEDUP_PREFIX}${drillId}`;
}

export function drillIdOf(alert: Pick<Alert, 'details'>): string | null {
  const value = alert.details.drill;
  return typeof value === 'string' ? value : null;
}

export function isDrill(alert: Pick<Alert, 'details'>): boolean {
  return drillIdOf(alert) !== null;
}

/** The words every drill page starts with, in both languages. */
export const DRILL_MARK = '[演练 DRILL]';
