/**
 * The tests' throwaway MariaDB: scripts/dev/mariadb.mts (the same server `npm run dev`
 * starts), with the tests' application account. Each test file starts its own on a free
 * loopback port with a fresh data directory, and destroys it.
 * Needs Debian's mariadb-server package (mariadbd and mariadb-install-db on PATH).
 */
import { ThrowawayMariaDb } from '../../../scripts/dev/mariadb.mts';

export const DB_USER = 'shopscope';
export const DB_PASSWORD = 'shopscope-test';

export type MariaDb = ThrowawayMariaDb;
export const MariaDb = {
  start: (): Promise<MariaDb> => ThrowawayMariaDb.start({ user: DB_USER, password: DB_PASSWORD }),
};
