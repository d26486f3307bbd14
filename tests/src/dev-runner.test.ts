/**
 * `npm run dev -- --database-url …` (scripts/dev/run-all.mjs): the documented way to run
 * the whole shop without Docker. It must create the databases, start the four services
 * wired together, serve the catalogue, and stop them all on Ctrl-C.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DB_PASSWORD, DB_USER, MariaDb } from './harness/mariadb.ts';
import { waitFor } from './harness/ports.ts';
import { REPO_ROOT } from './harness/services.ts';

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
    const runner = spawn(
      process.execPath,
      [
        path.join(REPO_ROOT, 'scripts/dev/run-all.mjs'),
        '--database-url',
        `mysql://${DB_USER}:${DB_PASSWORD}@127.0.0.1:${db.port}`,
        '--base-port',
        String(base),
      ],
      { env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    runner.stdout.on('data', (d) => output.push(String(d)));
    runner.stderr.on('data', (d) => output.push(String(d)));
    try {
      for (const port of [base, base + 1, base + 2, base + 3]) {
        await waitFor(`service on ${port}`, async () => {
          if (runner.exitCode !== null) throw new Error(`runner exited: ${output.join('')}`);
          return (await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200 ? true : undefined;
        }, { timeoutMs: 60_000, intervalMs: 200 });
      }
      const page = await fetch(`http://127.0.0.1:${base}/`);
      assert.equal(page.status, 200);
      assert.match(await page.text(), /Laptop Pro/);
      const databases = await db.query<Array<{ Database: string }>>('SHOW DATABASES');
      for (const name of ['user_db', 'product_db', 'order_db']) {
        assert.ok(databases.some((d) => d.Database === name), `${name} created`);
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
