/**
 * Login and API-key throttling, and the bounded password-hashing line (an attack run found
 * unlimited password guessing, ~350 API-key guesses a second, and a flood of bad logins
 * that made an innocent login wait 5–6 s).
 *
 * - user-service: per account (all callers), per client address (logins, unknown API keys):
 *   only failures count; the attempt after the limit is a 429 with Retry-After.
 * - the web shop: per browser address at its form, and user-service's per-account 429 shown
 *   as a friendly form error (429, Retry-After), without locking other shoppers out.
 * - services/common's crypto: at most 2 hashes at once and a bounded line; the excess is
 *   refused at once (503 + Retry-After) instead of making everybody wait.
 *
 * Clients are told apart with X-Forwarded-For: the services trust it from loopback (as from
 * a proxy), so each "address" here is a different client to the throttles.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  csrfToken,
  pageText,
  SHOPPER_PASSWORD,
  signedInShopper,
  WebClient,
  type WebPage,
} from '../../tools/stack/frontend-client.ts';
import { signUp, uniqueUsername } from '../../tools/stack/accounts.ts';
import { call, type JsonResponse } from './harness/http.ts';
import { MariaDb } from './harness/mariadb.ts';
import { REPO_ROOT, type ServiceProcess, startService } from './harness/services.ts';
import { type Shop, startShop } from './harness/shop.ts';

const NO_TELEMETRY = { OTEL_SDK_DISABLED: 'true' };

/** A client at `address` (documentation ranges, RFC 5737). */
const from = (address: string) => ({ 'x-forwarded-for': address });

function loginAt(url: string, username: string, password: string, address: string): Promise<JsonResponse> {
  return call(url, 'POST', '/api/user/login', { body: { username, password }, headers: from(address) });
}

/** A 429 in the services' JSON error shape, with a Retry-After within the window. */
function assertThrottled(res: JsonResponse, windowSeconds: number, what: string): void {
  assert.equal(res.status, 429, `${what}: ${JSON.stringify(res.body)}`);
  const retryAfter = Number(res.headers.get('retry-after'));
  assert.ok(retryAfter >= 1 && retryAfter <= windowSeconds, `${what}: Retry-After ${res.headers.get('retry-after')}`);
  assert.equal(typeof res.body.message, 'string');
  assert.equal(res.body.details?.retry_after_seconds, retryAfter);
}

/** Runs `tasks` with at most `concurrency` at once. */
async function pool<T>(count: number, concurrency: number, task: (i: number) => Promise<T>): Promise<T[]> {
  const results: T[] = new Array(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const i = next++;
        results[i] = await task(i);
      }
    }),
  );
  return results;
}

let db: MariaDb;
before(async () => {
  db = await MariaDb.start();
});
after(async () => {
  await db?.destroy();
});

describe('user-service with its default limits', () => {
  let service: ServiceProcess;
  before(async () => {
    service = await startService('user', {
      ...NO_TELEMETRY,
      DATABASE_URL: await db.createDatabase('throttle_defaults'),
    });
  });
  after(async () => {
    await service?.stop();
  });

  it('refuses the 11th login to an account after 10 wrong passwords, the right one included, from anywhere', async () => {
    const account = await signUp(service.url, 'victim');
    for (let i = 0; i < 10; i++) {
      // From ten addresses: the per-account count does not care where guesses come from.
      const res = await loginAt(service.url, account.username, `wrong-${i}`, `203.0.113.${i + 1}`);
      assert.equal(res.status, 401, `wrong password ${i + 1}`);
    }
    assertThrottled(
      await loginAt(service.url, account.username, 'wrong-again', '203.0.113.50'),
      900,
      '11th wrong password',
    );
    // Locked means locked: otherwise a 200 among the 429s would still confirm a guessed password.
    assertThrottled(
      await loginAt(service.url, account.username, account.password, '198.51.100.1'),
      900,
      'right password',
    );
    // The name is normalised as the users table compares it (case, accents, spaces).
    const variant = `  ${account.username.toUpperCase().replace('V', 'V\u0301')} `;
    assertThrottled(
      await loginAt(service.url, variant, account.password, '198.51.100.1'),
      900,
      'same account, other spelling',
    );
    // Other accounts, and the locked one's API key, are not affected.
    const other = await signUp(service.url, 'bystander');
    assert.equal((await loginAt(service.url, other.username, other.password, '203.0.113.50')).status, 200);
    assert.equal((await call(service.url, 'GET', '/api/user', { apiKey: account.apiKey })).status, 200);
  });

  it('a successful login clears the account’s earlier typos', async () => {
    const account = await signUp(service.url, 'typo');
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 9; i++) {
        assert.equal((await loginAt(service.url, account.username, 'typo', '198.51.100.2')).status, 401);
      }
      assert.equal((await loginAt(service.url, account.username, account.password, '198.51.100.2')).status, 200);
    }
  });
});

