#!/usr/bin/env node
// Starts the four ShopScope services natively (no Docker) against one MySQL/MariaDB server:
// creates the three databases if needed, then runs each service as `npm start` would, with
// output prefixed by service name. Ctrl-C stops them all gracefully.
//
//   npm run build
//   npm run dev -- --database-url mysql://root:secret@127.0.0.1:3306
//
// Telemetry goes to OTEL_EXPORTER_OTLP_ENDPOINT when that is set, and is off otherwise.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs, parseEnv } from 'node:util';
import { fileURLToPath } from 'node:url';
import mysql from 'mysql2/promise';

const HELP = `Usage: npm run dev -- --database-url mysql://USER:PASS@HOST:PORT [options]

Options:
  --database-url URL   MySQL/MariaDB server (no database name); the user must be able to
                       create databases user_db, product_db and order_db (or pre-create them)
  --base-port N        frontend on N, user N+1, product N+2, order N+3 (default 8080)
  --host ADDR          address the services listen on (default 127.0.0.1)
  -h, --help           this text

Environment: ADMIN_TOKEN, SESSION_SECRET (demo defaults are used when unset),
OTEL_EXPORTER_OTLP_ENDPOINT (enables telemetry), LOG_LEVEL.`;

const { values } = parseArgs({
  options: {
    'database-url': { type: 'string' },
    'base-port': { type: 'string', default: '8080' },
    host: { type: 'string', default: '127.0.0.1' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (values.help || !values['database-url']) {
  console.log(HELP);
  process.exit(values.help ? 0 : 64);
}

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const server = new URL(values['database-url']);
const basePort = Number(values['base-port']);
const databases = { user: 'user_db', product: 'product_db', order: 'order_db' };

const admin = await mysql.createConnection({
  host: server.hostname,
  port: Number(server.port || 3306),
  user: decodeURIComponent(server.username),
  password: decodeURIComponent(server.password),
});
for (const name of Object.values(databases)) await admin.query(`CREATE DATABASE IF NOT EXISTS \`${name}\``);
await admin.end();

const dbUrl = (name) => `mysql://${server.username}:${server.password}@${server.host}/${name}`;
const url = (offset) => `http://127.0.0.1:${basePort + offset}`;
const common = {
  ...process.env,
  HOST: values.host,
  ADMIN_TOKEN: process.env.ADMIN_TOKEN ?? 'shopscope-demo-admin-token',
  LOG_LEVEL: process.env.LOG_LEVEL ?? 'info',
  DEPLOYMENT_ENVIRONMENT: process.env.DEPLOYMENT_ENVIRONMENT ?? 'development',
  ...(process.env.OTEL_EXPORTER_OTLP_ENDPOINT ? {} : { OTEL_SDK_DISABLED: 'true' }),
};
const services = [
  ['user', { PORT: basePort + 1, DATABASE_URL: dbUrl(databases.user) }],
  ['product', { PORT: basePort + 2, DATABASE_URL: dbUrl(databases.product), USER_SERVICE_URL: url(1) }],
  [
    'order',
    { PORT: basePort + 3, DATABASE_URL: dbUrl(databases.order), USER_SERVICE_URL: url(1), PRODUCT_SERVICE_URL: url(2) },
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
      for (const line of lines) process.stdout.write(prefix + line + '\n');
    });
  }
  child.on('exit', (code, signal) => process.stdout.write(`${prefix}exited (${signal ?? code})\n`));
  return child;
});

console.log(`ShopScope: shop at ${url(0)} (user ${url(1)}, product ${url(2)}, order ${url(3)}); Ctrl-C stops.`);
const stopAll = () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
};
process.on('SIGINT', stopAll);
process.on('SIGTERM', stopAll);
