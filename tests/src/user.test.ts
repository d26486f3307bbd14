/**
 * user-service against a real MariaDB, run as a real process: every endpoint of
 * docs/api.md, bad input (with proof that nothing changed), concurrency, the fault API,
 * a database outage and a graceful stop.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { login, loginAdmin, signUp, uniqueUsername } from '../../tools/stack/accounts.ts';
import { call } from './harness/http.ts';
import { MariaDb } from './harness/mariadb.ts';
import { OtlpReceiver, SPAN_KIND } from './harness/otlp-receiver.ts';
import {
  checkDatabaseOutage,
  checkFaultApi,
  checkGarbageNeverFails,
  checkGracefulStop,
  startTwoAtOnce,
} from './harness/service-checks.ts';
import { type ServiceProcess, startService } from './harness/services.ts';
import { telemetryEnv } from './harness/shop.ts';

const NO_TELEMETRY = { OTEL_SDK_DISABLED: 'true' };
const USER_FIELDS = ['created_at', 'email', 'first_name', 'id', 'is_admin', 'last_name', 'username'];

let db: MariaDb;
before(async () => {
  db = await MariaDb.start();
});
after(async () => {
  await db?.destroy();
});

function newAccount(overrides: Record<string, unknown> = {}) {
  const username = uniqueUsername('alice');
  return {
    username,
    email: `${username}@example.test`,
    password: 'correct horse battery',
    first_name: 'Alice',
    last_name: 'Martin',
    ...overrides,
  };
}

describe('user-service', () => {
  let service: ServiceProcess;
  let database: string;
  const countUsers = async () => (await db.query(`SELECT COUNT(*) AS n FROM \`${database}\`.users`))[0].n as number;

  before(async () => {
    database = 'user_api';
    service = await startService('user', { ...NO_TELEMETRY, DATABASE_URL: await db.createDatabase(database) });
  });
  after(async () => {
    await service?.stop();
  });

  test('health and readiness', async () => {
    assert.deepEqual((await call(service.url, 'GET', '/healthz')).body, { status: 'ok' });
    const ready = await call(service.url, 'GET', '/readyz');
    assert.equal(ready.status, 200);
  });

  test('the seed creates the demo admin, who can log in', async () => {
    assert.deepEqual((await call(service.url, 'GET', '/api/user/admin/exists')).body, { result: true });
    const res = await call(service.url, 'POST', '/api/user/login', {
      body: { username: 'admin', password: 'admin123' },
    });
    assert.equal(res.status, 200);
    assert.match(res.body.result.api_key, /^[A-Za-z0-9_-]{43}$/, '32 random bytes, base64url');
    assert.equal(res.body.api_key, res.body.result.api_key, 'also at the top level for Flask-era clients');
    assert.equal(res.body.result.user.username, 'admin');
    assert.equal(res.body.result.user.is_admin, true);
    assert.deepEqual(Object.keys(res.body.result.user).sort(), USER_FIELDS);
  });

  test('create: 201 with the public user, password stored as scrypt', async () => {
    const account = newAccount({ email: 'Alice.Upper@Example.TEST', first_name: '  Alice ' });
    const res = await call(service.url, 'POST', '/api/user/create', { body: account });
    assert.equal(res.status, 201);
    const user = res.body.result;
    assert.deepEqual(Object.keys(user).sort(), USER_FIELDS);
    assert.equal(user.username, account.username);
    assert.equal(user.email, 'alice.upper@example.test', 'emails are stored lower-cased');
    assert.equal(user.first_name, 'Alice', 'names are trimmed');
    assert.equal(user.is_admin, false);
    assert.ok(Number.isInteger(user.id));
    assert.ok(!Number.isNaN(Date.parse(user.created_at)));

    const [row] = await db.query(`SELECT password_hash FROM \`${database}\`.users WHERE id = ?`, [user.id]);
    assert.match(row.password_hash, /^scrypt\$\d+\$\d+\$\d+\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
    assert.ok(!row.password_hash.includes(account.password));
  });

  test('create: form-encoded bodies are accepted', async () => {
    const account = newAccount();
    const res = await call(service.url, 'POST', '/api/user/create', {
      rawBody: new URLSearchParams(account).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    assert.equal(res.status, 201);
    assert.equal(res.body.result.username, account.username);
  });

  test('create: 409 for a taken username or email (case-insensitive), nothing written', async () => {
    const first = newAccount();
    assert.equal((await call(service.url, 'POST', '/api/user/create', { body: first })).status, 201);
    const before = await countUsers();

    const sameName = await call(service.url, 'POST', '/api/user/create', {
      body: newAccount({ username: first.username.toUpperCase() }),
    });
    assert.equal(sameName.status, 409);
    assert.deepEqual(Object.keys(sameName.body.details.fields), ['username']);

    const sameEmail = await call(service.url, 'POST', '/api/user/create', {
      body: newAccount({ email: first.email.toUpperCase() }),
    });
    assert.equal(sameEmail.status, 409);
    assert.deepEqual(Object.keys(sameEmail.body.details.fields), ['email']);

    const both = await call(service.url, 'POST', '/api/user/create', { body: first });
    assert.equal(both.status, 409);
    assert.deepEqual(Object.keys(both.body.details.fields).sort(), ['email', 'username']);

    assert.equal(await countUsers(), before);
  });

  test('create: concurrent sign-ups of one username give exactly one 201, the rest 409', async () => {
    const username = uniqueUsername('race');
    const attempts = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        call(service.url, 'POST', '/api/user/create', {
          body: newAccount({ username, email: `${username}.${i}@example.test` }),
        }),
      ),
    );
    const statuses = attempts.map((r) => r.status).sort();
    assert.deepEqual(statuses, [201, 409, 409, 409, 409, 409, 409, 409]);
    const [row] = await db.query(`SELECT COUNT(*) AS n FROM \`${database}\`.users WHERE username = ?`, [username]);
    assert.equal(row.n, 1);
  });

  test('create: bad input is a 400 naming each field, and nothing is written', async () => {
    const before = await countUsers();
    const cases: Array<[unknown, string[]]> = [
      [{}, ['email', 'first_name', 'last_name', 'password', 'username']],
      [newAccount({ username: 'ab' }), ['username']],
      [newAccount({ username: 'bad name!' }), ['username']],
      [newAccount({ username: 'x'.repeat(33) }), ['username']],
      [newAccount({ email: 'not-an-email' }), ['email']],
      [newAccount({ password: 'short' }), ['password']],
      [newAccount({ password: 'p'.repeat(129) }), ['password']],
      [newAccount({ first_name: '   ' }), ['first_name']],
      [newAccount({ last_name: 42 }), ['last_name']],
      [newAccount({ username: ['a', 'b'] }), ['username']],
    ];
    for (const [body, fields] of cases) {
      const res = await call(service.url, 'POST', '/api/user/create', { body });
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.deepEqual(Object.keys(res.body.details.fields).sort(), fields, JSON.stringify(body));
    }
    for (const rawBody of ['{"username": "bob",', '[1, 2]', 'null']) {
      const res = await call(service.url, 'POST', '/api/user/create', { rawBody });
      assert.equal(res.status, 400, rawBody);
      assert.equal(typeof res.body.message, 'string');
    }
    const huge = await call(service.url, 'POST', '/api/user/create', {
      body: newAccount({ first_name: 'x'.repeat(70_000) }),
    });
    assert.equal(huge.status, 413);
    assert.equal(await countUsers(), before);
  });

  test('login: 401 on a wrong password or unknown user, 400 on missing fields', async () => {
    const account = await signUp(service.url);
    const wrong = await call(service.url, 'POST', '/api/user/login', {
      body: { username: account.username, password: 'not the password' },
    });
    assert.equal(wrong.status, 401);
    assert.equal(wrong.body.api_key, undefined);
    const unknown = await call(service.url, 'POST', '/api/user/login', {
      body: { username: uniqueUsername('ghost'), password: 'whatever1' },
    });
    assert.equal(unknown.status, 401);
    assert.equal(unknown.body.message, wrong.body.message, 'the answer does not reveal which usernames exist');
    const missing = await call(service.url, 'POST', '/api/user/login', { body: { username: account.username } });
    assert.equal(missing.status, 400);
    assert.deepEqual(Object.keys(missing.body.details.fields), ['password']);
  });

  test('login: each login gets a fresh key, stored only as its SHA-256', async () => {
    const account = await signUp(service.url);
    const second = await login(service.url, account.username, account.password);
    assert.notEqual(second, account.apiKey);
    const rows = await db.query<Array<{ key_hash: string }>>(
      `SELECT k.key_hash FROM \`${database}\`.api_keys k JOIN \`${database}\`.users u ON u.id = k.user_id WHERE u.username = ?`,
      [account.username],
    );
    const sha = (s: string) => createHash('sha256').update(s).digest('hex');
    assert.deepEqual(rows.map((r) => r.key_hash).sort(), [sha(account.apiKey), sha(second)].sort());
  });

  test('GET /api/user: the caller with a valid key (Bearer or Basic), 401 otherwise', async () => {
    const account = await signUp(service.url);
    const me = await call(service.url, 'GET', '/api/user', { apiKey: account.apiKey });
    assert.equal(me.status, 200);
    assert.equal(me.body.result.username, account.username);
    assert.deepEqual(Object.keys(me.body.result).sort(), USER_FIELDS);

    const basic = await call(service.url, 'GET', '/api/user', {
      headers: { authorization: `Basic ${account.apiKey}` },
    });
    assert.equal(basic.status, 200);
    assert.equal(basic.body.result.id, account.user.id);

    assert.equal((await call(service.url, 'GET', '/api/user')).status, 401);
    assert.equal((await call(service.url, 'GET', '/api/user', { apiKey: 'x'.repeat(43) })).status, 401);
    assert.equal((await call(service.url, 'GET', '/api/user', { headers: { authorization: 'Bearer' } })).status, 401);
  });

  test('logout revokes that key only', async () => {
    const account = await signUp(service.url);
    const other = await login(service.url, account.username, account.password);
    const res = await call(service.url, 'POST', '/api/user/logout', { apiKey: account.apiKey });
    assert.equal(res.status, 200);
    assert.equal(typeof res.body.message, 'string');
    assert.equal((await call(service.url, 'GET', '/api/user', { apiKey: account.apiKey })).status, 401);
    assert.equal((await call(service.url, 'POST', '/api/user/logout', { apiKey: account.apiKey })).status, 401);
    assert.equal((await call(service.url, 'GET', '/api/user', { apiKey: other })).status, 200);
    assert.equal((await call(service.url, 'POST', '/api/user/logout')).status, 401);
  });

  test('exists: 200 for a known username (any case), 404 otherwise', async () => {
    const account = await signUp(service.url);
    assert.deepEqual((await call(service.url, 'GET', `/api/user/${account.username}/exists`)).body, { result: true });
    assert.equal((await call(service.url, 'GET', `/api/user/${account.username.toUpperCase()}/exists`)).status, 200);
    assert.equal((await call(service.url, 'GET', `/api/user/${uniqueUsername('ghost')}/exists`)).status, 404);
    assert.equal((await call(service.url, 'GET', '/api/user/no%20such%20user/exists')).status, 404);
    assert.equal((await call(service.url, 'GET', '/api/user/x/exists')).status, 404);
  });

  test('GET /api/users: admins only, paged', async () => {
    const account = await signUp(service.url);
    const adminKey = await loginAdmin(service.url);
    const all = await call(service.url, 'GET', '/api/users?limit=100', { apiKey: adminKey });
    assert.equal(all.status, 200);
    assert.equal(all.body.total, await countUsers());
    assert.ok(all.body.results.some((u: { username: string }) => u.username === account.username));
    for (const user of all.body.results) assert.deepEqual(Object.keys(user).sort(), USER_FIELDS);

    const page = await call(service.url, 'GET', '/api/users?limit=1&offset=1', { apiKey: adminKey });
    assert.equal(page.body.results.length, 1);
    assert.equal(page.body.results[0].id, all.body.results[1].id);

    assert.equal((await call(service.url, 'GET', '/api/users?limit=0', { apiKey: adminKey })).status, 400);
    assert.equal((await call(service.url, 'GET', '/api/users?offset=-1', { apiKey: adminKey })).status, 400);
    assert.equal((await call(service.url, 'GET', '/api/users', { apiKey: account.apiKey })).status, 403);
    assert.equal((await call(service.url, 'GET', '/api/users')).status, 401);
  });

  test('garbage bodies never cause a 5xx', async () => {
    const before = await countUsers();
    const endpoints: Array<[string, string]> = [
      ['POST', '/api/user/create'],
      ['POST', '/api/user/login'],
      ['POST', '/api/user/logout'],
    ];
    await checkGarbageNeverFails(service, endpoints);
    await checkGarbageNeverFails(service, [['POST', '/api/user/logout']], {
      authorization: `Bearer ${await loginAdmin(service.url)}`,
    });
    assert.equal(await countUsers(), before);
  });

  test('unknown routes are a JSON 404', async () => {
    const res = await call(service.url, 'GET', '/api/nothing-here');
    assert.equal(res.status, 404);
    assert.equal(typeof res.body.message, 'string');
  });

  test('no password, hash or key ever reaches the logs', async () => {
    const account = await signUp(service.url);
    await call(service.url, 'POST', '/api/user/login', {
      body: { username: account.username, password: 'wrong-password' },
    });
    const [row] = await db.query(`SELECT password_hash FROM \`${database}\`.users WHERE username = ?`, [
      account.username,
    ]);
    const logs = service.lines.join('\n');
    for (const secret of [account.password, account.apiKey, row.password_hash, 'admin123', 'wrong-password']) {
      assert.ok(!logs.includes(secret), 'a secret appeared in the logs');
    }
  });

  test('fault injection', async () => {
    await checkFaultApi(service, '/api/user/admin/exists');
  });

  test('a database outage gives 503s, then recovers without a restart', async () => {
    const account = await signUp(service.url);
    await checkDatabaseOutage(db, service, [
      () => call(service.url, 'GET', '/api/user', { apiKey: account.apiKey }),
      () =>
        call(service.url, 'POST', '/api/user/login', {
          body: { username: account.username, password: account.password },
        }),
      () => call(service.url, 'GET', `/api/user/${account.username}/exists`),
    ]);
  });

  test('SIGTERM stops it cleanly with exit code 0', async () => {
    await checkGracefulStop(service);
  });
});

describe('user-service telemetry', () => {
  const receiver = new OtlpReceiver();
  let service: ServiceProcess;
  let database: string;

  before(async () => {
    await receiver.start();
    database = 'user_telemetry';
    service = await startService('user', {
      ...telemetryEnv(receiver.endpoint),
      DATABASE_URL: await db.createDatabase(database),
    });
  });
  after(async () => {
    await service?.stop();
    await receiver.stop();
  });

  /** The latest cumulative value of a user-service counter, for points matching `attributes`. */
  const counter = (name: string, attributes: Record<string, string> = {}) => {
    const exports = receiver.metrics.filter((m) => m.service === 'user-service' && m.name === name);
    const points = exports.at(-1)?.points ?? [];
    return points
      .filter((p) => Object.entries(attributes).every(([k, v]) => p.attributes[k] === v))
      .reduce((sum, p) => sum + (p.value ?? 0), 0);
  };

  test('business metrics, spans with user.id and SQL children, correlated logs, no secret exported', async () => {
    const account = newAccount();
    const created = await call(service.url, 'POST', '/api/user/create', { body: account });
    assert.equal(created.status, 201);
    const apiKey = await login(service.url, account.username, account.password);
    const failed = await call(service.url, 'POST', '/api/user/login', {
      body: { username: account.username, password: 'wrong-password-123' },
    });
    assert.equal(failed.status, 401);
    assert.equal((await call(service.url, 'GET', '/api/user', { apiKey })).status, 200);
    await loginAdmin(service.url);

    await receiver.waitUntil(
      'registration and login counters',
      () =>
        counter('shopscope.users.registered') >= 1 &&
        counter('shopscope.logins', { outcome: 'success' }) >= 1 &&
        counter('shopscope.logins', { outcome: 'failure' }) >= 1,
    );
    await receiver.waitUntil('the sign-up server span', () =>
      receiver.spans.some((s) => s.service === 'user-service' && s.attributes['http.route'] === '/api/user/create'),
    );
    const signUp = receiver.spans.find(
      (s) =>
        s.service === 'user-service' &&
        s.kind === SPAN_KIND.SERVER &&
        s.attributes['http.route'] === '/api/user/create',
    )!;
    assert.equal(signUp.attributes['http.response.status_code'], 201);
    assert.ok(
      receiver.spansOfTrace(signUp.traceId).some((s) => s.attributes['user.id'] === created.body.result.id),
      'the new user id is searchable in the trace',
    );
    await receiver.waitUntil('SQL spans under the sign-up', () =>
      receiver.spansOfTrace(signUp.traceId).some((s) => s.kind === SPAN_KIND.CLIENT),
    );
    await receiver.waitUntil('the "user registered" log record with its trace id', () =>
      receiver.logs.some((l) => l.body === 'user registered' && l.traceId === signUp.traceId),
    );

    const hashes = await db.query<Array<{ password_hash: string }>>(`SELECT password_hash FROM \`${database}\`.users`);
    assert.equal(hashes.length, 2, 'the seeded admin and the new user');
    const secrets = [account.password, 'wrong-password-123', 'admin123', apiKey, ...hashes.map((h) => h.password_hash)];
    for (const secret of secrets) {
      assert.equal(receiver.contains(secret), false, 'a secret was exported');
    }
  });
});

