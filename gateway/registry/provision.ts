import type { SqliteDatabase } from '../store/sqlite-database.js';
import type { ProvisionFile } from './schemas.js';

/** What a provision file sets for the whole deployment, kept across starts. */
export interface DeploymentSettings {
  timeZone: string;
  rules: NonNullable<ProvisionFile['rules']>;
  /** The 120 dispatch centre's endpoint, when the deployment hands emergencies off. */
  dispatch120?: NonNullable<ProvisionFile['dispatch120']>;
}

export const DEFAULT_TIME_ZONE = 'Asia/Shanghai';

export function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

export function saveDeploymentSettings(db: SqliteDatabase, settings: DeploymentSettings): void {
  db.prepare('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run('deployment', JSON.stringify(settings));
}

export function readDeploymentSettings(db: SqliteDatabase): DeploymentSettings {
  const row = db.prepare('SELECT value FROM settings WHERE key = ?').get('deployment') as { value: string } | undefined;
  return row === undefined ? { timeZone: DEFAULT_TIME_ZONE, rules: {} } : (JSON.parse(row.value) as DeploymentSettings);
}
