import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { LocalPostgres, postgresInstalled } from '../../firmware-sim/local-postgres.js';
import { freePort } from './external-server.js';

/**
 * Whether suites that need PostgreSQL run. Under CI=true a missing server is a failure, not a skip
 * (DESIGN.md): the suite runs and fails loudly at start.
 */
export function postgresAvailable(): boolean {
  return postgresInstalled() || process.env.CI === 'true';
}

/**
 * A real PostgreSQL 15 server of a test's own: a fresh cluster (initdb) in a temporary directory,
 * on a free loopback port, trust authentication for the `gateway` superuser. `stop()` shuts it
 * down fast and removes the directory; `restart()` keeps the data.
 */
export class PostgresServer {
  readonly dir: string;
  private server: LocalPostgres | undefined;

  constructor() {
    this.dir = mkdtempSync(path.join(os.tmpdir(), 'gw-pg-'));
  }

  get port(): number {
    return this.server?.port ?? 0;
  }

  /** postgres://gateway@127.0.0.1:port/<database> */
  url(database = 'postgres'): string {
    return `postgres://gateway@127.0.0.1:${this.port}/${database}`;
  }

  async start(): Promise<void> {
    // A restart keeps its port: clients reconnect to the same address.
    // fsync off: a test server's data need not survive the machine; a client's crash is what is tested.
    this.server ??= new LocalPostgres({ dir: this.dir, port: await freePort(), fsync: false });
    await this.server.start();
  }

  /** A database of its own for one test or suite, empty or a copy of `template`. */
  async createDatabase(name: string, template?: string): Promise<string> {
    const client = new pg.Client({ connectionString: this.url() });
    await client.connect();
    const quoted = (id: string): string => `"${id.replace(/"/g, '')}"`;
    try {
      await client.query(`CREATE DATABASE ${quoted(name)}${template === undefined ? '' : ` TEMPLATE ${quoted(template)}`}`);
    } finally {
      await client.end();
    }
    return this.url(name);
  }

  /**
   * A pool for a test's own queries on `url`. The server closes its idle connections when it stops
   * or restarts, sometimes just after the pool ended (pg ends a client without waiting for its
   * socket): that is not the test's error, and a pool without an error listener would throw it.
   */
  pool(url: string): pg.Pool {
    const pool = new pg.Pool({ connectionString: url });
    pool.on('error', () => undefined);
    return pool;
  }

  /** Fast shutdown (SIGINT): open transactions are rolled back, the data kept. */
  async shutdown(): Promise<void> {
    await this.server?.shutdown();
  }

  async restart(): Promise<void> {
    await this.shutdown();
    await this.start();
  }

  async stop(): Promise<void> {
    await this.shutdown();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
