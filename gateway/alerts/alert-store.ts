import { alertKey, type Alert, type AlertKind, type AlertState } from '../../rules/safety/index.js';
import { SqlitePageJobRows, type NewPageJob, type PageReason } from '../pager/page-jobs.js';
import type { Fence } from '../store/fence.js';
import type { SqliteDatabase } from '../store/sqlite-database.js';
import { DRILL_DEDUP_PREFIX } from './drill-marker.js';

export interface AlertFilter {
  state?: readonly AlertState[];
  grids?: readonly string[];
  kinds?: readonly AlertKind[];
  subject?: string;
  sinceMs?: number;
  limit?: number;
  /** Drill alerts: left out unless asked for (`include`, or `only` the drills). */
  drills?: 'exclude' | 'include' | 'only';
}

/** An alert carrying a dedupKey; one alert per key is open at a time. */
export type KeyedAlert = Alert & { dedupKey?: string };

/**
 * At most one open or acked alert per key: (subject, kind) by default; finer where one subject can
 * have several independent conditions of a kind (each fault of an AED cabinet).
 */
export function dedupKeyOf(alert: KeyedAlert): string {
  return alert.dedupKey ?? alertKey(alert.subject, alert.kind);
}

/**
 * One change of the alert side, written whole or not at all: the alert as it now stands (its
 * timeline included), the pages it asks for into the outbox, and the pending pages of the alert
 * it makes unwanted (`cancelPending`: their reasons). A direct page is jobs alone.
 */
export interface AlertCommit {
  atMs: number;
  alert?: Alert;
  /**
   * What the change was made from: the alert as this gateway last knew it, or `new` for an alert
   * raised now. When the store holds something else (another gateway changed it, or opened one of
   * the same key first) nothing is written and the commit rejects with AlertConflict. Without it
   * the alert is written as it is.
   */
  basedOn?: Alert | 'new';
  /**
   * Several gateways: the lease the change is made under (a rule's outcome, an escalation step).
   * When the lease is gone nothing is written and the commit rejects with LeaseLostError.
   */
  fence?: Fence;
  jobs?: readonly NewPageJob[];
  cancelPending?: readonly PageReason[];
}

/** The alert changed in the store since the change was made from it: read it again and redo the change. */
export class AlertConflict extends Error {
  override name = 'AlertConflict';
  constructor(readonly alertId: string) {
    super(`alert ${alertId} was changed by another gateway`);
  }
}

export interface AlertCommitResult {
  /** The outbox ids of `jobs`, in their order. */
  jobIds: number[];
  /** How many pending pages were cancelled. */
  cancelled: number;
}

/**
 * Where alerts are kept, each with its timeline. A saved alert replaces the earlier save of the same
 * id whole; the alert service only ever appends to a timeline, and the store gives back exactly
 * what was saved, timeline order included, after a restart too (test/contracts/alert-store).
 * The store owns the transaction: `commit` is the one unit the alert service writes through.
 */
export interface AlertStore {
  commit(unit: AlertCommit): Promise<AlertCommitResult>;
  /** The alert alone (a commit of nothing else). */
  save(alert: Alert, atMs: number): Promise<void>;
  get(id: string): Promise<Alert | undefined>;
  /** Every open or acked alert (the working set the service keeps in memory). */
  listActive(): Promise<Alert[]>;
  /** Newest first (created, then id); at most `limit` (default 200). */
  list(filter: AlertFilter): Promise<Alert[]>;
}

/**
 * Alerts in SQLite: the row's columns for queries, the whole alert (with its timeline) as JSON.
 * Each method does its work synchronously, in one SQLite transaction where it writes, and returns
 * a settled promise: the embedded path pays no round trip for the port being asynchronous.
 */
export class SqliteAlertStore implements AlertStore {
  private readonly upsert;
  private readonly byId;
  private readonly active;
  private readonly activeByKey;
  private readonly outbox: SqlitePageJobRows;
  private readonly commitTransaction;

