import type { ExpectedAlert, Scenario } from './scenario-types.js';

/** An alert as `GET /api/alerts` returns it (CONTRACT.md §3), the fields a check needs. */
export interface ListedAlert {
  id: string;
  kind: string;
  subject: string;
  severity: string;
  state: string;
  /** ISO 8601 or epoch ms. */
  createdAt: string | number;
  resolvedAt?: string | number | null;
  details?: { falseAlarm?: unknown };
}

export interface ScenarioCheck {
  ok: boolean;
  found: { expected: ExpectedAlert; alert: ListedAlert }[];
  missing: ExpectedAlert[];
  /** Alerts about the scenario's subjects it was not meant to raise. */
  unexpected: ListedAlert[];
  /** Closed records that were never open and paged no one (a fall the wearer cancelled). */
  records: ListedAlert[];
}

const toMs = (t: string | number): number => (typeof t === 'number' ? t : Date.parse(t));

/** The gateway keeps a cancelled fall as a record resolved the moment it was made. */
function neverOpen(a: ListedAlert): boolean {
  return a.details?.falseAlarm === true || (a.resolvedAt != null && toMs(a.resolvedAt) === toMs(a.createdAt));
}

/** Did the scenario produce the alerts it is meant to, and no others about its subjects, since sinceMs? */
export function checkScenarioAlerts(scenario: Scenario, alerts: readonly ListedAlert[], sinceMs: number): ScenarioCheck {
  const ours = alerts.filter((a) => scenario.subjects.includes(a.subject) && toMs(a.createdAt) >= sinceMs);
  const records = ours.filter(neverOpen);
  const relevant = ours.filter((a) => !neverOpen(a));
  const found: ScenarioCheck['found'] = [];
  const missing: ExpectedAlert[] = [];
  const matched = new Set<string>();
  for (const expected of scenario.expectedAlerts) {
    const alert = relevant.find((a) => !matched.has(a.id) && a.kind === expected.kind && a.subject === expected.subject && a.severity === expected.severity);
    if (alert === undefined) missing.push(expected);
    else {
      matched.add(alert.id);
      found.push({ expected, alert });
    }
  }
  const unexpected = relevant.filter((a) => !matched.has(a.id));
  return { ok: missing.length === 0 && unexpected.length === 0, found, missing, unexpected, records };
}

export function describeCheck(check: ScenarioCheck, names: (id: string) => string = (id) => id): string[] {
  return [
    ...check.found.map(({ alert }) => `✓ ${alert.kind} (${alert.severity}) for ${names(alert.subject)}, now ${alert.state}`),
    ...check.missing.map((e) => `✗ no ${e.kind} (${e.severity}) alert for ${names(e.subject)}`),
    ...check.unexpected.map((a) => `✗ unexpected ${a.kind} (${a.severity}) for ${names(a.subject)}`),
    ...check.records.map((a) => `· ${a.kind} for ${names(a.subject)} kept as a closed record (false alarm), no one paged`),
    ...(check.found.length + check.missing.length + check.unexpected.length === 0 ? ['✓ no alert, as meant'] : []),
  ];
}
