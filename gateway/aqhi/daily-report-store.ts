import type { SqliteDatabase } from '../store/sqlite-database.js';
import type { DailyReport } from './daily-report-schema.js';

export type ReportScope = 'station' | 'district';

/** Daily reports, every revision kept (table `aqhi_daily_reports`). */
export class SqliteDailyReportStore {
  private readonly insert;
  private readonly selectLatest;
  private readonly selectRecent;

  constructor(private readonly db: SqliteDatabase) {
    this.insert = db.prepare('INSERT INTO aqhi_daily_reports (scope, subject, date, revision, body, issued_at_ms) VALUES (?, ?, ?, ?, ?, ?)');
    this.selectLatest = db.prepare('SELECT body FROM aqhi_daily_reports WHERE scope = ? AND subject = ? AND date = ? ORDER BY revision DESC LIMIT 1');
    // The latest revision of each of the newest `days` dates up to a date.
    this.selectRecent = db.prepare(
      `SELECT r.body FROM aqhi_daily_reports r
         JOIN (SELECT date, MAX(revision) AS revision FROM aqhi_daily_reports WHERE scope = ? AND subject = ? AND date <= ? GROUP BY date ORDER BY date DESC LIMIT ?) l
           ON r.date = l.date AND r.revision = l.revision
        WHERE r.scope = ? AND r.subject = ? ORDER BY r.date DESC`,
    );
  }

  /** Runs fn in one transaction: a morning's reports are written with one commit. */
  batch<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  save(scope: ReportScope, subject: string, report: DailyReport, issuedAtMs: number): void {
    this.insert.run(scope, subject, report.date, report.revision, JSON.stringify(report), issuedAtMs);
  }

  latest(scope: ReportScope, subject: string, date: string): DailyReport | undefined {
    const row = this.selectLatest.get(scope, subject, date) as { body: string } | undefined;
    return row === undefined ? undefined : (JSON.parse(row.body) as DailyReport);
  }

  /** Newest first. */
  recent(scope: ReportScope, subject: string, untilDate: string, days: number): DailyReport[] {
    return (this.selectRecent.all(scope, subject, untilDate, days, scope, subject) as { body: string }[]).map((r) => JSON.parse(r.body) as DailyReport);
  }
}
