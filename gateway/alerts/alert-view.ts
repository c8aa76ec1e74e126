import type { Alert, AlertEventName, TimelineEntry } from '../../rules/safety/index.js';
import type { Principal } from '../auth/token-store.js';
import type { Registry } from '../registry/registry.js';
import { drillIdOf } from './drill-marker.js';
import { personalAlertVisible, residentsOf } from '../sharing/visibility.js';

type TimelineView = Omit<TimelineEntry, 'atMs'> & { at: string };

/** The alert as the API, SSE, MQTT and pages show it: times as ISO 8601, the contract's field names. */
export interface AlertView extends Omit<Alert, 'createdAt' | 'ackedAt' | 'resolvedAt' | 'lastOccurredAt' | 'timeline'> {
  createdAt: string;
  ackedAt: string | null;
  resolvedAt: string | null;
  lastOccurredAt: string;
  /** The escalation step reached so far (0 = the first), null before any page. */
  escalationStep: number | null;
  /** The drill this alert belongs to; null for a real alert. */
  drill: string | null;
  timeline: TimelineView[];
}

/** One alert change as the SSE stream and the `alerts/grid/{gridId}` topic carry it. */
export interface AlertChangeMessage {
  change: AlertEventName[];
  alert: AlertView;
}

const iso = (ms: number): string => new Date(ms).toISOString();
const isoOrNull = (ms: number | null): string | null => (ms === null ? null : iso(ms));

export function presentAlert(alert: Alert): AlertView {
  let step: number | null = null;
  for (const entry of alert.timeline) if (entry.type === 'escalated' && (step === null || entry.step > step)) step = entry.step;
  return {
    ...alert,
    createdAt: iso(alert.createdAt),
    ackedAt: isoOrNull(alert.ackedAt),
    resolvedAt: isoOrNull(alert.resolvedAt),
    lastOccurredAt: iso(alert.lastOccurredAt),
    escalationStep: step,
    drill: drillIdOf(alert),
    timeline: alert.timeline.map(({ atMs, ...rest }) => ({ at: iso(atMs), ...rest }) as TimelineView),
  };
}

/**
 * Which alerts a caller may see. A worker: the alerts of their own grids. Bureau staff and
 * responders: none (alerts carry resident data; the bureau has the index feed, responders their
 * dispatches).
 */
export function alertVisibility(registry: Registry, principal: Principal): (alert: Pick<Alert, 'grid' | 'kind' | 'subject' | 'severity' | 'details'>) => boolean {
  switch (principal.role) {
    case 'admin':
      return () => true;
    case 'worker': {
      const grids = new Set(principal.subject === null ? [] : (registry.get('workers', principal.subject)?.grids ?? []));
      return (alert) => grids.has(alert.grid);
    }
    case 'doctor':
    case 'family':
      // Their own patients or relative, within the resident's sharing choices.
      return (alert) => personalAlertVisible(registry, principal, alert);
    default:
      return () => false;
  }
}

/** The grids a caller may filter on; undefined means every grid. */
export function visibleGrids(registry: Registry, principal: Principal): string[] | undefined {
  if (principal.role === 'admin') return undefined;
  if (principal.role === 'worker' && principal.subject !== null) return [...(registry.get('workers', principal.subject)?.grids ?? [])];
  // Doctors and family: their residents' grids; each alert is then checked against the sharing choices.
  if (principal.role === 'doctor' || principal.role === 'family') return [...new Set(residentsOf(registry, principal).map((r) => r.grid))];
  return [];
}