describe('user-service with small limits (3 per account, 5 per address, 5 unknown keys)', () => {
  let service: ServiceProcess;
  before(async () => {
    service = await startService('user', {
      ...NO_TELEMETRY,
      DATABASE_URL: await db.createDatabase('throttle_small'),
      LOGIN_MAX_FAILURES_PER_ACCOUNT: '3',
      LOGIN_MAX_FAILURES_PER_ADDRESS: '5',
      LOGIN_THROTTLE_WINDOW_SECONDS: '120',
      API_KEY_MAX_FAILURES_PER_ADDRESS: '5',
      API_KEY_THROTTLE_WINDOW_SECONDS: '60',
    });
  });
  after(async () => {
    await service?.stop();
  });

  it('never throttles successful logins: 50 users sign in from one address and use their keys', async () => {
    const address = '198.51.100.77';
    const statuses = await pool(50, 4, async (i) => {
      const username = uniqueUsername(`many${i}`);
      const created = await call(service.url, 'POST', '/api/user/create', {
        body: {
          username,
          email: `${username}@example.test`,
          password: SHOPPER_PASSWORD,
          first_name: 'A',
          last_name: 'B',
        },
        headers: from(address),
      });
      assert.equal(created.status, 201);
      const signedIn = await loginAt(service.url, username, SHOPPER_PASSWORD, address);
      const me = await call(service.url, 'GET', '/api/user', {
        apiKey: signedIn.body.result?.api_key,
        headers: from(address),
      });
      return [signedIn.status, me.status];
    });
    assert.deepEqual(new Set(statuses.flat()), new Set([200]));
    // Failures still count there, as anywhere: the limit (5) was not used up by the successes.
    for (let i = 0; i < 5; i++) {
      assert.equal((await loginAt(service.url, `nobody_${i}`, 'x', address)).status, 401);
    }
    assertThrottled(await loginAt(service.url, 'nobody_5', 'x', address), 120, 'sixth failure from the address');
  });

  it('refuses logins from an address after 5 failures across many accounts, and only from that address', async () => {
    const victims = await Promise.all([1, 2, 3].map(() => signUp(service.url, 'spray')));
    const address = '203.0.113.99';
    for (let i = 0; i < 5; i++) {
      // Five different accounts (three real, two unknown): under the per-account limit each.
      const username = victims[i]?.username ?? uniqueUsername('ghost');
      assert.equal((await loginAt(service.url, username, 'Winter2026!', address)).status, 401, `guess ${i + 1}`);
    }
    assertThrottled(await loginAt(service.url, uniqueUsername('ghost'), 'Winter2026!', address), 120, 'sixth guess');
    assertThrottled(
      await loginAt(service.url, victims[0].username, victims[0].password, address),
      120,
      'even a right one',
    );
    // Another address is not held back, and the victims' own logins work.
    for (const victim of victims) {
      assert.equal((await loginAt(service.url, victim.username, victim.password, '198.51.100.9')).status, 200);
    }
  });

  it('malformed logins (400, 415) are not failed attempts and never count', async () => {
    const address = '203.0.113.150';
    for (let i = 0; i < 12; i++) {
      const res = await call(service.url, 'POST', '/api/user/login', {
        body: i % 2 ? { username: 12345, password: true } : [{ username: 'admin' }],
        headers: from(address),
      });
      assert.equal(res.status, 400);
    }
    const account = await signUp(service.url, 'clean');
    assert.equal((await loginAt(service.url, account.username, account.password, address)).status, 200);
  });

  it('slows API-key guessing to a 429 after 5 unknown keys from one address; valid keys still work there', async () => {
    const account = await signUp(service.url, 'keyholder');
    const address = '203.0.113.200';
    const guess = () =>
      call(service.url, 'GET', '/api/user', { apiKey: randomBytes(32).toString('base64url'), headers: from(address) });
    for (let i = 0; i < 5; i++) assert.equal((await guess()).status, 401, `guess ${i + 1}`);
    const started = Date.now();
    const refused = await Promise.all(Array.from({ length: 50 }, guess));
    for (const res of refused) assertThrottled(res, 60, 'guess after the limit');
    assert.ok(Date.now() - started < 2000, 'refusals are immediate');
    // Logout with a guessed key is throttled the same way.
    assertThrottled(
      await call(service.url, 'POST', '/api/user/logout', {
        apiKey: 'guessed-key-000000000000',
        headers: from(address),
      }),
      60,
      'logout with a guess',
    );
    // A real key from the same address (an order-service checking its callers' keys) still passes.
    assert.equal(
      (await call(service.url, 'GET', '/api/user', { apiKey: account.apiKey, headers: from(address) })).status,
      200,
    );
    // No key at all is a plain 401, never counted; other addresses are unaffected.
    for (let i = 0; i < 8; i++) {
      assert.equal((await call(service.url, 'GET', '/api/user', { headers: from('203.0.113.201') })).status, 401);
    }
    assert.equal(
      (await call(service.url, 'GET', '/api/user', { apiKey: 'not-a-real-key', headers: from('203.0.113.201') }))
        .status,
      401,
    );
  });
});

