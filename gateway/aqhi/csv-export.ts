import { POLLUTANTS } from '../../rules/aqhi/index.js';
import type { DailyReport } from './daily-report-schema.js';
import type { HistoryPoint } from './feed-schema.js';

/** RFC 4180: a field with a comma, quote or line break is quoted, quotes doubled. */
function field(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text = typeof value === 'string' ? value : String(value as number | boolean);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

const toCsv = (header: readonly string[], rows: readonly (readonly unknown[])[]): string =>
  [header, ...rows].map((r) => r.map(field).join(',')).join('\r\n') + '\r\n';

/** One row per hour; pollutant columns are the window means the index used (µg/m³; CO mg/m³). */
export function historyCsv(stationId: string, points: readonly HistoryPoint[]): string {
  const header = ['station', 'hour_start', 'hour_end', 'value', 'display', 'band', 'category', 'provisional', 'complete', ...POLLUTANTS.map((p) => `${p}_window_mean`)];
  const rows = points.map((p) => [
    stationId,
    new Date(p.hourStartMs).toISOString(),
    p.time,
    p.value,
    p.display,
    p.band,
    p.category?.id ?? null,
    p.provisional,
    p.complete,
    ...POLLUTANTS.map((pollutant) => p.contributions.find((c) => c.pollutant === pollutant)?.inputMean ?? null),
  ]);
  return toCsv(header, rows);
}

/** One row per report (the latest revision of each day). */
export function dailyCsv(reports: readonly DailyReport[]): string {
  const header = [
    'date', 'scope', 'station', 'district', 'name', 'revision', 'issued_at', 'max', 'mean', 'min', 'max_band', 'mean_band', 'min_band',
    'dominant', 'hours_counted', 'hours_expected', 'completeness', 'incomplete',
    ...POLLUTANTS.flatMap((p) => [`${p}_mean`, `${p}_max`, `${p}_exceedances`]),
  ];
  const rows = reports.map((r) => [
    r.date, r.scope, r.stationId, r.district, r.name, r.revision, r.issuedAt, r.max, r.mean, r.min,
    r.bands.max?.band ?? null, r.bands.mean?.band ?? null, r.bands.min?.band ?? null,
    r.dominant?.pollutant ?? null, r.hoursCounted, r.hoursExpected, r.completeness, r.incomplete,
    ...POLLUTANTS.flatMap((p) => {
      const d = r.pollutants[p];
      return [d?.mean ?? null, d?.max ?? null, d === undefined ? null : d.limits.reduce((n, l) => n + l.exceedances, 0)];
    }),
  ]);
  return toCsv(header, rows);
}
