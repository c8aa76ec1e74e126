import type { Alert, EscalationAction, EscalationSteps, RepagePolicy, Roster } from '../../rules/safety/index.js';
import type { Registry } from '../registry/registry.js';
import type { NewPageJob, PageReason, PageRoute } from './page-jobs.js';
import { escalationStepsFor, repagePolicyFor, resolvePerson, rosterFor } from './recipients.js';

/** Roles where the first reachable person is enough; the rest are everyone in the role. */
const FIRST_REACHABLE = new Set(['onDuty', 'backup', 'assignee']);

/** People of a role who were due a page but have no channel to be paged on (the alert side notes them). */
export interface UnreachableRole {
  role: string;
  people: string[];
}

/** The outbox jobs an escalation step asks for, and the roles nobody can be paged in. */
export interface PagePlan {
  jobs: NewPageJob[];
  noChannel: UnreachableRole[];
}

/** What the escalation planner needs to know of an alert's people: who fills each role, the steps, the re-page policy. */
export interface EscalationInputs {
  roster: Roster;
  steps: EscalationSteps;
  repage: RepagePolicy;
}

/**
 * Who is paged about alerts, and over which channels: the roster of an alert's roles, and the
 * outbox jobs each escalation action or direct page becomes. Pure over the registry; the alert
 * service commits the jobs with the step that asked for them.
 */
export class PagePlanner {
  constructor(
    private readonly registry: Registry,
    /** The deployment's zone: an SOS reaches the family doctor in clinic hours only. */
    private readonly timeZone: string,
  ) {}

  rosterOf(alert: Alert, nowMs: number): Roster {
    return rosterFor(this.registry, alert, { nowMs, timeZone: this.timeZone });
  }

  escalationInputs(alert: Alert, nowMs: number): EscalationInputs {
    return { roster: this.rosterOf(alert, nowMs), steps: escalationStepsFor(this.registry, alert), repage: repagePolicyFor(this.registry, alert) };
  }

  /** Each person's channels in their order, as routes. */
  routesOf(ids: readonly string[]): PageRoute[] {
    return ids.flatMap((id) => (resolvePerson(this.registry, id)?.channels ?? []).map((channel) => ({ to: id, channel })));
  }

  /** The jobs of one escalation action (a step, a re-page, a morning digest). */
  forAction(alert: Alert, action: EscalationAction, nowMs: number): PagePlan {
    const jobs: NewPageJob[] = [];
    const noChannel: UnreachableRole[] = [];
    if (action.type === 'digest') {
      for (const id of action.recipients) {
        const routes = this.routesOf([id]);
        if (routes.length > 0) jobs.push({ alertId: alert.id, step: 0, reason: 'digest', role: 'digest', routes, nextAttemptAtMs: action.sendAtMs });
      }
      return { jobs, noChannel };
    }
    const roster = this.rosterOf(alert, nowMs);
    const seen = new Set<string>();
    for (const target of action.notify) {
      const candidates = target === 'assignee' ? (alert.assignee === null ? (roster.onDuty ?? []) : [alert.assignee]) : (roster[target] ?? []);
      const ids = candidates.filter((id) => !seen.has(id));
      ids.forEach((id) => seen.add(id));
      const base = { alertId: alert.id, step: action.step, reason: action.reason, role: target, nextAttemptAtMs: nowMs } as const;
      if (FIRST_REACHABLE.has(target)) {
        const routes = this.routesOf(ids);
        if (routes.length > 0) jobs.push({ ...base, routes });
        else if (ids.length > 0) noChannel.push({ role: target, people: ids });
      } else {
        for (const id of ids) {
          const routes = this.routesOf([id]);
          if (routes.length > 0) jobs.push({ ...base, routes });
          else noChannel.push({ role: target, people: [id] });
        }
      }
    }
    return { jobs, noChannel };
  }

  /**
   * Pages about an alert outside its escalation policy (a responder dispatch, a notice that a
   * condition eased): one job per person over their own channels; people without one are left out.
   */
  direct(alertId: string, personIds: readonly string[], options: { reason: Extract<PageReason, 'dispatch' | 'notice'>; role: string; atMs: number }): NewPageJob[] {
    const jobs: NewPageJob[] = [];
    for (const id of new Set(personIds)) {
      const routes = this.routesOf([id]);
      if (routes.length > 0) jobs.push({ alertId, step: null, reason: options.reason, role: options.role, routes, nextAttemptAtMs: options.atMs });
    }
    return jobs;
  }
}
