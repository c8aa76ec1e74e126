import { afterAll, afterEach, beforeAll } from 'vitest';
import { useTempStores } from '../helpers/temp-store.js';
import { PostgresServer } from '../helpers/postgres-server.js';
import type { SqliteDatabase } from '../../gateway/store/sqlite-database.js';
import { migratePostgres, openPostgres, type PostgresPool } from '../../gateway/store/postgres-database.js';

/**
 * One adapter of a port, as a contract suite drives it. `open` gives a fresh, empty store;
 * `reopen` closes the store last opened and opens the same one again (the file, the database), to
 * check that what was written survives a restart. Every call of a port is awaited in the suites,
 * so an adapter may answer with values or with promises.
 */
export interface StoreAdapter<P> {
  open(): Promise<P>;
  reopen(): Promise<P>;
}

/** A named way to get an adapter; `setup` runs inside the suite's describe, so it may add hooks. */
export interface AdapterFactory<P> {
  name: string;
  setup(): StoreAdapter<P>;
}

/** An adapter over a real SQLite file in a temporary data directory, removed after each test. */
export function sqliteAdapter<P>(name: string, make: (db: SqliteDatabase) => P): AdapterFactory<P> {
  return {
    name,
    setup() {
      const stores = useTempStores();
      let dir: string | undefined;
      let db: SqliteDatabase | undefined;
      return {
        async open() {
          dir = stores.dir();
          db = stores.open(dir);
          return make(db);
        },
        async reopen() {
          if (dir === undefined || db === undefined) throw new Error('reopen before open');
          db.close();
          db = stores.open(dir);
          return make(db);
        },
      };
    },
  };
}

/** One PostgreSQL server for every suite of a test file, started by the first and stopped by the last. */
let shared: { server: PostgresServer; started: Promise<void>; users: number; template?: Promise<string> } | undefined;
let databases = 0;

/** A database migrated once; each test's database is a copy of it (CREATE DATABASE ... TEMPLATE), much faster than migrating each. */
function migratedTemplate(): Promise<string> {
  const at = shared!;
  at.template ??= (async () => {
    const name = `contract_template_${process.pid}`;
    const pool = openPostgres(await at.server.createDatabase(name));
    try {
      await migratePostgres(pool);
    } finally {
      await pool.end();
    }
    return name;
  })();
  return at.template;
}

/**
 * An adapter over a real PostgreSQL 15 (Debian's postgresql-15): each `open` is a fresh database,
 * migrated; `reopen` drops the connections and connects to the same database again.
 */
export function postgresAdapter<P>(name: string, make: (pool: PostgresPool) => P | Promise<P>): AdapterFactory<P> {
  return {
    name,
    setup() {
      const pools: PostgresPool[] = [];
      let url: string | undefined;
      beforeAll(async () => {
        if (shared === undefined) {
          const server = new PostgresServer();
          shared = { server, started: server.start(), users: 0 };
        }
        shared.users++;
        await shared.started;
      }, 120_000);
      afterEach(async () => {
        for (const pool of pools.splice(0)) await pool.end();
      });
      afterAll(async () => {
        if (shared === undefined || --shared.users > 0) return;
        const { server } = shared;
        shared = undefined;
        await server.stop();
      });
      const connect = (): PostgresPool => {
        const pool = openPostgres(url!, { onError: () => undefined });
        pools.push(pool);
        return pool;
      };
      return {
        async open() {
          const name = `contract_${process.pid}_${++databases}`;
          url = await shared!.server.createDatabase(name, await migratedTemplate());
          return make(connect());
        },
        async reopen() {
          if (url === undefined) throw new Error('reopen before open');
          for (const pool of pools.splice(0)) await pool.end();
          return make(connect());
        },
      };
    },
  };
}
