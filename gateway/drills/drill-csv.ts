import type { DrillReport } from './drill-report.js';

const HEADER = [
  'drill_started_at',
  'scenario',
  'grid',
  'person',
  'channel',
  'step',
  'paged_after_s',
  'outcome',
  'attempts',
  'error',
  'acked_after_s',
  'acked_after_page_s',
  'within_target',
  'target_s',
];

/** RFC 4180: fields with a comma, quote or line break are quoted, quotes doubled. */
function field(value: string | number | boolean | null): string {
  if (value === null) return '';
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** One row per page (person and channel), with that person's ack; people who acked unpaged get a row too. */
export function drillReportCsv(report: DrillReport): string {
  const rows: (string | number | boolean | null)[][] = [];
  const target = report.targets.firstAckWithinS;
  for (const person of report.people) {
    const pages = report.pages.filter((p) => p.person.id === person.person.id);
    const ack = [person.ackedAfterS, person.ackedAfterPageS, person.withinTarget, target] as const;
    if (pages.length === 0) rows.push([report.startedAt, report.scenario, report.grid.name, person.person.name, null, null, null, null, null, null, ...ack]);
    for (const page of pages) {
      rows.push([report.startedAt, report.scenario, report.grid.name, page.person.name, page.channel, page.step === null ? 'dispatch' : page.step + 1, page.pagedAfterS, page.outcome, page.attempts, page.error, ...ack]);
    }
  }
  return [HEADER, ...rows].map((row) => row.map(field).join(',')).join('\r\n') + '\r\n';
}
