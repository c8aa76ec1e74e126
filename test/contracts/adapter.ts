import { useTempStores } from '../helpers/temp-store.js';
import type { SqliteDatabase } from '../../gateway/store/sqlite-database.js';

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
