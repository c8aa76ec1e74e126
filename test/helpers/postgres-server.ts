import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { freePort } from './external-server.js';

/** Debian's `postgresql-15` keeps its server binaries here, off the PATH. */
const BIN = '/usr/lib/postgresql/15/bin';

/**
 * Whether suites that need PostgreSQL run. Under CI=true a missing server is a failure, not a skip
 * (DESIGN.md): the suite runs and fails loudly at start.
 */
export function postgresAvailable(): boolean {
  return existsSync(path.join(BIN, 'postgres')) || process.env.CI === 'true';
}

/** The server refuses to run as root: as root, run it as the `postgres` user the package creates. */
function serverUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string): number => Number(spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' }).stdout.trim());
  const uid = id('-u');
  const gid = id('-g');
  if (!Number.isInteger(uid) || uid <= 0) throw new Error('PostgreSQL cannot run as root and there is no "postgres" user (install postgresql-15)');
  return { uid, gid };
}

/**
 * A real PostgreSQL 15 server of a test's own: a fresh cluster (initdb) in a temporary directory,
 * on a free loopback port, trust authentication for the `gateway` superuser. `stop()` shuts it
 * down fast and removes the directory; `restart()` keeps the data.
 */
export class PostgresServer {
  readonly dir: string;
  private child: ChildProcess | undefined;
  private exited = true;
  private stderr = '';
  port = 0;

  constructor() {
    this.dir = mkdtempSync(path.join(os.tmpdir(), 'gw-pg-'));
  }

  /** postgres://gateway@127.0.0.1:port/<database> */
  url(database = 'postgres'): string {
    return `postgres://gateway@127.0.0.1:${this.port}/${database}`;
  }

  async start(): Promise<void> {
    if (!existsSync(path.join(BIN, 'postgres'))) throw new Error(`PostgreSQL tests need ${BIN}/postgres (install the Debian package postgresql-15; .ci/run does)`);
    const user = serverUser();
    const data = path.join(this.dir, 'data');
    if (!existsSync(data)) {
      if (user !== undefined) chownSync(this.dir, user.uid, user.gid);
      const init = spawnSync(path.join(BIN, 'initdb'), ['-D', data, '-U', 'gateway', '--auth=trust', '-E', 'UTF8', '--locale=C', '--no-sync'], {
        encoding: 'utf8',
        ...(user ?? {}),
      });
      if (init.status !== 0) throw new Error(`initdb failed: ${init.stderr}`);
    }
    // A restart keeps its port: clients reconnect to the same address.
    if (this.port === 0) this.port = await freePort();
    // fsync off: a test server's data need not survive the machine; a client's crash is what is tested.
    const args = ['-D', data, '-p', String(this.port), '-k', this.dir, '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off', '-c', 'max_connections=200'];
    const child = spawn(path.join(BIN, 'postgres'), args, { stdio: ['ignore', 'ignore', 'pipe'], ...(user ?? {}) });
    this.child = child;
    this.exited = false;
    this.stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString()).slice(-4000);
    });
    child.once('exit', () => {
      this.exited = true;
    });
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (this.exited) throw new Error(`PostgreSQL exited at start: ${this.stderr}`);
      if (await this.ready()) return;
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`PostgreSQL did not become ready within 60 s: ${this.stderr}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
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

  /** Fast shutdown (SIGINT): open transactions are rolled back, the data kept. */
  async shutdown(): Promise<void> {
    const child = this.child;
    if (child === undefined || this.exited) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGINT');
    });
  }

  async restart(): Promise<void> {
    await this.shutdown();
    await this.start();
  }

  async stop(): Promise<void> {
    await this.shutdown();
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async ready(): Promise<boolean> {
    const client = new pg.Client({ connectionString: this.url(), connectionTimeoutMillis: 2_000 });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.query('SELECT 1');
      return true;
    } catch {
      return false;
    } finally {
      await client.end().catch(() => undefined);
    }
  }
}
