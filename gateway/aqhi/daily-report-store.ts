import type { SqliteDatabase } from '../store/sqlite-database.js';
import type { DailyReport } from './daily-report-schema.js';

export type ReportScope = 'station' | 'district';

/** One report to keep: for a station (subject: its id) or a district (subject: the district). */
export interface ReportToSave {
  scope: ReportScope;
  subject: string;
  report: DailyReport;
}

/** Daily reports, every revision kept; (scope, subject, date, revision) names one. */
export interface DailyReportStore {
  /**
   * Keeps the reports in one write and gives back those it kept, in the order given; a revision
   * already kept stays as it was and is left out (two issuers of the same revision make one).
   */
  saveNew(reports: readonly ReportToSave[], issuedAtMs: number): Promise<DailyReport[]>;
  /** The highest revision of a subject's day. */
  latest(scope: ReportScope, subject: string, date: string): Promise<DailyReport | undefined>;
  /** The latest revision of each of the newest `days` dates up to untilDate, newest first. */
  recent(scope: ReportScope, subject: string, untilDate: string, days: number): Promise<DailyReport[]>;
}

/** Table `aqhi_daily_reports`. */
export class SqliteDailyReportStore implements DailyReportStore {
  private readonly insert;
  private readonly selectLatest;
  private readonly selectRecent;

  constructor(private readonly db: SqliteDatabase) {
    this.insert = db.prepare(
      'INSERT INTO aqhi_daily_reports (scope, subject, date, revision, body, issued_at_ms) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (scope, subject, date, revision) DO NOTHING',
    );
    this.selectLatest = db.prepare('SELECT body FROM aqhi_daily_reports WHERE scope = ? AND subject = ? AND date = ? ORDER BY revision DESC LIMIT 1');
    this.selectRecent = db.prepare(
      `SELECT r.body FROM aqhi_daily_reports r
         JOIN (SELECT date, MAX(revision) AS revision FROM aqhi_daily_reports WHERE scope = ? AND subject = ? AND date <= ? GROUP BY date ORDER BY date DESC LIMIT ?) l
           ON r.date = l.date AND r.revision = l.revision
        WHERE r.scope = ? AND r.subject = ? ORDER BY r.date DESC`,
    );
  }

  async saveNew(reports: readonly ReportToSave[], issuedAtMs: number): Promise<DailyReport[]> {
    // A morning's reports are written with one commit.
    return this.db.transaction(() =>
      reports.filter(({ scope, subject, report }) => this.insert.run(scope, subject, report.date, report.revision, JSON.stringify(report), issuedAtMs).changes > 0).map((r) => r.report),
    )();
  }

  async latest(scope: ReportScope, subject: string, date: string): Promise<DailyReport | undefined> {
    const row = this.selectLatest.get(scope, subject, date) as { body: string } | undefined;
    return row === undefined ? undefined : (JSON.parse(row.body) as DailyReport);
  }

  async recent(scope: ReportScope, subject: string, untilDate: string, days: number): Promise<DailyReport[]> {
    return (this.selectRecent.all(scope, subject, untilDate, days, scope, subject) as { body: string }[]).map((r) => JSON.parse(r.body) as DailyReport);
  }
}
