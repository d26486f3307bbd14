import mysql from 'mysql2/promise';
import { DataTypes, type Options, type QueryInterface, Sequelize, type Transaction } from 'sequelize';
import { SequelizeStorage, Umzug } from 'umzug';
import type { Logger } from './logger';

export interface Migration {
  /** Sorted by name: prefix with a zero-padded version, e.g. `0001-create-users`. */
  name: string;
  up: (params: { context: QueryInterface }) => Promise<void>;
  down?: (params: { context: QueryInterface }) => Promise<void>;
}

/**
 * Options for `queryInterface.createTable` in migrations. Spelling out engine, charset and
 * collation keeps a table identical on MySQL 8.4 (default collation utf8mb4_0900_ai_ci) and
 * MariaDB 10.11 (utf8mb4_general_ci or the server's): same case-insensitive unique keys and
 * the same sort order, whatever server the shop runs on.
 */
export const TABLE_OPTIONS = { engine: 'InnoDB', charset: 'utf8mb4', collate: 'utf8mb4_unicode_ci' } as const;

/** A `created_at`/`updated_at` column for migrations: milliseconds, filled in by the database. */
export function timestampColumn() {
  return {
    type: DataTypes.DATE(3),
    allowNull: false,
    defaultValue: Sequelize.literal('CURRENT_TIMESTAMP(3)'),
  };
}

export interface DatabaseOptions {
  url: string;
  logger: Logger;
  /** Pool size per process. */
  poolMax?: number;
}

/**
 * How long a statement waits for a row lock another transaction holds (InnoDB's default:
 * 50 s). The shop's transactions hold their locks for milliseconds, so a longer wait means
 * something holds one abnormally (scripts/hold-row-lock.sh shows it): fail fast and clearly
 * (a 503 after `transactionWithRetry`'s attempts) instead of holding a pool connection for
 * minutes — with the default, a dozen blocked checkouts took every connection and with them
 * the whole catalogue. Below the 3 s a calling service waits for an answer.
 */
export const LOCK_WAIT_TIMEOUT_SECONDS = 2;

/** The part of a mysql2 callback connection the session set-up below uses. */
interface CallbackConnection {
  query(sql: string, callback: (err: Error | null) => void): void;
}

/**
 * Run once on every new connection: the short lock wait above, and READ COMMITTED as the
 * session's isolation level. Every transaction of the shop locks the rows it changes
 * (SELECT … FOR UPDATE on the cart, the reservation, the products), so REPEATABLE READ's
 * snapshot adds nothing, and its gap locks made two new carts or two new reservations
 * deadlock on their inserts. Set here once per connection rather than per transaction,
 * where it was a `SET TRANSACTION ISOLATION LEVEL` round trip (and a span) before every
 * cart change and reservation.
 */
const SESSION_SETUP = [
  `SET SESSION innodb_lock_wait_timeout = ${LOCK_WAIT_TIMEOUT_SECONDS}`,
  'SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED',
];

function query(connection: CallbackConnection, sql: string): Promise<void> {
  return new Promise((resolve, reject) => connection.query(sql, (err) => (err ? reject(err) : resolve())));
}

/**
 * One Sequelize instance per service. Short connect/acquire timeouts so a database outage
 * becomes a prompt 503 rather than requests piling up; the pool reconnects by itself
 * once the database is back. Every new connection gets the session set-up above.
 */
export function createDatabase({ url, logger, poolMax = 10 }: DatabaseOptions): Sequelize {
  const options: Options = {
    dialect: 'mysql',
    logging: false,
    timezone: '+00:00',
    benchmark: false,
    pool: { max: poolMax, min: 0, idle: 10_000, acquire: 3_000, evict: 5_000 },
    dialectOptions: { connectTimeout: 2_000, decimalNumbers: true },
    retry: { max: 0 },
    define: { underscored: true, freezeTableName: true },
    hooks: {
      afterConnect: async (connection) => {
        for (const sql of SESSION_SETUP) await query(connection as CallbackConnection, sql);
      },
    },
  };
  const sequelize = new Sequelize(url, options);
  logger.debug({ host: new URL(url).host }, 'database configured');
  return sequelize;
}

const CONNECTION_ERROR_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  'ER_SERVER_SHUTDOWN',
  'ER_CON_COUNT_ERROR',
  'ER_ACCESS_DENIED_ERROR',
  'ER_BAD_DB_ERROR',
]);

// Sequelize's ConnectionError family: Connection, ConnectionRefused, ConnectionAcquireTimeout,
// ConnectionTimedOut, HostNotFound, HostNotReachable, AccessDenied, InvalidConnection.
const CONNECTION_ERROR_NAMES =
  /^Sequelize(Connection\w*|HostNotFound|HostNotReachable|AccessDenied|InvalidConnection)Error$/;

/** True when an error means "the database is unreachable" (so the answer is a 503, not a 500). */
export function isDatabaseUnavailable(err: unknown): boolean {
  let current: unknown = err;
  for (let depth = 0; current && depth < 5; depth++) {
    const e = current as { name?: string; code?: string; parent?: unknown; original?: unknown; cause?: unknown };
    if (e.name && CONNECTION_ERROR_NAMES.test(e.name)) return true;
    if (e.code && CONNECTION_ERROR_CODES.has(e.code)) return true;
    current = e.parent ?? e.original ?? e.cause;
  }
  return false;
}

