import type { Alert } from '../../rules/safety/index.js';
import type { PageComposer } from '../pager/pager.js';
import type { Person } from '../pager/recipients.js';
import type { AlertContext } from './alert-context.js';
import { buildDigestMessage, buildPageMessage } from './page-message.js';

export interface PageComposerDeps {
  /** The alert as it is now (a re-page says whether it is still open). */
  alert(id: string): Promise<Alert | undefined>;
  context(alert: Alert): AlertContext;
  /** The alert and context as this person may receive them (the resident's sharing choices); as they are when absent. */
  share?(alert: Alert, person: Person, context: AlertContext): { alert: Alert; context: AlertContext };
  ackUrl(alertId: string, personId: string): string;
  /** Accept and decline links for a responder dispatch page. */
  dispatchUrls(alertId: string, personId: string): { acceptUrl: string; declineUrl: string };
  timeZone: string;
}

/** The words of each page, written from the alert as it stands when the page goes out. */
export function createPageComposer(deps: PageComposerDeps): PageComposer {
  const shared = (alert: Alert, person: Person): { alert: Alert; context: AlertContext } => {
    const context = deps.context(alert);
    return deps.share === undefined ? { alert, context } : deps.share(alert, person, context);
  };
  return {
    async page(job, person) {
      const alert = await deps.alert(job.alertId);
      if (alert === undefined) return undefined;
      return buildPageMessage({
        ...shared(alert, person),
        person,
        reason: job.reason,
        step: job.step,
        ackUrl: deps.ackUrl(alert.id, person.id),
        ...(job.reason === 'dispatch' ? { dispatch: deps.dispatchUrls(alert.id, person.id) } : {}),
        timeZone: deps.timeZone,
      });
    },
    async wantsDigest(alertId) {
      const alert = await deps.alert(alertId);
      return alert !== undefined && alert.state !== 'resolved';
    },
    async digest(jobs, person) {
      const alerts = await Promise.all(jobs.map((job) => deps.alert(job.alertId)));
      const items = alerts.flatMap((alert) => (alert === undefined ? [] : [{ ...shared(alert, person), ackUrl: deps.ackUrl(alert.id, person.id) }]));
      return buildDigestMessage(person, items, deps.timeZone);
    },
  };
}
