import type { SqliteDatabase } from '../store/sqlite-database.js';
import { settle } from '../store/settle.js';
import type { ProvisionFile } from './schemas.js';

/** What a provision file sets for the whole deployment, kept across starts. */
export interface DeploymentSettings {
  timeZone: string;
  rules: NonNullable<ProvisionFile['rules']>;
  /** The 120 dispatch centre's endpoint, when the deployment hands emergencies off. */
  dispatch120?: NonNullable<ProvisionFile['dispatch120']>;
}

export const DEFAULT_TIME_ZONE = 'Asia/Shanghai';

/** Their row in the store's `settings` table, written with the provision load's entries (a registry side write). */
export const DEPLOYMENT_SETTINGS_KEY = 'deployment';

/** What a deployment runs with before its first provision file. */
export const nothingProvisioned = (): DeploymentSettings => ({ timeZone: DEFAULT_TIME_ZONE, rules: {} });

export function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/** Where the deployment's settings are read at start when no provision file is given. */
export interface DeploymentSettingsStore {
  read(): Promise<DeploymentSettings>;
}

/** The embedded store's settings, read synchronously (the gateway's start reads them before anything listens). */
export function readDeploymentSettings(db: SqliteDatabase): DeploymentSettings {
  const row = db.prepare('SELECT value FROM settings WHERE key = ?').get(DEPLOYMENT_SETTINGS_KEY) as { value: string } | undefined;
  return row === undefined ? nothingProvisioned() : (JSON.parse(row.value) as DeploymentSettings);
}

export class SqliteDeploymentSettings implements DeploymentSettingsStore {
  constructor(private readonly db: SqliteDatabase) {}

  read(): Promise<DeploymentSettings> {
    return settle(() => readDeploymentSettings(this.db));
  }
}
