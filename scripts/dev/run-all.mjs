#!/usr/bin/env node
// Starts the four ShopScope services natively (no Docker) against one MySQL/MariaDB server:
// a throwaway MariaDB of its own unless a server is given, the three databases created if
// needed, then each service as `npm start` would, output prefixed by service name. Prints
// the URLs once every service is ready. Ctrl-C stops them all (and removes the throwaway
// database). scripts/dev.sh is the one-command way in: Node 24, npm ci, build, then this.
//
//   npm run build
//   npm run dev                                          # throwaway MariaDB (mariadbd on PATH)
//   MYSQL_URL=mysql://root:secret@127.0.0.1:3306 npm run dev   # your own server
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs, parseEnv } from 'node:util';
import { fileURLToPath } from 'node:url';
import mysql from 'mysql2/promise';
import { mariaDbInstalled, ThrowawayMariaDb } from './mariadb.mts';

const HELP = `Usage: npm run dev [-- options]      (or scripts/dev.sh [options])

Starts the shop's four services natively. Without a database server it starts a throwaway
MariaDB of its own (its data is deleted on Ctrl-C); this needs mariadbd and
mariadb-install-db on PATH (Debian/Ubuntu: apt-get install mariadb-server).

Options:
  --base-port N        frontend on N, user N+1, product N+2, order N+3 (default 8080)
  --host ADDR          address the services listen on (default 127.0.0.1, this machine only)
  --database-url URL   a MySQL/MariaDB server (no database name) instead of the throwaway
                       one; prefer MYSQL_URL: an argument shows its password to every user
                       of this machine in the process list
  -h, --help           this text

Environment:
  MYSQL_URL            mysql://USER:PASS@HOST:PORT of your server; the user must be able to
                       create the databases user_db, product_db and order_db (or they exist)
  ADMIN_TOKEN          fault API token (default shopscope-demo-admin-token, as in .env.example)
  INTERNAL_TOKEN       service credential of the internal stock endpoints
                       (default shopscope-demo-internal-token)
  SESSION_SECRET       signs the shop's session cookie (a demo default)
  OTEL_EXPORTER_OTLP_ENDPOINT  send telemetry there (e.g. http://127.0.0.1:4317, the
                       collector of a running docker compose stack); unset: telemetry off
  LOG_LEVEL            default info`;