describe('a flood of bad logins', () => {
  let service: ServiceProcess;
  before(async () => {
    // Default limits and hashing line (2 at once, 16 waiting, 1 s at most).
    service = await startService('user', { ...NO_TELEMETRY, DATABASE_URL: await db.createDatabase('throttle_flood') });
  });
  after(async () => {
    await service?.stop();
  });

  it('sheds the excess with 503 + Retry-After; an innocent login is answered within about 1.5 s', async () => {
    const innocent = await signUp(service.url, 'innocent');
    // 300 bad logins at once, each from its own address for its own (unknown) account, so
    // no throttle holds them back: only the hashing line's bound does. Unbounded, they made
    // a line of 300 hashes (~6 s on two slots) in front of the innocent login.
    const flood = Promise.all(
      Array.from({ length: 300 }, (_, i) =>
        loginAt(service.url, uniqueUsername('flood'), 'guess', `198.18.${(i >> 8) & 255}.${i & 255}`),
      ),
    );
    await new Promise((resolve) => setTimeout(resolve, 150));
    const timed = async (request: Promise<JsonResponse>) => {
      const started = Date.now();
      const res = await request;
      return { res, ms: Date.now() - started };
    };
    // /healthz at the same moment: what any request waits on this machine under the flood
    // (a busy CI machine is slow for everyone); the login may take about 1.5 s more: the
    // line's time bound (1 s) plus its own hash.
    const [login, health] = await Promise.all([
      timed(loginAt(service.url, innocent.username, innocent.password, '198.51.100.200')),
      timed(call(service.url, 'GET', '/healthz')),
    ]);
    assert.ok([200, 503].includes(login.res.status), `innocent login answered ${login.res.status}`);
    assert.ok(
      login.ms < health.ms + 1500,
      `the innocent login waited ${login.ms} ms (a health check ${health.ms} ms at the same time)`,
    );
    if (login.res.status === 503) assert.equal(login.res.headers.get('retry-after'), '1');

    const answers = await flood;
    const statuses = new Set(answers.map((a) => a.status));
    assert.ok(
      [...statuses].every((s) => s === 401 || s === 503),
      `flood statuses ${[...statuses]}`,
    );
    const shed = answers.filter((a) => a.status === 503);
    assert.ok(shed.length > 0, 'part of the flood was shed');
    for (const a of shed.slice(0, 5)) {
      assert.equal(a.headers.get('retry-after'), '1');
      assert.equal(a.body.details?.retry_after_seconds, 1);
    }
    // Once the flood is over, the innocent shopper gets in, and unknown users still get
    // their 401 (the decoy hash was not left broken by a shed).
    assert.equal((await loginAt(service.url, innocent.username, innocent.password, '198.51.100.200')).status, 200);
    assert.equal((await loginAt(service.url, uniqueUsername('after'), 'guess', '198.51.100.201')).status, 401);
  });
});

