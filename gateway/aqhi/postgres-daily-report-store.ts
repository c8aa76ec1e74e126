import type { DailyReport } from './daily-report-schema.js';
import type { DailyReportStore, ReportScope, ReportToSave } from './daily-report-store.js';
import { inTransaction, type PostgresPool } from '../store/postgres-database.js';

const reports = (rows: { body: string }[]): DailyReport[] => rows.map((r) => JSON.parse(r.body) as DailyReport);

/** Table `aqhi_daily_reports` in PostgreSQL: a revision is kept once, whichever instance issues it first. */
export class PostgresDailyReportStore implements DailyReportStore {
  constructor(private readonly pool: PostgresPool) {}

  /** One transaction; gives back the reports it kept, in the order given. */
  saveNew(list: readonly ReportToSave[], issuedAtMs: number): Promise<DailyReport[]> {
    return inTransaction(this.pool, async (client) => {
      const kept: DailyReport[] = [];
      for (const { scope, subject, report } of list) {
        const { rowCount } = await client.query(
          'INSERT INTO aqhi_daily_reports (scope, subject, date, revision, body, issued_at_ms) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING',
          [scope, subject, report.date, report.revision, JSON.stringify(report), issuedAtMs],
        );
        if (rowCount === 1) kept.push(report);
      }
      return kept;
    });
  }

  async latest(scope: ReportScope, subject: string, date: string): Promise<DailyReport | undefined> {
    const { rows } = await this.pool.query<{ body: string }>('SELECT body FROM aqhi_daily_reports WHERE scope = $1 AND subject = $2 AND date = $3 ORDER BY revision DESC LIMIT 1', [scope, subject, date]);
    return reports(rows)[0];
  }

  async recent(scope: ReportScope, subject: string, untilDate: string, days: number): Promise<DailyReport[]> {
    const { rows } = await this.pool.query<{ body: string }>(
      `SELECT body FROM (SELECT DISTINCT ON (date) date, body FROM aqhi_daily_reports
         WHERE scope = $1 AND subject = $2 AND date <= $3 ORDER BY date DESC, revision DESC) latest
       ORDER BY date DESC LIMIT $4`,
      [scope, subject, untilDate, days],
    );
    return reports(rows);
  }
}
