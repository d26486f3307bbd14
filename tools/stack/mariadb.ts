/**
 * The native stack's database: one throwaway MariaDB server (scripts/dev/mariadb.mts, the
 * server `npm run dev` starts) on a free loopback port with a fresh data directory, holding
 * the three APIs' databases (compose has one MySQL container per service). Its pid is
 * registered with the exit guard of process.ts. Needs mariadbd and mariadb-install-db on PATH.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { ThrowawayMariaDb } from '../../scripts/dev/mariadb.mts';
import { guardPid } from './process.ts';
import { repoPath } from './repo.ts';
import type { ServiceDatabases } from './services.ts';

export type MariaDb = ThrowawayMariaDb;

/** The collector's MySQL receivers sign in with this account (a throwaway password). */
export const MONITORING_ACCOUNT = { user: 'shopscope_monitor', password: 'shopscope-monitor-test' } as const;

/**
 * Starts the server with the application account the services use, and the monitoring
 * account the collector uses, created by the very script the mysql containers run on
 * their first start (mysql/initdb.d/10-monitoring-user.sh, over the root socket).
 */
export async function startMariaDb(): Promise<MariaDb> {
  const db = await ThrowawayMariaDb.start({ user: 'shopscope', password: 'shopscope-test' });
  try {
    await promisify(execFile)('bash', [repoPath('mysql/initdb.d/10-monitoring-user.sh')], {
      env: {
        ...process.env,
        SOCKET: db.socket,
        MYSQL_MONITOR_USER: MONITORING_ACCOUNT.user,
        MYSQL_MONITOR_PASSWORD: MONITORING_ACCOUNT.password,
      },
    });
  } catch (err) {
    await db.destroy();
    throw err;
  }
  guardPid(() => mariaDbPid(db));
  return db;
}

/** The server's pid (from its pid file), or undefined when it is not running. */
export function mariaDbPid(db: MariaDb): number | undefined {
  try {
    return Number(readFileSync(path.join(db.dir, 'mysqld.pid'), 'utf8').trim()) || undefined;
  } catch {
    return undefined;
  }
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
