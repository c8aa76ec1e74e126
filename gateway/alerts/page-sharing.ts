import type { Logger } from 'pino';
import type { Alert } from '../../rules/safety/index.js';
import type { AccessEntry, AccessLog } from '../audit/access-log.js';
import type { AlertContext } from './alert-context.js';
import type { Person } from '../pager/recipients.js';
import { RECIPIENT_OF_KIND } from '../pager/recipients.js';
import type { Registry } from '../registry/registry.js';
import { shareAlert, type Grounds } from './alert-sharing.js';
import { isEmergency } from '../sharing/sharing-policy.js';

/** The access-log rows for what one viewer received of one alert about a resident. */
export function accessEntriesFor(base: Pick<AccessEntry, 'atMs' | 'actor' | 'role' | 'action'>, alert: Pick<Alert, 'subject' | 'kind' | 'severity' | 'details'>, grounds: Grounds): AccessEntry[] {
  const entries: AccessEntry[] = [{ ...base, resident: alert.subject, category: 'profile', ground: isEmergency(alert) ? 'emergency' : 'consent' }];
  for (const [category, ground] of Object.entries(grounds)) entries.push({ ...base, resident: alert.subject, category: category as AccessEntry['category'], ground });
  return entries;
}

/** The pager's view of an alert for one person: shaped by the sharing choices, and logged as sent. */
export function createPageSharing(registry: Registry, accessLog: AccessLog, now: () => number, log: Logger) {
  return (alert: Alert, person: Person, context: AlertContext): { alert: Alert; context: AlertContext } => {
    const shared = shareAlert(registry, RECIPIENT_OF_KIND[person.kind], alert, alert, context);
    if (registry.has('residents', alert.subject)) {
      // The page goes out whether or not its log row is written; a row not written is an error to see.
      accessLog
        .record(accessEntriesFor({ atMs: now(), actor: person.id, role: RECIPIENT_OF_KIND[person.kind], action: 'page' }, alert, shared.grounds))
        .catch((err: unknown) => log.error({ err, alertId: alert.id, to: person.id }, 'a page was not written to the access log'));
    }
    return { alert: shared.alert, context: shared.context ?? context };
  };
}
