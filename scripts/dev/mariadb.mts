/**
 * A throwaway MariaDB server: its own data directory under the OS temp dir, loopback only,
 * started and stopped by its owner, removed by destroy(). Never touches a user's database.
 * `npm run dev` (run-all.mjs) starts one when no database URL is given, and the tests'
 * harness (tests/src/harness/mariadb.ts) starts one per test file.
 *
 * Needs MariaDB's server binaries on PATH: `mariadbd` and `mariadb-install-db` (Debian and
 * Ubuntu: `apt-get install mariadb-server`; macOS: `brew install mariadb`).
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import mysql from 'mysql2/promise';

const run = promisify(execFile);

export interface MariaDbOptions {
  /** The account created for the applications (root is reachable only over the socket). */
  user: string;
  password: string;
  /** A loopback port; a free one when absent. */
  port?: number;
  /** InnoDB buffer pool in MB (64 is plenty for the shop's three databases). */
  bufferPoolMb?: number;
}

/**
 * Where a program is: on PATH, or in the sbin folders a non-root user's PATH lacks (Debian
 * installs mariadbd in /usr/sbin).
 */
function locate(program: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(path.delimiter), '/usr/sbin', '/usr/local/sbin', '/sbin'];
  for (const dir of dirs.filter(Boolean)) {
    const candidate = path.join(dir, program);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

const MARIADBD = 'mariadbd';
const INSTALL_DB = 'mariadb-install-db';

/** Whether MariaDB's server binaries are installed. */
export function mariaDbInstalled(): boolean {
  return locate(MARIADBD) !== undefined && locate(INSTALL_DB) !== undefined;
}

export class ThrowawayMariaDb {
  private process: ChildProcess | undefined;
  private output = '';

  readonly dir: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  private readonly bufferPoolMb: number;

  private constructor(dir: string, port: number, options: MariaDbOptions) {
    this.dir = dir;
    this.port = port;
    this.user = options.user;
    this.password = options.password;
    this.bufferPoolMb = options.bufferPoolMb ?? 64;
  }

  /** Creates the data directory, starts the server and the application account. */
  static async start(options: MariaDbOptions): Promise<ThrowawayMariaDb> {
    const dir = await mkdtemp(path.join(tmpdir(), 'shopscope-mariadb-'));
    const db = new ThrowawayMariaDb(dir, options.port ?? (await freeLoopbackPort()), options);
    try {
      await mkdir(db.tmpDir);
      await run(locate(INSTALL_DB) ?? INSTALL_DB, [
        '--no-defaults',
        `--datadir=${db.dataDir}`,
        `--tmpdir=${db.tmpDir}`,
        '--auth-root-authentication-method=socket',
        '--skip-test-db',
        '--user=root',
      ]);
      await db.startServer();
      const admin = await db.admin();
      try {
        for (const host of ['%', 'localhost']) {
          await admin.query('CREATE USER ?@? IDENTIFIED BY ?', [db.user, host, db.password]);
        }
      } finally {
        await admin.end();
      }
    } catch (err) {
      await db.destroy(); // no server or data directory left behind by a failed start
      throw err;
    }
    return db;
  }

  get dataDir(): string {
    return path.join(this.dir, 'data');
  }

  /**
   * Its own temporary directory: a starting mariadbd deletes the `#sql*` files it finds in
   * its tmpdir, which in a shared /tmp can be the live temporary tables of another instance.
   */
  get tmpDir(): string {
    return path.join(this.dir, 'tmp');
  }

  get socket(): string {
    return path.join(this.dir, 'mysqld.sock');
  }

  get running(): boolean {
    return this.process !== undefined && this.process.exitCode === null;
  }

  /** The server's URL for the application account, without a database name. */
  get serverUrl(): string {
    return `mysql://${encodeURIComponent(this.user)}:${encodeURIComponent(this.password)}@127.0.0.1:${this.port}`;
  }

  /** Starts (or restarts after `stopServer`) the server on the same port and data directory. */
  async startServer(): Promise<void> {
    this.output = '';
    const child = spawn(
      locate(MARIADBD) ?? MARIADBD,
      [
        '--no-defaults',
        `--datadir=${this.dataDir}`,
        `--socket=${this.socket}`,
        `--tmpdir=${this.tmpDir}`,
        `--port=${this.port}`,
        '--bind-address=127.0.0.1',
        `--pid-file=${path.join(this.dir, 'mysqld.pid')}`,
        '--user=root',
        '--skip-name-resolve',
        `--innodb-buffer-pool-size=${this.bufferPoolMb}M`,
        '--innodb-log-file-size=16M',
        '--innodb-flush-log-at-trx-commit=2',
        '--max-connections=300',
        '--character-set-server=utf8mb4',
        '--collation-server=utf8mb4_unicode_ci',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child.stdout?.on('data', (d) => {
      this.output += d;
    });
    child.stderr?.on('data', (d) => {
      this.output += d;
    });
    this.process = child;
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`mariadbd exited: ${this.output.slice(-2000)}`);
      try {
        const c = await mysql.createConnection({ socketPath: this.socket, user: 'root' });
        await c.end();
        return;
      } catch (err) {
        if (Date.now() > deadline) throw new Error(`MariaDB on port ${this.port} not ready after 60 s: ${String(err)}`);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
  }

  /** Stops the server (as a crashed or stopped database container would be). */
  async stopServer(): Promise<void> {
    const child = this.process;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }

  admin(): Promise<mysql.Connection> {
    return mysql.createConnection({ socketPath: this.socket, user: 'root', multipleStatements: true });
  }

  /** Creates a database (if absent) the application account owns; returns its DATABASE_URL. */
  async createDatabase(name: string): Promise<string> {
    if (!/^[A-Za-z0-9_]+$/.test(name)) throw new Error(`bad database name ${name}`);
    const admin = await this.admin();
    try {
      await admin.query(`CREATE DATABASE IF NOT EXISTS \`${name}\``);
      for (const host of ['%', 'localhost']) {
        await admin.query(`GRANT ALL PRIVILEGES ON \`${name}\`.* TO ?@?`, [this.user, host]);
      }
    } finally {
      await admin.end();
    }
    return `${this.serverUrl}/${name}`;
  }

  /** Runs a query as root (e.g. for assertions on what is stored). */
  async query<T = mysql.RowDataPacket[]>(sql: string, params: unknown[] = []): Promise<T> {
    const admin = await this.admin();
    try {
      const [rows] = await admin.query(sql, params);
      return rows as T;
    } finally {
      await admin.end();
    }
  }

  async destroy(): Promise<void> {
    await this.stopServer();
    await rm(this.dir, { recursive: true, force: true });
  }
}

/** A TCP port that was free on 127.0.0.1 a moment ago (the OS picks it). */
function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
