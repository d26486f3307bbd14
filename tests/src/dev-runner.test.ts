/**
 * Running the shop without Docker, as the README's "Run the shop without Docker" says:
 * - `MYSQL_URL=… npm run dev` (scripts/dev/run-all.mjs) against a server of one's own: it
 *   creates the databases, starts the four services wired together, serves the catalogue,
 *   and stops them all on Ctrl-C;
 * - the README's own commands, run from a clean clone of the committed HEAD with nothing
 *   but the machine's PATH (whose `node` need not be 24): scripts/dev.sh finds or installs
 *   Node 24 as the tests do, runs npm ci and the build, starts a throwaway MariaDB itself,
 *   prints the URLs, and on Ctrl-C stops everything and deletes that database.
 */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { DB_PASSWORD, DB_USER, MariaDb } from './harness/mariadb.ts';
import { waitFor } from './harness/ports.ts';
import { REPO_ROOT } from './harness/services.ts';

const run = promisify(execFile);

/** A base port with the three ports after it free too (the runner uses base..base+3). */
async function fourFreePorts(): Promise<number> {
  const isFree = (port: number) =>
    new Promise<boolean>((resolve) => {
      const server = net.createServer();
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
    });
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * 30_000);
    const free = await Promise.all([0, 1, 2, 3].map((i) => isFree(base + i)));
    if (free.every(Boolean)) return base;
  }
  throw new Error('no four consecutive free ports');
}

describe('npm run dev (scripts/dev/run-all.mjs)', () => {
  let db: MariaDb;

  before(async () => {
    db = await MariaDb.start();
    // The runner creates its databases, so its user needs that right.
    await db.query(`GRANT ALL PRIVILEGES ON *.* TO '${DB_USER}'@'%'`);
  });

  after(async () => {
    await db?.destroy();
  });

  it('starts the four services against one server and stops them on Ctrl-C', async () => {
    const base = await fourFreePorts();
    const output: string[] = [];
    // The server's URL in the environment, not in an argument (the process list shows those).
    const runner = spawn(
      process.execPath,
      [path.join(REPO_ROOT, 'scripts/dev/run-all.mjs'), '--base-port', String(base)],
      {
        env: {
          PATH: process.env.PATH ?? '',
          HOME: process.env.HOME ?? '/tmp',
          MYSQL_URL: `mysql://${DB_USER}:${DB_PASSWORD}@127.0.0.1:${db.port}`,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    runner.stdout.on('data', (d) => output.push(String(d)));
    runner.stderr.on('data', (d) => output.push(String(d)));
    try {
      for (const port of [base, base + 1, base + 2, base + 3]) {
        await waitFor(
          `service on ${port}`,
          async () => {
            if (runner.exitCode !== null) throw new Error(`runner exited: ${output.join('')}`);
            return (await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200 ? true : undefined;
          },
          { timeoutMs: 60_000, intervalMs: 200 },
        );
      }
      const page = await fetch(`http://127.0.0.1:${base}/`);
      assert.equal(page.status, 200);
      assert.match(await page.text(), /Laptop Pro/);
      const databases = await db.query<Array<{ Database: string }>>('SHOW DATABASES');
      for (const name of ['user_db', 'product_db', 'order_db']) {
        assert.ok(
          databases.some((d) => d.Database === name),
          `${name} created`,
        );
      }
    } finally {
      const exited = new Promise((resolve) => runner.once('exit', resolve));
      runner.kill('SIGINT');
      await exited;
    }
    // Every service logged a clean stop.
    const text = output.join('');
    for (const name of ['user', 'product', 'order', 'frontend']) {
      assert.match(text, new RegExp(`${name}\\s*\\| exited \\(0\\)`), `${name} stopped cleanly`);
    }
  });
});

/** The commands of the first `sh` block of the README's "Run the shop without Docker". */
function readmeNativeCommands(readme: string): string[] {
  const section = readme.split('\n## Run the shop without Docker\n')[1]?.split('\n## ')[0] ?? '';
  const block = /```sh\n([\s\S]*?)```/.exec(section)?.[1] ?? '';
  return block
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'));
}

describe("the README's native steps, from a clean clone", () => {
  let clone: string;

  before(async () => {
    clone = await mkdtemp(path.join(tmpdir(), 'shopscope-clone-'));
    await run('git', ['clone', '--quiet', REPO_ROOT, clone]);
  });

  after(async () => {
    if (clone) await rm(clone, { recursive: true, force: true });
  });

  it('scripts/dev.sh: Node 24, npm ci, build, a throwaway MariaDB, the shop, and all gone on Ctrl-C', {
    timeout: 900_000,
  }, async (t) => {
    const commands = readmeNativeCommands(await readFile(path.join(clone, 'README.md'), 'utf8'));
    assert.deepEqual(commands, ['scripts/dev.sh'], 'the README gives one command');
    const base = await fourFreePorts();
    // The machine's PATH without the Node 24 the tests run on: dev.sh must find Node 24 itself.
    const nodeDir = path.dirname(process.execPath);
    const env: Record<string, string> = {};
    for (const [key, value] of Object.entries(process.env)) {
      if (value !== undefined && !key.startsWith('npm_') && key !== 'NODE_OPTIONS') env[key] = value;
    }
    env.PATH = (process.env.PATH ?? '')
      .split(':')
      .filter((dir) => dir && dir !== nodeDir)
      .join(':');
    const output: string[] = [];
    const started = Date.now();
    const runner = spawn('bash', ['-c', `${commands[0]} --base-port ${base}`], {
      cwd: clone,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    runner.stdout.on('data', (d) => output.push(String(d)));
    runner.stderr.on('data', (d) => output.push(String(d)));
    let socketDir: string | undefined;
    try {
      await waitFor(
        'the "ShopScope is ready" line',
        async () => {
          if (runner.exitCode !== null)
            throw new Error(`dev.sh exited with ${runner.exitCode}: ${output.join('').slice(-3000)}`);
          return output.join('').includes('ShopScope is ready') ? true : undefined;
        },
        { timeoutMs: 840_000, intervalMs: 500 },
      );
      t.diagnostic(`clean clone to a ready shop: ${((Date.now() - started) / 1000).toFixed(0)} s`);
      const text = output.join('');
      assert.match(text, /\[node\] using Node v24\./, 'Node 24 was found or installed');
      assert.match(text, new RegExp(`the shop at http://127\\.0\\.0\\.1:${base} `), 'the shop URL is printed');
      socketDir = /mariadb --socket=(\S+)\/mysqld\.sock/.exec(text)?.[1];
      assert.ok(socketDir && existsSync(socketDir), `a throwaway MariaDB was started: ${text.slice(-2000)}`);
      assert.ok(!/mysql:\/\/shopscope:[0-9a-f]{24}@/.test(text), 'its password is not printed');
      const page = await fetch(`http://127.0.0.1:${base}/`);
      assert.equal(page.status, 200);
      assert.match(await page.text(), /Laptop Pro/);
    } finally {
      const exited = new Promise((resolve) => runner.once('exit', resolve));
      if (runner.exitCode === null) runner.kill('SIGINT');
      await exited;
    }
    assert.equal(runner.exitCode, 0, `a clean stop: ${output.join('').slice(-2000)}`);
    assert.ok(socketDir && !existsSync(socketDir), 'the throwaway database is deleted');
  });
});
