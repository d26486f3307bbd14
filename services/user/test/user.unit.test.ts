/**
 * user-service without its database.
 *
 * The HTTP app in-process, on a database that is never connected: the answers given before
 * the database is touched. A login body that is incomplete, of the wrong types, not JSON
 * at all or too large is refused (400 with the fields / 400 "Malformed JSON body" / 413)
 * without being counted as a failed login; `GET /api/user` without a key is a 401.
 *
 * The pure parts: the remembered valid keys that are exempt from the API-key throttle
 * (src/throttles.ts, KnownKeys: a bounded LRU of digests, never the keys), when a key has
 * expired (src/domain/accounts.ts), and the public view of an account
 * (src/domain/views.ts): the contracts' PublicUser, never the password hash.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { createDatabase, createLogger } from '@shopscope/common';
import { PublicUser } from '@shopscope/contracts';
import { buildApp } from '../dist/app.js';
import { readConfig } from '../dist/config.js';
import { initModels } from '../dist/db/models.js';
import { isApiKeyExpired } from '../dist/domain/accounts.js';
import { toPublicUser } from '../dist/domain/views.js';
import { KnownKeys } from '../dist/throttles.js';

const logger = createLogger('user', 'silent');
const sequelize = createDatabase({ url: 'mysql://u:p@127.0.0.1:9/x', logger });
const models = initModels(sequelize);
let service: { url: string; close(): Promise<void> };

before(async () => {
  // A throttle of ONE failure per address and per account: a refused body counted as a
  // failed login would show as a 429 on the next attempt.
  const config = readConfig({
    DATABASE_URL: 'mysql://u:p@127.0.0.1:9/x',
    LOGIN_MAX_FAILURES_PER_ACCOUNT: '1',
    LOGIN_MAX_FAILURES_PER_ADDRESS: '1',
  });
  const { app } = buildApp({ config, logger, database: { sequelize, models } });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  service = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
});

after(async () => {
  await service?.close();
  await sequelize.close();
});

interface Answer {
  status: number;
  json: { message?: string; details?: { fields?: unknown } };
}

async function login(body: string): Promise<Answer> {
  const res = await fetch(`${service.url}/api/user/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
  });
  return { status: res.status, json: (await res.json()) as Answer['json'] };
}

describe('POST /api/user/login refuses what it cannot read', () => {
  test('missing fields: 400 naming each', async () => {
    const { status, json } = await login(JSON.stringify({ username: 'ann' }));
    assert.equal(status, 400);
    assert.deepEqual(json.details, { fields: { password: 'is required' } });
    assert.deepEqual((await login('{}')).json.details, {
      fields: { username: 'is required', password: 'is required' },
    });
    assert.deepEqual((await login(JSON.stringify({ username: '', password: 'x' }))).json.details, {
      fields: { username: 'is required' },
    });
  });

  test('wrong types: 400 "must be text"', async () => {
    const { status, json } = await login(JSON.stringify({ username: 42, password: ['secret'] }));
    assert.equal(status, 400);
    assert.deepEqual(json.details, { fields: { username: 'must be text', password: 'must be text' } });
    assert.equal((await login('[1,2]')).status, 400);
  });

  test('a JSON syntax error: 400 "Malformed JSON body"', async () => {
    const { status, json } = await login('{"username": "ann", "password": ');
    assert.equal(status, 400);
    assert.deepEqual(json, { message: 'Malformed JSON body' });
  });

  test('a body over the 64 kB limit: 413', async () => {
    const { status, json } = await login(JSON.stringify({ username: 'ann', password: 'x'.repeat(70_000) }));
    assert.equal(status, 413);
    assert.equal(json.message, 'Request body too large');
  });

  test('none of those refusals counted as a failed login (limit 1): still a 400, never a 429', async () => {
    for (let i = 0; i < 3; i += 1) {
      assert.equal((await login(JSON.stringify({ username: 'ann', password: 42 }))).status, 400);
    }
  });
});

test('GET /api/user without a key is a 401', async () => {
  const res = await fetch(`${service.url}/api/user`);
  assert.equal(res.status, 401);
  assert.match(((await res.json()) as { message: string }).message, /API key required/);
});

describe('KnownKeys', () => {
  test('remembers keys, and nothing for a missing or empty one', () => {
    const known = new KnownKeys();
    known.remember('key-one-0123456789');
    assert.equal(known.has('key-one-0123456789'), true);
    assert.equal(known.has('key-two-0123456789'), false);
    known.remember(undefined);
    known.remember('');
    assert.equal(known.has(undefined), false);
    assert.equal(known.has(''), false);
  });

  test('keeps only the most recent maxEntries, a re-remembered key counting as recent', () => {
    const known = new KnownKeys(2);
    known.remember('a');
    known.remember('b');
    known.remember('a'); // a is now the youngest
    known.remember('c'); // evicts b, the oldest
    assert.deepEqual(
      ['a', 'b', 'c'].map((k) => known.has(k)),
      [true, false, true],
    );
  });

  test('holds digests, not the keys themselves', () => {
    const known = new KnownKeys();
    known.remember('raw-secret-key-0123456789');
    const { digests } = known as unknown as { digests: Map<string, true> };
    assert.equal(digests.size, 1);
    assert.deepEqual([...digests.keys()], [createHash('sha256').update('raw-secret-key-0123456789').digest('hex')]);
  });
});

describe('isApiKeyExpired', () => {
  test('expired from expires_at on (inclusive), not a millisecond before', () => {
    const expiresAt = new Date('2024-06-01T12:00:00.000Z');
    const key = { expires_at: expiresAt };
    assert.equal(isApiKeyExpired(key, expiresAt.getTime() - 1), false);
    assert.equal(isApiKeyExpired(key, expiresAt.getTime()), true);
    assert.equal(isApiKeyExpired(key, expiresAt.getTime() + 1), true);
    assert.equal(isApiKeyExpired({ expires_at: new Date(Date.now() + 60_000) }), false);
  });
});

describe('toPublicUser', () => {
  const { User } = models;
  const HASH = 'scrypt$N=16384$c2FsdA$aGFzaGhhc2hoYXNo';

  test('is the contracts PublicUser exactly, and never carries the password hash', () => {
    const createdAt = new Date('2024-01-02T03:04:05.006Z');
    const row = User.build({
      id: 5,
      username: 'ann',
      email: 'ann@example.com',
      password_hash: HASH,
      first_name: 'Ann',
      last_name: 'Lee',
      is_admin: false,
      created_at: createdAt,
      updated_at: createdAt,
    });
    const view = toPublicUser(row);
    assert.deepEqual(PublicUser.strict().parse(view), view);
    assert.equal(view.created_at, '2024-01-02T03:04:05.006Z');
    assert.ok(!('password_hash' in view));
    assert.ok(!JSON.stringify(view).includes(HASH));
  });

  test('is_admin is a boolean even when the database gives a TINYINT 1', () => {
    const row = User.build({
      id: 1,
      username: 'admin',
      email: 'admin@example.com',
      password_hash: HASH,
      first_name: 'Ad',
      last_name: 'Min',
      created_at: new Date(),
    });
    row.setDataValue('is_admin', 1 as unknown as boolean);
    assert.equal(toPublicUser(row).is_admin, true);
  });
});