/**
 * Why a refused login is not a passing outage. The database volume keeps the user and
 * password it was created with: MySQL's image applies MYSQL_USER/MYSQL_PASSWORD only when it
 * initialises an empty volume, so a password changed in .env afterwards is never applied.
 */
export const ACCESS_DENIED_HINT =
  'the database refused this user and password. With docker compose, a database keeps the password it was ' +
  'created with: if MYSQL_PASSWORD (or MYSQL_USER) changed in .env after the first start, put the old value ' +
  'back, or reset the databases with `docker compose down -v` (this deletes their data)';

export const UNKNOWN_DATABASE_HINT =
  'the server is up but has no database of the name DATABASE_URL ends with. docker compose and `npm run dev` ' +
  'create it; a service started alone needs it created first (CREATE DATABASE, see the README\'s "Run the shop ' +
  'without Docker")';

/** What to do about the errors a learner can fix, by MySQL error code. */
const HINTS: Record<string, string> = {
  ER_ACCESS_DENIED_ERROR: ACCESS_DENIED_HINT,
  ER_BAD_DB_ERROR: UNKNOWN_DATABASE_HINT,
};

/** Readiness probe: undefined when the database answers, otherwise the reason. */
export async function databaseProblem(sequelize: Sequelize, timeoutMs = 1_500): Promise<string | undefined> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      sequelize.query('SELECT 1'),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return undefined;
  } catch (err) {
    const e = err as { parent?: { code?: string }; message?: string };
    const code = e.parent?.code ?? e.message ?? 'unknown error';
    const hint = HINTS[code];
    return `database unavailable: ${code}${hint ? ` (${hint})` : ''}`;
  } finally {
    clearTimeout(timer);
  }
}

/** Waits for the database at start-up (it may still be booting), then gives up with a clear error. */
export async function waitForDatabase(sequelize: Sequelize, logger: Logger, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let delay = 250;
  for (;;) {
    const problem = await databaseProblem(sequelize, 2_000);
    if (!problem) return;
    if (Date.now() > deadline) throw new Error(`gave up after ${timeoutMs} ms: ${problem}`);
    logger.warn({ problem }, 'waiting for the database');
    await new Promise((resolve) => setTimeout(resolve, delay));
    delay = Math.min(delay * 2, 2_000);
  }
}

/**
 * Runs pending migrations, then the idempotent seed, under a MySQL named lock so that two
 * replicas starting at once never migrate concurrently: the second waits, then finds
 * nothing to do. The lock is held on a dedicated connection (named locks are per session).
 */
export async function migrate(
  sequelize: Sequelize,
  url: string,
  migrations: Migration[],
  logger: Logger,
  seed?: (sequelize: Sequelize) => Promise<void>,
): Promise<void> {
  const lockName = `shopscope.migrate.${new URL(url).pathname.slice(1)}`;
  const lockConnection = await mysql.createConnection({ uri: url, connectTimeout: 5_000 });
  try {
    const [rows] = await lockConnection.query<mysql.RowDataPacket[]>('SELECT GET_LOCK(?, 120) AS got', [lockName]);
    if (rows[0]?.got !== 1) throw new Error(`could not take the migration lock ${lockName}`);
    const umzug = new Umzug({
      migrations: [...migrations].sort((a, b) => a.name.localeCompare(b.name)),
      context: sequelize.getQueryInterface(),
      storage: new SequelizeStorage({ sequelize, tableName: 'schema_migrations' }),
      logger: undefined,
    });
    const applied = await umzug.up();
    if (applied.length > 0) logger.info({ migrations: applied.map((m) => m.name) }, 'migrations applied');
    if (seed) await seed(sequelize);
  } finally {
    await lockConnection.query('SELECT RELEASE_LOCK(?)', [lockName]).catch(() => undefined);
    await lockConnection.end().catch(() => undefined);
  }
}

/** InnoDB gave up on this transaction because of another one: running it again is safe. */
const LOCK_CONFLICT_CODES = new Set(['ER_LOCK_DEADLOCK', 'ER_LOCK_WAIT_TIMEOUT']);

export function isLockConflict(err: unknown): boolean {
  const e = err as { parent?: { code?: string }; original?: { code?: string } } | undefined;
  return LOCK_CONFLICT_CODES.has(e?.parent?.code ?? e?.original?.code ?? '');
}

export interface RetryOptions {
  /** Runs in all, the first included. */
  attempts?: number;
  /** Other errors worth a fresh attempt (e.g. losing an insert race the next attempt will see). */
  retryIf?: (err: unknown) => boolean;
}

/**
 * Runs `work` in a transaction (committed if it resolves, rolled back if it throws) and
 * runs it again, a bounded number of times, when InnoDB chose it as a deadlock victim or
 * its lock wait timed out. Taking row locks in a fixed order makes that rare; retrying
 * makes it harmless. `work` must therefore be safe to run more than once.
 */
export async function transactionWithRetry<T>(
  sequelize: Sequelize,
  work: (transaction: Transaction) => Promise<T>,
  { attempts = 3, retryIf }: RetryOptions = {},
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await sequelize.transaction(work);
    } catch (err) {
      const retryable = isLockConflict(err) || (retryIf?.(err) ?? false);
      if (!retryable || attempt >= attempts) throw err;
      await new Promise((resolve) => setTimeout(resolve, 5 * attempt + Math.random() * 20));
    }
  }
}
