import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';

/** Debian's `postgresql-15` keeps its server binaries here, off the PATH. */
export const POSTGRES_BIN = '/usr/lib/postgresql/15/bin';

export function postgresInstalled(): boolean {
  return existsSync(path.join(POSTGRES_BIN, 'postgres')) && existsSync(path.join(POSTGRES_BIN, 'initdb'));
}

/** The server refuses to run as root: as root, run it as the `postgres` user the package creates. */
export function postgresServerUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string): number => Number(spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' }).stdout.trim());
  const uid = id('-u');
  const gid = id('-g');
  if (!Number.isInteger(uid) || uid <= 0) throw new Error('PostgreSQL cannot run as root and there is no "postgres" user (install the Debian package postgresql-15)');
  return { uid, gid };
}

export interface LocalPostgresOptions {
  /** Holds the cluster (`data/`) and the server's socket; made and, as root, given to `postgres`. */
  dir: string;
  /** Where it listens on loopback; a restart keeps it. */
  port: number;
  /** Off for throwaway servers: their data need not survive the machine. */
  fsync?: boolean;
  maxConnections?: number;
  readyTimeoutMs?: number;
}

/**
 * A PostgreSQL 15 server of one's own from the Debian package: `initdb` on first start (trust
 * authentication for the `gateway` superuser, loopback only), then `postgres` in the foreground.
 * A second start on the same directory keeps the data.
 */
export class LocalPostgres {
  private child: ChildProcess | undefined;
  private exited = true;
  private stderr = '';

  constructor(private readonly options: LocalPostgresOptions) {}

  get port(): number {
    return this.options.port;
  }

  get pid(): number | undefined {
    return this.exited ? undefined : this.child?.pid;
  }

  /** postgres://gateway@127.0.0.1:port/<database> */
  url(database = 'postgres'): string {
    return `postgres://gateway@127.0.0.1:${this.options.port}/${database}`;
  }

  /** Whether `initdb` has to run at the next start (the first takes seconds). */
  needsInit(): boolean {
    return !existsSync(path.join(this.options.dir, 'data', 'PG_VERSION'));
  }

  /** `detached`: in a process group of its own, so a terminal's Ctrl-C reaches it only through its owner. */
  async start(spawnOptions: { detached?: boolean } = {}): Promise<void> {
    if (!postgresInstalled()) throw new Error(`PostgreSQL needs ${POSTGRES_BIN}/postgres: install the Debian package postgresql-15`);
    const { dir } = this.options;
    const user = postgresServerUser();
    const data = path.join(dir, 'data');
    mkdirSync(dir, { recursive: true });
    if (user !== undefined) {
      chownSync(dir, user.uid, user.gid);
      if (spawnSync('test', ['-w', dir], user).status !== 0) {
        throw new Error(`PostgreSQL runs as the postgres user, who cannot reach ${dir}: let others enter the directories above it (chmod o+x), or choose a data directory elsewhere`);
      }
    }
    if (this.needsInit()) {
      const init = spawnSync(path.join(POSTGRES_BIN, 'initdb'), ['-D', data, '-U', 'gateway', '--auth=trust', '-E', 'UTF8', '--locale=C', ...(this.options.fsync === false ? ['--no-sync'] : [])], {
        encoding: 'utf8',
        ...(user ?? {}),
      });
      if (init.status !== 0) throw new Error(`initdb failed: ${init.stderr}`);
    }
    const args = ['-D', data, '-p', String(this.options.port), '-k', dir, '-c', 'listen_addresses=127.0.0.1', '-c', `max_connections=${this.options.maxConnections ?? 200}`];
    if (this.options.fsync === false) args.push('-c', 'fsync=off');
    const child = spawn(path.join(POSTGRES_BIN, 'postgres'), args, { stdio: ['ignore', 'ignore', 'pipe'], detached: spawnOptions.detached === true, ...(user ?? {}) });
    this.child = child;
    this.exited = false;
    this.stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString()).slice(-4000);
    });
    child.once('exit', () => {
      this.exited = true;
    });
    const timeoutMs = this.options.readyTimeoutMs ?? 60_000;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.exited) throw new Error(`PostgreSQL exited at start: ${this.stderr}`);
      if (await this.ready()) return;
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`PostgreSQL did not become ready within ${timeoutMs / 1000} s: ${this.stderr}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** Creates `name` unless it exists; returns its URL. */
  async ensureDatabase(name: string, template?: string): Promise<string> {
    const client = new pg.Client({ connectionString: this.url() });
    await client.connect();
    const quoted = (id: string): string => `"${id.replace(/"/g, '')}"`;
    try {
      const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
      if (found.rowCount === 0) await client.query(`CREATE DATABASE ${quoted(name)}${template === undefined ? '' : ` TEMPLATE ${quoted(template)}`}`);
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