describe('the bounded hashing line (services/common/src/crypto.ts)', () => {
  type Crypto = typeof import('../../services/common/dist/crypto.js');
  const crypto = createRequire(import.meta.url)(path.join(REPO_ROOT, 'services/common/dist/crypto.js')) as Crypto;

  it('runs 2 at once, lets 3 wait and refuses the rest at once', async () => {
    crypto.configurePasswordHashing({ maxQueued: 3, maxWaitMs: 10_000 });
    const stored = await crypto.hashPassword('secret');
    const started = Date.now();
    const outcomes = Array.from({ length: 10 }, () =>
      crypto.verifyPassword('secret', stored).then(
        (ok) => ({ ok, ms: Date.now() - started }),
        (err: unknown) => ({ err, ms: Date.now() - started }),
      ),
    );
    assert.deepEqual(crypto.passwordHashingLoad(), { running: 2, queued: 3 });
    const results = await Promise.all(outcomes);
    const refused = results.filter((r) => 'err' in r);
    assert.equal(refused.length, 5);
    for (const r of refused) {
      assert.ok(r.err instanceof crypto.PasswordHashingBusyError);
      assert.equal(r.err.status, 503);
      assert.equal(r.err.retryAfterSeconds, 1);
      assert.ok(r.ms < 50, `refused after ${r.ms} ms`);
    }
    assert.ok(results.filter((r) => 'ok' in r).every((r) => r.ok === true));
    assert.deepEqual(crypto.passwordHashingLoad(), { running: 0, queued: 0 });
  });

  it('refuses a hash that waited longer than maxWaitMs, and frees its place', async () => {
    crypto.configurePasswordHashing({ maxQueued: 1000, maxWaitMs: 30 });
    const results = await Promise.allSettled(Array.from({ length: 40 }, () => crypto.hashPassword('x')));
    const refused = results.filter((r) => r.status === 'rejected');
    assert.ok(refused.length > 0 && refused.length < 40, `${refused.length} of 40 refused`);
    assert.deepEqual(crypto.passwordHashingLoad(), { running: 0, queued: 0 });
    crypto.configurePasswordHashing(crypto.DEFAULT_PASSWORD_HASHING_LIMITS);
    assert.ok(await crypto.verifyPassword('x', await crypto.hashPassword('x')));
  });

  it('does not refuse a waiter whose slot came free while the event loop was stalled', async () => {
    crypto.configurePasswordHashing({ maxQueued: 16, maxWaitMs: 30 });
    const stored = await crypto.hashPassword('secret');
    const checks = Array.from({ length: 3 }, () => crypto.verifyPassword('secret', stored));
    assert.deepEqual(crypto.passwordHashingLoad(), { running: 2, queued: 1 });
    // Block the loop from its check phase, longer than the wait bound and than two hashes
    // on the thread pool: the next turn meets the expired wait timer before the finished
    // hashes' callbacks, which hand the waiter a slot.
    await new Promise<void>((resolve) =>
      setImmediate(() => {
        const until = Date.now() + 400;
        while (Date.now() < until);
        resolve();
      }),
    );
    const results = await Promise.allSettled(checks);
    crypto.configurePasswordHashing(crypto.DEFAULT_PASSWORD_HASHING_LIMITS);
    assert.deepEqual(
      results.map((r) => (r.status === 'fulfilled' ? r.value : String(r.reason))),
      [true, true, true],
    );
    assert.deepEqual(crypto.passwordHashingLoad(), { running: 0, queued: 0 });
  });
});

