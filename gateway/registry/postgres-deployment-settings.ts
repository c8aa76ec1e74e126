import type { PostgresPool } from '../store/postgres-database.js';
import { DEPLOYMENT_SETTINGS_KEY, nothingProvisioned, type DeploymentSettings, type DeploymentSettingsStore } from './provision.js';

/** The deployment's settings in PostgreSQL's `settings` table, as the last provision load kept them. */
export class PostgresDeploymentSettings implements DeploymentSettingsStore {
  constructor(private readonly pool: PostgresPool) {}

  async read(): Promise<DeploymentSettings> {
    const { rows } = await this.pool.query<{ value: string }>('SELECT value FROM settings WHERE key = $1', [DEPLOYMENT_SETTINGS_KEY]);
    return rows[0] === undefined ? nothingProvisioned() : (JSON.parse(rows[0].value) as DeploymentSettings);
  }
}
