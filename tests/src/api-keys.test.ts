/**
 * API key lifetime (user-service, API_KEY_TTL_SECONDS): a key works for a bounded time after
 * its login, then every service refuses it with a 401 and the web shop asks to sign in again.
 * The shop runs with a 3-second lifetime so the tests can watch keys expire.
 */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { csrfToken, pageText, SHOPPER_PASSWORD, signedInShopper } from '../../tools/stack/frontend-client.ts';
import { login, signUp } from '../../tools/stack/accounts.ts';
import { call } from './harness/http.ts';
import { catalogue, databaseOf, Shopper } from './harness/orders.ts';
import { startService } from './harness/services.ts';
import { type Shop, startShop } from './harness/shop.ts';

const TTL_SECONDS = 3;
/** order-service reuses a positive identification this long (UserDirectory, services/common/src/clients/user-directory.ts). */
const ORDER_IDENTITY_CACHE_MS = 5_000;

let shop: Shop;

before(async () => {
  shop = await startShop({ env: { API_KEY_TTL_SECONDS: String(TTL_SECONDS) } });
});

after(async () => {
  await shop?.stop();
});

/** The stored row of a key (looked up by its SHA-256, as user-service stores it). */
async function keyRow(apiKey: string) {
  const database = databaseOf(shop.user);
  const [row] = await shop.db.query<Array<{ created_at: Date; expires_at: Date; revoked_at: Date | null }>>(
    `SELECT created_at, expires_at, revoked_at FROM \`${database}\`.api_keys WHERE key_hash = SHA2(?, 256)`,
    [apiKey],
  );
  return row;
}

/** Polls `check` until it returns true (or fails the test after `timeoutMs`). */
async function eventually(what: string, check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`${what}: not within ${timeoutMs} ms`);
    await sleep(250);
  }
}