describe('the web shop’s sign-in form', () => {
  let shop: Shop;
  before(async () => {
    shop = await startShop({
      db,
      env: {
        WEB_LOGIN_MAX_FAILURES_PER_ADDRESS: '3',
        LOGIN_MAX_FAILURES_PER_ACCOUNT: '4',
        LOGIN_THROTTLE_WINDOW_SECONDS: '300',
      },
    });
  });
  after(async () => {
    await shop?.stop();
  });

  /** Posts the sign-in form as a browser at `address`. */
  async function webLogin(client: WebClient, username: string, password: string, address: string): Promise<WebPage> {
    const form = await client.get('/login', from(address));
    const headers: Record<string, string> = {
      accept: 'text/html',
      'content-type': 'application/x-www-form-urlencoded',
      cookie: [...client.cookies].map(([name, c]) => `${name}=${c.value}`).join('; '),
      ...from(address),
    };
    const body = new URLSearchParams({ _csrf: csrfToken(form.html), username, password }).toString();
    const res = await fetch(`${client.baseUrl}/login`, { method: 'POST', headers, body, redirect: 'manual' });
    return {
      status: res.status,
      headers: res.headers,
      html: await res.text(),
      location: res.headers.get('location') ?? undefined,
    };
  }

  function assertThrottledPage(page: WebPage, windowSeconds: number, text: RegExp): void {
    assert.equal(page.status, 429, pageText(page.html));
    const retryAfter = Number(page.headers.get('retry-after'));
    assert.ok(retryAfter >= 1 && retryAfter <= windowSeconds, `Retry-After ${page.headers.get('retry-after')}`);
    assert.match(pageText(page.html), text);
    assert.match(page.html, /<form class="form" method="post" action="\/login"/, 'the form is still there');
  }

  it('holds a browser address back after 3 failures, with a friendly 429 page, and lets other shoppers in', async () => {
    const shopper = await signedInShopper(shop.frontend.url, uniqueUsername('webok'));
    assert.ok(shopper.cookie('shopscope_session'));
    const attacker = new WebClient(shop.frontend.url);
    for (let i = 0; i < 3; i++) {
      const page = await webLogin(attacker, uniqueUsername('target'), 'guess', '203.0.113.66');
      assert.equal(page.status, 401, `failure ${i + 1}`);
    }
    const page = await webLogin(attacker, uniqueUsername('target'), 'guess', '203.0.113.66');
    assertThrottledPage(page, 300, /Too many failed sign-in attempts\. For your security, please wait 5 minutes/);

    // Every shopper reaches user-service from the shop's one address: they are not locked out.
    const username = uniqueUsername('webuser');
    await signedInShopper(shop.frontend.url, username);
    const other = new WebClient(shop.frontend.url);
    assert.equal((await webLogin(other, username, SHOPPER_PASSWORD, '198.51.100.30')).status, 303);
  });

  it('shows user-service’s per-account lock as the same friendly page, in the shopper’s language', async () => {
    const username = uniqueUsername('weblock');
    await signedInShopper(shop.frontend.url, username);
    // Four wrong passwords from four browsers (under the shop's per-address limit each).
    for (let i = 0; i < 4; i++) {
      const page = await webLogin(new WebClient(shop.frontend.url), username, 'wrong', `192.0.2.${i + 10}`);
      assert.equal(page.status, 401);
    }
    const owner = new WebClient(shop.frontend.url);
    await owner.get('/lang/fr?next=%2Flogin');
    const page = await webLogin(owner, username, SHOPPER_PASSWORD, '192.0.2.99');
    assertThrottledPage(page, 300, /Trop de tentatives de connexion échouées/);
  });
});
