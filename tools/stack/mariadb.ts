/**
 * The native stack's database: one throwaway MariaDB server (scripts/dev/mariadb.mts, the
 * server `npm run dev` starts) on a free loopback port with a fresh data directory, holding
 * the three APIs' databases (compose has one MySQL container per service). Its pid is
 * registered with the exit guard of process.ts. Needs mariadbd and mariadb-install-db on PATH.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ThrowawayMariaDb } from '../../scripts/dev/mariadb.mts';
import { guardPid } from './process.ts';
import type { ServiceDatabases } from './services.ts';

export type MariaDb = ThrowawayMariaDb;

/** Starts the server with the application account the services use. */
export async function startMariaDb(): Promise<MariaDb> {
  const db = await ThrowawayMariaDb.start({ user: 'shopscope', password: 'shopscope-test' });
  const pidFile = path.join(db.dir, 'mysqld.pid');
  guardPid(() => {
    try {
      return Number(readFileSync(pidFile, 'utf8').trim()) || undefined;
    } catch {
      return undefined;
    }
  });
  return db;
}

/** user_db, product_db and order_db, with the DATABASE_URL of each. */
export async function serviceDatabases(db: MariaDb): Promise<ServiceDatabases> {
  const [user, product, order] = await Promise.all([
    db.createDatabase('user_db'),
    db.createDatabase('product_db'),
    db.createDatabase('order_db'),
  ]);
  return { user, product, order };
}