const { values } = parseArgs({
  options: {
    'database-url': { type: 'string' },
    'base-port': { type: 'string', default: '8080' },
    host: { type: 'string', default: '127.0.0.1' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (values.help) {
  console.log(HELP);
  process.exit(0);
}
const basePort = Number(values['base-port']);
if (!Number.isInteger(basePort) || basePort < 1 || basePort > 65532) {
  console.error(`--base-port must be a port number (1-65532), got ${values['base-port']}`);
  process.exit(64);
}

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const databases = { user: 'user_db', product: 'product_db', order: 'order_db' };

/** The database server: the one given, or a throwaway MariaDB started here. */
async function databaseServer() {
  const given = values['database-url'] ?? process.env.MYSQL_URL;
  if (given) {
    const server = new URL(given);
    const admin = await mysql.createConnection({
      host: server.hostname,
      port: Number(server.port || 3306),
      user: decodeURIComponent(server.username),
      password: decodeURIComponent(server.password),
    });
    for (const name of Object.values(databases)) await admin.query(`CREATE DATABASE IF NOT EXISTS \`${name}\``);
    await admin.end();
    const dbUrl = (name) => `mysql://${server.username}:${server.password}@${server.host}/${name}`;
    return { dbUrl, describe: `${server.protocol}//${server.host} (yours)`, destroy: async () => {} };
  }
  if (!mariaDbInstalled()) {
    console.error(
      'No database server given and no MariaDB to start one: install MariaDB (Debian/Ubuntu: ' +
        'sudo apt-get install mariadb-server; macOS: brew install mariadb), or give your own ' +
        'server with MYSQL_URL=mysql://USER:PASS@HOST:PORT.',
    );
    process.exit(69); // EX_UNAVAILABLE
  }
  // A random password: the server listens on loopback only and lives as long as this run.
  const db = await ThrowawayMariaDb.start({ user: 'shopscope', password: randomBytes(12).toString('hex') });
  const urls = {};
  for (const [service, name] of Object.entries(databases)) urls[service] = await db.createDatabase(name);
  return {
    dbUrl: (name) => Object.values(urls).find((u) => u.endsWith(`/${name}`)),
    describe: `throwaway MariaDB on 127.0.0.1:${db.port} (as root: mariadb --socket=${db.socket} -u root)`,
    destroy: () => db.destroy(),
  };
}

const db = await databaseServer();
const url = (offset) => `http://127.0.0.1:${basePort + offset}`;
const common = {
  ...process.env,
  HOST: values.host,
  ADMIN_TOKEN: process.env.ADMIN_TOKEN ?? 'shopscope-demo-admin-token',
  LOG_LEVEL: process.env.LOG_LEVEL ?? 'info',
  DEPLOYMENT_ENVIRONMENT: process.env.DEPLOYMENT_ENVIRONMENT ?? 'development',
  ...(process.env.OTEL_EXPORTER_OTLP_ENDPOINT ? {} : { OTEL_SDK_DISABLED: 'true' }),
};
const internalToken = process.env.INTERNAL_TOKEN ?? 'shopscope-demo-internal-token';
const services = [
  ['user', { PORT: basePort + 1, DATABASE_URL: db.dbUrl(databases.user) }],
  [
    'product',
    {
      PORT: basePort + 2,
      DATABASE_URL: db.dbUrl(databases.product),
      USER_SERVICE_URL: url(1),
      INTERNAL_TOKEN: internalToken,
    },
  ],
  [
    'order',
    {
      PORT: basePort + 3,
      DATABASE_URL: db.dbUrl(databases.order),
      USER_SERVICE_URL: url(1),
      PRODUCT_SERVICE_URL: url(2),
      INTERNAL_TOKEN: internalToken,
    },
  ],
  [
    'frontend',
    {
      PORT: basePort,
      USER_SERVICE_URL: url(1),
      PRODUCT_SERVICE_URL: url(2),
      ORDER_SERVICE_URL: url(3),
      SESSION_SECRET: process.env.SESSION_SECRET ?? 'shopscope-demo-session-secret-change-me',
    },
  ],
];

// services/runtime.env: the heap and allocator settings the containers run with too.
const runtimeEnv = parseEnv(readFileSync(path.join(repoRoot, 'services/runtime.env'), 'utf8'));

const children = services.map(([name, env]) => {
  const child = spawn(process.execPath, ['--require', '@shopscope/telemetry/register', 'dist/main.js'], {
    cwd: path.join(repoRoot, 'services', name),
    env: { ...runtimeEnv, ...common, ...Object.fromEntries(Object.entries(env).map(([k, v]) => [k, String(v)])) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const prefix = `${name.padEnd(8)} | `;
  for (const stream of [child.stdout, child.stderr]) {
    let rest = '';
    stream.on('data', (chunk) => {
      const lines = (rest + chunk).split('\n');
      rest = lines.pop() ?? '';
      for (const line of lines) process.stdout.write(`${prefix}${line}\n`);
    });
  }
  child.on('exit', (code, signal) => process.stdout.write(`${prefix}exited (${signal ?? code})\n`));
  return child;
});

let stopping = false;
const stopAll = async () => {
  if (stopping) return;
  stopping = true;
  const exits = children.map((child) =>
    child.exitCode === null && child.signalCode === null
      ? new Promise((resolve) => child.once('exit', resolve))
      : undefined,
  );
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
  await Promise.all(exits);
  await db.destroy();
  process.exit(children.every((child) => child.exitCode === 0) ? 0 : 1);
};
process.on('SIGINT', stopAll);
process.on('SIGTERM', stopAll);

/** Waits until every service answers /readyz, then prints where everything is. */
async function announceWhenReady() {
  const deadline = Date.now() + 120_000;
  for (const offset of [1, 2, 3, 0]) {
    for (;;) {
      if (stopping) return;
      try {
        if ((await fetch(`${url(offset)}/readyz`)).status === 200) break;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) {
        console.log(`ShopScope: ${url(offset)} is not ready after 2 minutes; see its log lines above.`);
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
  console.log(
    [
      '',
      `ShopScope is ready: the shop at ${url(0)} (demo account admin / admin123)`,
      `  APIs: user ${url(1)}, product ${url(2)}, order ${url(3)}`,
      `  database: ${db.describe}`,
      `  telemetry: ${process.env.OTEL_EXPORTER_OTLP_ENDPOINT ? `to ${process.env.OTEL_EXPORTER_OTLP_ENDPOINT}` : 'off (set OTEL_EXPORTER_OTLP_ENDPOINT to send it)'}`,
      '  Ctrl-C stops everything.',
      '',
    ].join('\n'),
  );
}
void announceWhenReady();