  constructor(private readonly db: SqliteDatabase) {
    this.upsert = db.prepare(
      `INSERT INTO alerts (id, kind, subject, grid, dedup_key, state, severity, created_at_ms, updated_at_ms, body)
       VALUES (@id, @kind, @subject, @grid, @dedupKey, @state, @severity, @createdAt, @updatedAt, @body)
       ON CONFLICT (id) DO UPDATE SET state = excluded.state, severity = excluded.severity,
         updated_at_ms = excluded.updated_at_ms, body = excluded.body`,
    );
    this.byId = db.prepare('SELECT body FROM alerts WHERE id = ?');
    this.active = db.prepare("SELECT body FROM alerts WHERE state <> 'resolved'");
    this.activeByKey = db.prepare("SELECT 1 FROM alerts WHERE dedup_key = ? AND state <> 'resolved'");
    this.outbox = new SqlitePageJobRows(db);
    this.commitTransaction = db.transaction((unit: AlertCommit): AlertCommitResult => {
      if (unit.alert !== undefined) {
        if (unit.basedOn !== undefined) this.checkBasis(unit.alert, unit.basedOn);
        this.saveRow(unit.alert, unit.atMs);
      }
      const jobIds = (unit.jobs ?? []).map((job) => this.outbox.insert(job, unit.atMs));
      const cancelled = unit.alert === undefined || unit.cancelPending === undefined ? 0 : this.outbox.cancelPending(unit.alert.id, unit.cancelPending, unit.atMs);
      return { jobIds, cancelled };
    });
  }

  async commit(unit: AlertCommit): Promise<AlertCommitResult> {
    return this.commitTransaction(unit);
  }

  async save(alert: Alert, atMs: number): Promise<void> {
    this.saveRow(alert, atMs);
  }

  private checkBasis(alert: Alert, basedOn: Alert | 'new'): void {
    const row = this.byId.get(alert.id) as { body: string } | undefined;
    const fresh =
      basedOn === 'new'
        ? row === undefined && (alert.state === 'resolved' || this.activeByKey.get(dedupKeyOf(alert)) === undefined)
        : row?.body === JSON.stringify(basedOn);
    if (!fresh) throw new AlertConflict(alert.id);
  }

  private saveRow(alert: Alert, atMs: number): void {
    this.upsert.run({
      id: alert.id,
      kind: alert.kind,
      subject: alert.subject,
      grid: alert.grid,
      dedupKey: dedupKeyOf(alert),
      state: alert.state,
      severity: alert.severity,
      createdAt: alert.createdAt,
      updatedAt: atMs,
      body: JSON.stringify(alert),
    });
  }

  async get(id: string): Promise<Alert | undefined> {
    const row = this.byId.get(id) as { body: string } | undefined;
    return row === undefined ? undefined : (JSON.parse(row.body) as Alert);
  }

  /** Every open or acked alert (the working set the service keeps in memory). */
  async listActive(): Promise<Alert[]> {
    return (this.active.all() as { body: string }[]).map((r) => JSON.parse(r.body) as Alert);
  }

  /** Newest first. */
  async list(filter: AlertFilter): Promise<Alert[]> {
    const where: string[] = [];
    const args: (string | number)[] = [];
    const inList = (column: string, values: readonly string[] | undefined): void => {
      if (values === undefined) return;
      if (values.length === 0) where.push('0');
      else {
        where.push(`${column} IN (${values.map(() => '?').join(', ')})`);
        args.push(...values);
      }
    };
    inList('state', filter.state);
    inList('grid', filter.grids);
    inList('kind', filter.kinds);
    if (filter.subject !== undefined) {
      where.push('subject = ?');
      args.push(filter.subject);
    }
    if (filter.sinceMs !== undefined) {
      where.push('updated_at_ms >= ?');
      args.push(filter.sinceMs);
    }
    const drills = filter.drills ?? 'exclude';
    if (drills !== 'include') {
      where.push(drills === 'only' ? "substr(dedup_key, 1, ?) = ?" : "substr(dedup_key, 1, ?) <> ?");
      args.push(DRILL_DEDUP_PREFIX.length, DRILL_DEDUP_PREFIX);
    }
    const sql = `SELECT body FROM alerts ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at_ms DESC, id DESC LIMIT ?`;
    args.push(filter.limit ?? 200);
    return (this.db.prepare(sql).all(...args) as { body: string }[]).map((r) => JSON.parse(r.body) as Alert);
  }
}