describe('API key lifetime', () => {
  it('a key works until its lifetime is over, then is a 401 saying it expired; a new login gives a fresh key', async () => {
    const account = await signUp(shop.user.url, 'ttl');
    const issuedBy = Date.now();
    const me = await call(shop.user.url, 'GET', '/api/user', { apiKey: account.apiKey });
    assert.equal(me.status, 200, JSON.stringify(me.body));

    const row = await keyRow(account.apiKey);
    assert.ok(row, 'the key is stored (as its SHA-256)');
    const lifetime = row.expires_at.getTime() - row.created_at.getTime();
    assert.ok(Math.abs(lifetime - TTL_SECONDS * 1000) < 100, `expires_at is login + TTL (${lifetime} ms)`);

    const [product] = await catalogue(shop.product.url);
    assert.ok(product);
    const shopper = new Shopper(shop.order.url, account.apiKey);
    assert.equal((await shopper.add(product.id, 1)).status, 200, 'order-service accepts the key while it is valid');

    await sleep(Math.max(0, issuedBy + TTL_SECONDS * 1000 + 200 - Date.now()));
    const expired = await call(shop.user.url, 'GET', '/api/user', { apiKey: account.apiKey });
    assert.equal(expired.status, 401);
    assert.match(expired.body.message, /expired/i);
    assert.match(expired.body.message, /log in/i);

    // Checkout always asks user-service: refused at once, nothing is placed.
    const checkout = await shopper.checkout();
    assert.equal(checkout.status, 401, JSON.stringify(checkout.body));
    // Elsewhere order-service may reuse its answer for a few seconds, never longer.
    await eventually(
      'order-service refuses the expired key',
      async () => (await shopper.cart()).status === 401,
      ORDER_IDENTITY_CACHE_MS + 5_000,
    );
    // Logging out with it is a 401 too (the frontend takes that as "already signed out").
    assert.equal((await call(shop.user.url, 'POST', '/api/user/logout', { apiKey: account.apiKey })).status, 401);

    const fresh = await login(shop.user.url, account.username, account.password);
    assert.notEqual(fresh, account.apiKey);
    assert.equal((await call(shop.user.url, 'GET', '/api/user', { apiKey: fresh })).status, 200);
    const cart = await new Shopper(shop.order.url, fresh).cart();
    assert.equal(cart.status, 200);
    assert.equal(cart.body.result.items.length, 1, 'the cart survived the expired session');
    assert.equal(
      (await call(shop.user.url, 'GET', '/api/user', { apiKey: account.apiKey })).status,
      401,
      'the old key stays refused',
    );
  });

  it('sends a shopper whose key expired to the login page with a message, and back after signing in', async () => {
    const username = `ttlweb_${Date.now().toString(36)}`;
    const client = await signedInShopper(shop.frontend.url, username);
    const before = await client.get('/orders');
    assert.equal(before.status, 200, 'signed in while the key is valid');

    let page = before;
    await eventually('the orders page asks to sign in again', async () => {
      page = await client.get('/orders');
      assert.ok(
        page.status === 200 || page.status === 303,
        `never an error page: ${page.status} ${pageText(page.html)}`,
      );
      return page.status === 303;
    });
    assert.equal(page.location, '/login?notice=sessionExpired&next=%2Forders');
    assert.equal(client.cookie('shopscope_session'), undefined, 'the session cookie is cleared');
    const loginPage = await client.follow(page);
    assert.equal(loginPage.status, 200);
    assert.match(pageText(loginPage.html), /Your session has expired/);

    const signedIn = await client.post('/login', {
      _csrf: csrfToken(loginPage.html),
      username,
      password: SHOPPER_PASSWORD,
      next: '/orders',
    });
    assert.equal(signedIn.status, 303, pageText(signedIn.html));
    assert.equal(signedIn.location, '/orders');
    assert.equal((await client.get('/orders')).status, 200);
  });

  it('deletes keys a day after they expired, and keeps the recently expired ones', async () => {
    const database = databaseOf(shop.user);
    const old = await signUp(shop.user.url, 'ttlold');
    const recent = await signUp(shop.user.url, 'ttlrecent');
    const setExpiry = (apiKey: string, interval: string) =>
      shop.db.query(
        `UPDATE \`${database}\`.api_keys SET expires_at = UTC_TIMESTAMP(3) - INTERVAL ${interval} WHERE key_hash = SHA2(?, 256)`,
        [apiKey],
      );
    await setExpiry(old.apiKey, '25 HOUR');
    await setExpiry(recent.apiKey, '1 HOUR');

    // The purge runs when user-service starts, then every hour.
    await shop.user.stop();
    await shop.user.start();
    await eventually('the long-expired key is deleted', async () => (await keyRow(old.apiKey)) === undefined);
    assert.ok(await keyRow(recent.apiKey), 'a key expired an hour ago is kept (its holder still hears "expired")');
    const refused = await call(shop.user.url, 'GET', '/api/user', { apiKey: recent.apiKey });
    assert.equal(refused.status, 401);
    assert.match(refused.body.message, /expired/i);
    assert.equal((await call(shop.user.url, 'GET', '/api/user', { apiKey: old.apiKey })).status, 401);
  });

  it('a bad API_KEY_TTL_SECONDS stops user-service at start-up, naming the variable', async () => {
    for (const value of ['0', '-5', '1.5', 'forever', String(31 * 24 * 3600)]) {
      const user = await startService(
        'user',
        { OTEL_SDK_DISABLED: 'true', DATABASE_URL: shop.user.env.DATABASE_URL ?? '', API_KEY_TTL_SECONDS: value },
        { waitReady: false },
      );
      try {
        await eventually(`user-service exits for ${value}`, async () => user.exitCode !== null, 30_000);
        assert.equal(user.exitCode, 78, value);
        assert.match(user.lines.join('\n'), /API_KEY_TTL_SECONDS/, value);
      } finally {
        await user.stop();
      }
    }
  });
});