describe('user-service replicas starting at once on an empty database', () => {
  let replicas: ServiceProcess[] = [];
  after(async () => {
    await Promise.all(replicas.map((r) => r.stop()));
  });

  test('both migrate safely, become ready and seed one admin', async () => {
    const database = 'user_replicas';
    replicas = await startTwoAtOnce('user', { ...NO_TELEMETRY, DATABASE_URL: await db.createDatabase(database) });
    const users = await db.query<Array<{ username: string; is_admin: number }>>(
      `SELECT username, is_admin FROM \`${database}\`.users`,
    );
    assert.deepEqual(
      users.map((r) => [r.username, r.is_admin]),
      [['admin', 1]],
    );
    const applied = await db.query<Array<{ name: string }>>(
      `SELECT name FROM \`${database}\`.schema_migrations ORDER BY name`,
    );
    assert.deepEqual(
      applied.map((r) => r.name),
      ['0001-create-users', '0002-create-api-keys', '0003-api-key-expiry'],
    );
    // The migration lock made one replica do the work while the other waited.
    const logged = (msg: string) => replicas.filter((r) => r.logs.some((line) => line.msg === msg)).length;
    assert.equal(logged('migrations applied'), 1);
    assert.equal(logged('demo admin account created'), 1);
    // Both replicas share the data: a key issued by one works on the other.
    const key = await loginAdmin(replicas[0].url);
    assert.equal((await call(replicas[1].url, 'GET', '/api/user', { apiKey: key })).status, 200);
  });
});
