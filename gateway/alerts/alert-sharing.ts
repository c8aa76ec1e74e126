import type { Alert } from '../../rules/safety/index.js';
import type { AlertContext } from './alert-context.js';
import type { AlertView } from './alert-view.js';
import type { Registry } from '../registry/registry.js';
import type { SharingCategory } from '../registry/schemas.js';
import { categoryOfKind, groundFor, type Ground } from '../sharing/sharing-policy.js';
import type { Viewer } from '../sharing/viewer.js';

/** Detail fields that reveal where the resident is. */
const LOCATION_DETAILS = ['lat', 'lon', 'acc', 'distanceM', 'radiusM'];

/** What a viewer received of each category of the resident's data about one alert, and on what ground. */
export type Grounds = Partial<Record<SharingCategory, Ground>>;

export interface SharedAlert<V> {
  alert: V;
  context: AlertContext | null;
  grounds: Grounds;
}

/** Marks what went out under the emergency rule (CONTRACT.md §6: `"sharedUnder": "emergency"`). */
function emergencyMark(grounds: Grounds): { sharedUnder?: 'emergency' } {
  return Object.values(grounds).includes('emergency') ? { sharedUnder: 'emergency' } : {};
}

/**
 * The alert (and its context) as this viewer may see it under the resident's sharing choices:
 * coordinates, readings and conditions withheld unless shared with the viewer's kind or the
 * emergency rule applies. Alerts about AEDs and stations carry no resident data and pass as they are.
 */
export function shareAlert<V extends AlertView | Alert>(
  registry: Pick<Registry, 'get'>,
  viewer: Viewer,
  alert: Pick<Alert, 'subject' | 'kind' | 'severity' | 'details'>,
  view: V,
  context: AlertContext | null,
): SharedAlert<V> {
  const resident = registry.get('residents', alert.subject);
  if (viewer === 'admin' || resident === undefined) return { alert: view, context, grounds: {} };
  const grounds: Grounds = {};
  const ground = (category: SharingCategory): Ground | undefined => {
    const g = groundFor(resident, category, viewer, alert);
    if (g !== undefined) grounds[category] = g;
    return g;
  };
  const location = ground('location');
  const conditions = ground('conditions');
  const kindCategory = categoryOfKind(alert.kind);
  const kindGround = kindCategory === undefined ? 'consent' : kindCategory === 'location' ? location : ground(kindCategory);

  let details = { ...view.details };
  if (kindGround === undefined) details = {};
  else if (location === undefined) for (const key of LOCATION_DETAILS) delete details[key];

  let shapedContext = context;
  if (context !== null) {
    shapedContext = {
      ...context,
      resident: context.resident === null ? null : { ...context.resident, conditions: conditions === undefined ? [] : context.resident.conditions },
      location: location === undefined || context.location === null ? null : { ...context.location, ...(location === 'emergency' ? { sharedUnder: 'emergency' as const } : {}) },
      nearestAeds: location === undefined ? [] : context.nearestAeds,
    };
  }
  const shaped = { ...view, details, ...emergencyMark(grounds) } as V;
  return { alert: shaped, context: shapedContext, grounds };
}
