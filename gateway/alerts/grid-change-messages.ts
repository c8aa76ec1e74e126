import type { Alert, AlertEventName } from '../../rules/safety/index.js';
import { presentAlert, type AlertView } from './alert-view.js';

/**
 * What `alerts/grid/{gridId}` carries for one change: the alert's fields as the contract names
 * them, but of its timeline only the entries added since the previous message on the topic
 * (`timelineFrom` is the first one's index, `timelineLength` the whole timeline's). An app that
 * missed messages, or wants the notes, reads `GET /api/alerts/:id`.
 */
export interface GridChangeMessage {
  change: AlertEventName[];
  alert: AlertView & { timelineFrom: number; timelineLength: number };
}

/** Remembers, per open alert, how much of its timeline the topic has carried. */
export class GridChangeMessages {
  private readonly published = new Map<string, number>();

  next(alert: Alert, change: AlertEventName[]): GridChangeMessage {
    const from = Math.min(this.published.get(alert.id) ?? 0, alert.timeline.length);
    const view = presentAlert({ ...alert, timeline: alert.timeline.slice(from) });
    if (alert.state === 'resolved') this.published.delete(alert.id);
    else this.published.set(alert.id, alert.timeline.length);
    return { change, alert: { ...view, timelineFrom: from, timelineLength: alert.timeline.length } };
  }
}
