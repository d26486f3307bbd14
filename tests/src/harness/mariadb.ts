/**
 * A throwaway MariaDB server for tests: its own data directory under the OS temp dir,
 * a free loopback port, started and stopped by the test. Never touches a user's database.
 * Needs Debian's mariadb-server package (mariadbd and mariadb-install-db on PATH).
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import mysql from 'mysql2/promise';
import { freePort, waitFor } from './ports.ts';

const run = promisify(execFile);

export const DB_USER = 'shopscope';
export const DB_PASSWORD = 'shopscope-test';

export class MariaDb {
  private process: ChildProcess | undefined;
  private output = '';

  readonly dir: string;
  readonly port: number;

  private constructor(dir: string, port: number) {
    this.dir = dir;
    this.port = port;
  }

  static async start(): Promise<MariaDb> {
    const dir = await mkdtemp(path.join(tmpdir(), 'shopscope-mariadb-'));
    const db = new MariaDb(dir, await freePort());
    try {
      await mkdir(db.tmpDir);
      await run('mariadb-install-db', [
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
        await admin.query(`CREATE USER '${DB_USER}'@'%' IDENTIFIED BY '${DB_PASSWORD}'`);
        await admin.query(`CREATE USER '${DB_USER}'@'localhost' IDENTIFIED BY '${DB_PASSWORD}'`);
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

  /** Starts (or restarts after `stop`) the server on the same port and data directory. */
  async startServer(): Promise<void> {
    this.output = '';
    const child = spawn(
      'mariadbd',
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
        '--innodb-buffer-pool-size=64M',
        '--innodb-log-file-size=16M',
        '--innodb-flush-log-at-trx-commit=2',
        '--max-connections=300',
        '--character-set-server=utf8mb4',
        '--collation-server=utf8mb4_unicode_ci',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child.stdout?.on('data', (d) => (this.output += d));
    child.stderr?.on('data', (d) => (this.output += d));
    this.process = child;
    await waitFor(
      `MariaDB on port ${this.port}`,
      async () => {
        if (child.exitCode !== null) throw new Error(`mariadbd exited: ${this.output.slice(-2000)}`);
        const c = await mysql.createConnection({ socketPath: this.socket, user: 'root' });
        await c.end();
        return true;
      },
      { timeoutMs: 60_000, intervalMs: 200 },
    );
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

  /** Creates an empty database the test user may use, and returns its DATABASE_URL. */
  async createDatabase(name: string): Promise<string> {
    const admin = await this.admin();
    try {
      await admin.query(`CREATE DATABASE \`${name}\``);
      await admin.query(`GRANT ALL PRIVILEGES ON \`${name}\`.* TO '${DB_USER}'@'%'`);
      await admin.query(`GRANT ALL PRIVILEGES ON \`${name}\`.* TO '${DB_USER}'@'localhost'`);
    } finally {
      await admin.end();
    }
    return `mysql://${DB_USER}:${DB_PASSWORD}@127.0.0.1:${this.port}/${name}`;
  }

  /** Runs a query as root (for assertions on what is stored). */
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
