/**
 * product-service's internal stock endpoints (reserve, confirm, release) through a real
 * user-, product- and order-service: only the service credential (INTERNAL_TOKEN) opens
 * them, never a user's API key; cross-site form posts are refused; a hold that is never
 * confirmed expires after RESERVATION_TTL_SECONDS (2 s here) and its stock is back on sale,
 * while the stock of a placed order (confirmed by order-service) stays sold.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { loginAdmin, signUp } from '../../tools/stack/accounts.ts';
import { call, type JsonResponse } from './harness/http.ts';
import { databaseOf, Shopper } from './harness/orders.ts';
import { OtlpReceiver } from './harness/otlp-receiver.ts';
import { waitFor } from './harness/ports.ts';
import { INTERNAL_TOKEN, startService } from './harness/services.ts';
import { type Backend, startBackend } from './harness/shop.ts';

const TTL_SECONDS = 2;
const EVIL_ORIGIN = 'https://evil.example';

let shop: Backend;
const receiver = new OtlpReceiver();
let adminKey: string;
let productDb: string;
let counter = 0;

before(async () => {
  await receiver.start();
  shop = await startBackend({ otlpEndpoint: receiver.endpoint, env: { RESERVATION_TTL_SECONDS: String(TTL_SECONDS) } });
  adminKey = await loginAdmin(shop.user.url);
  productDb = databaseOf(shop.product);
});

after(async () => {
  await shop?.stop();
  await receiver.stop();
});

const newRef = () => `internal-test-${process.pid}-${++counter}`;

/** A product of its own for a test, so stock assertions never depend on other tests. */
async function newProduct(stock: number): Promise<number> {
  const res = await call(shop.product.url, 'POST', '/api/product/create', {
    apiKey: adminKey,
    body: { name: `Internal test product ${process.pid}-${++counter}`, price_cents: 990, stock },
  });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body.result.id;
}

async function stockOf(productId: number): Promise<number> {
  const [row] = await shop.db.query(`SELECT stock FROM \`${productDb}\`.products WHERE id = ?`, [productId]);
  return row.stock;
}

async function reservationRow(orderRef: string): Promise<{ status: string; expires_at: Date | null } | undefined> {
  const [row] = await shop.db.query(
    `SELECT status, expires_at FROM \`${productDb}\`.reservations WHERE order_ref = ?`,
    [orderRef],
  );
  return row ? { status: row.status, expires_at: row.expires_at } : undefined;
}

type Action = 'reserve' | 'confirm' | 'release';

/** A JSON call to an internal endpoint, with the headers given (no credential unless given). */
function post(action: Action, body: unknown, headers: Record<string, string> = {}): Promise<JsonResponse> {
  return call(shop.product.url, 'POST', `/api/products/${action}`, { body, headers });
}

/** As order-service calls them: with the service credential. */
function asService(action: Action, body: unknown): Promise<JsonResponse> {
  return post(action, body, { authorization: `Bearer ${INTERNAL_TOKEN}` });
}

/** A body that is not JSON (what an HTML form or a no-cors fetch from any web page sends). */
function postRaw(action: Action, rawBody: string, contentType: string, headers: Record<string, string> = {}) {
  return call(shop.product.url, 'POST', `/api/products/${action}`, {
    rawBody,
    headers: { ...headers, 'content-type': contentType },
  });
}

function assertUnauthorized(res: JsonResponse, what: string): void {
  assert.equal(res.status, 401, `${what}: ${JSON.stringify(res.body)}`);
  assert.match(res.body.message, /service credential/, what);
  assert.deepEqual(Object.keys(res.body), ['message'], `${what}: the usual {message} error body`);
  assert.match(res.headers.get('www-authenticate') ?? '', /^Bearer /, what);
}

describe('only the service credential opens the internal endpoints', () => {
  test('anonymous, wrong or user credentials: 401, and no stock is taken', async () => {
    const product = await newProduct(5);
    const customer = await signUp(shop.user.url, 'intruder');
    const ref = newRef();
    const body = { order_ref: ref, items: [{ product_id: product, quantity: 5 }] };
    const attempts: Array<[string, Record<string, string>]> = [
      ['no credential', {}],
      ["a customer's API key", { authorization: `Bearer ${customer.apiKey}` }],
      ["the administrator's API key", { authorization: `Bearer ${adminKey}` }],
      ['a wrong token', { authorization: `Bearer ${INTERNAL_TOKEN}x` }],
      ['a prefix of the token', { authorization: `Bearer ${INTERNAL_TOKEN.slice(0, -1)}` }],
      ['the token under another scheme', { authorization: `Basic ${INTERNAL_TOKEN}` }],
      ['the token in another header', { 'x-internal-token': INTERNAL_TOKEN }],
      ['an empty bearer', { authorization: 'Bearer ' }],
    ];
    for (const [what, headers] of attempts) {
      for (const action of ['reserve', 'confirm', 'release'] as const) {
        assertUnauthorized(
          await post(action, action === 'reserve' ? body : { order_ref: ref }, headers),
          `${action}, ${what}`,
        );
      }
    }
    assert.equal(await stockOf(product), 5, 'nothing reserved');
    assert.equal(await reservationRow(ref), undefined);
  });

  test("a placed order's stock cannot be released without the credential (it would sell twice)", async () => {
    const product = await newProduct(3);
    const customer = await signUp(shop.user.url, 'buyer');
    const shopper = new Shopper(shop.order.url, customer.apiKey);
    assert.equal((await shopper.add(product, 2)).status, 200);
    const placed = await shopper.checkout();
    assert.equal(placed.status, 201, JSON.stringify(placed.body));
    const ref = `order-${placed.body.result.id}`;
    assert.equal(await stockOf(product), 1);
    assert.equal((await reservationRow(ref))?.status, 'confirmed', 'order-service confirmed its hold');

    assertUnauthorized(await post('release', { order_ref: ref }), 'anonymous release');
    assertUnauthorized(
      await post('release', { order_ref: ref }, { authorization: `Bearer ${customer.apiKey}` }),
      "release with the buyer's own API key",
    );
    assertUnauthorized(
      await post('release', { order_ref: ref }, { authorization: `Bearer ${adminKey}` }),
      "release with the administrator's API key",
    );
    // The same through order-service is impossible too: it has no release route for users.
    assert.equal(await stockOf(product), 1, "the order's units stay sold");
    assert.equal((await reservationRow(ref))?.status, 'confirmed');
  });

  test('with the credential: reserve, confirm and release work', async () => {
    const product = await newProduct(4);
    const ref = newRef();
    const reserved = await asService('reserve', { order_ref: ref, items: [{ product_id: product, quantity: 3 }] });
    assert.equal(reserved.status, 200, JSON.stringify(reserved.body));
    assert.equal(reserved.body.result.status, 'reserved');
    assert.equal(await stockOf(product), 1);
    const confirmed = await asService('confirm', { order_ref: ref });
    assert.equal(confirmed.status, 200, JSON.stringify(confirmed.body));
    assert.equal(confirmed.body.result.status, 'confirmed');
    const released = await asService('release', { order_ref: ref });
    assert.equal(released.status, 200);
    assert.equal(released.body.result.status, 'released');
    assert.equal(await stockOf(product), 4);
    // application/json with a charset is still JSON.
    const withCharset = await call(shop.product.url, 'POST', '/api/products/release', {
      rawBody: JSON.stringify({ order_ref: ref }),
      headers: { authorization: `Bearer ${INTERNAL_TOKEN}`, 'content-type': 'application/json; charset=utf-8' },
    });
    assert.equal(withCharset.status, 200);
  });
});

describe('cross-site posts are refused', () => {
  test('form-encoded and text/plain bodies from any origin: 4xx, nothing changes', async () => {
    const product = await newProduct(6);
    // A "placed order" to attack: reserved and confirmed with the credential.
    const victim = newRef();
    assert.equal(
      (await asService('reserve', { order_ref: victim, items: [{ product_id: product, quantity: 2 }] })).status,
      200,
    );
    assert.equal((await asService('confirm', { order_ref: victim })).status, 200);
    assert.equal(await stockOf(product), 4);

    const grab = newRef();
    const forms: Array<[Action, string]> = [
      ['release', `order_ref=${victim}`],
      ['reserve', `order_ref=${grab}&items[0][product_id]=${product}&items[0][quantity]=4`],
      ['confirm', `order_ref=${victim}`],
    ];
    const types = ['application/x-www-form-urlencoded', 'text/plain', 'multipart/form-data; boundary=x'];
    for (const [action, form] of forms) {
      for (const type of types) {
        const plain = type === 'text/plain' ? JSON.stringify({ order_ref: victim }) : form;
        const anonymous = await postRaw(action, plain, type, { origin: EVIL_ORIGIN });
        assert.ok(anonymous.status >= 400 && anonymous.status < 500, `${action} ${type}: ${anonymous.status}`);
        assert.equal(anonymous.status, 401, `${action} ${type} without the credential`);
        // Even with the credential, only JSON is accepted.
        const credentialed = await postRaw(action, plain, type, {
          origin: EVIL_ORIGIN,
          authorization: `Bearer ${INTERNAL_TOKEN}`,
        });
        assert.equal(
          credentialed.status,
          415,
          `${action} ${type} with the credential: ${JSON.stringify(credentialed.body)}`,
        );
        assert.match(credentialed.body.message, /application\/json/);
      }
    }
    assert.equal(await stockOf(product), 4, 'nothing released, nothing reserved');
    assert.equal((await reservationRow(victim))?.status, 'confirmed');
    assert.equal(await reservationRow(grab), undefined);
  });
});

describe('hold expiry', () => {
  /** The latest cumulative value of shopscope.stock.reservations{outcome} from product-service. */
  const counted = (outcome: string) => {
    const exports = receiver.metrics.filter(
      (m) => m.service === 'product-service' && m.name === 'shopscope.stock.reservations',
    );
    return (exports.at(-1)?.points ?? [])
      .filter((p) => p.attributes.outcome === outcome)
      .reduce((sum, p) => sum + (p.value ?? 0), 0);
  };

  test("a hold never confirmed expires after the TTL and its stock is back; a placed order's does not", async () => {
    const product = await newProduct(5);
    // A placed order (order-service confirms its hold) of 1 unit…
    const customer = await signUp(shop.user.url, 'keeper');
    const shopper = new Shopper(shop.order.url, customer.apiKey);
    assert.equal((await shopper.add(product, 1)).status, 200);
    const placed = await shopper.checkout();
    assert.equal(placed.status, 201, JSON.stringify(placed.body));
    const placedRef = `order-${placed.body.result.id}`;
    // …and a hold of 3 nobody confirms (a checkout whose answer was lost, say).
    const abandoned = newRef();
    const taken = Date.now();
    const reserved = await asService('reserve', {
      order_ref: abandoned,
      items: [{ product_id: product, quantity: 3 }],
    });
    assert.equal(reserved.status, 200);
    assert.equal(await stockOf(product), 1);
    const row = await reservationRow(abandoned);
    assert.equal(row?.status, 'reserved');
    const expiresIn = new Date(row?.expires_at ?? 0).getTime() - taken;
    assert.ok(
      expiresIn > (TTL_SECONDS - 1) * 1000 && expiresIn <= (TTL_SECONDS + 1) * 1000,
      `expires in ${expiresIn} ms`,
    );

    await waitFor('the abandoned hold to expire', async () => ((await stockOf(product)) === 4 ? true : undefined), {
      timeoutMs: 15_000,
      intervalMs: 100,
    });
    assert.ok(Date.now() - taken >= TTL_SECONDS * 1000 - 50, 'not before its TTL');
    assert.equal((await reservationRow(abandoned))?.status, 'expired');
    assert.equal((await reservationRow(placedRef))?.status, 'confirmed', "the placed order's hold does not expire");
    assert.equal(await stockOf(product), 4, 'the 3 units are back on sale, the sold unit is not');

    // Releasing or confirming it later gives nothing back twice.
    const release = await asService('release', { order_ref: abandoned });
    assert.equal(release.status, 200);
    assert.equal(release.body.result.status, 'expired');
    const confirm = await asService('confirm', { order_ref: abandoned });
    assert.equal(confirm.status, 409);
    assert.equal(confirm.body.details.reason, 'reservation_not_held');
    assert.equal(await stockOf(product), 4);
    // An expired order_ref can be reserved again (a retried checkout), with a new expiry.
    const again = await asService('reserve', { order_ref: abandoned, items: [{ product_id: product, quantity: 1 }] });
    assert.equal(again.status, 200, JSON.stringify(again.body));
    assert.equal(again.body.result.status, 'reserved');
    assert.equal(await stockOf(product), 3);
    assert.equal((await asService('release', { order_ref: abandoned })).status, 200);
    // The stock really is on sale again: another checkout can buy all 4.
    const other = new Shopper(shop.order.url, (await signUp(shop.user.url, 'second')).apiKey);
    assert.equal((await other.add(product, 4)).status, 200);
    assert.equal((await other.checkout()).status, 201);
    assert.equal(await stockOf(product), 0);

    // Logged and counted.
    await waitFor('the expiry log line', async () =>
      shop.product.logs.some((l) => l.order_ref === abandoned && l.outcome === 'expired') ? true : undefined,
    );
    await receiver.waitUntil('the expiry counted', () => counted('expired') >= 1);
  });
});

describe('configuration', () => {
  test('a token shorter than 16 characters stops product-service at start-up, naming INTERNAL_TOKEN', async () => {
    const bad = await startService(
      'product',
      {
        OTEL_SDK_DISABLED: 'true',
        DATABASE_URL: shop.product.env.DATABASE_URL ?? '',
        USER_SERVICE_URL: shop.user.url,
        INTERNAL_TOKEN: 'short',
      },
      { waitReady: false },
    );
    await waitFor('product-service to exit', async () => (bad.exitCode !== null ? true : undefined), {
      timeoutMs: 20_000,
    });
    assert.equal(bad.exitCode, 78);
    assert.match(bad.lines.join('\n'), /INTERNAL_TOKEN: must be at least 16 characters/);
  });

  test('order-service with another credential than product-service: checkout is a 503 naming it, nothing sold', async () => {
    const product = await newProduct(2);
    const order = await startService('order', {
      OTEL_SDK_DISABLED: 'true',
      DATABASE_URL: shop.order.env.DATABASE_URL ?? '',
      USER_SERVICE_URL: shop.user.url,
      PRODUCT_SERVICE_URL: shop.product.url,
      INTERNAL_TOKEN: 'not-the-internal-token-0123456789',
    });
    try {
      const shopper = new Shopper(order.url, (await signUp(shop.user.url, 'mismatch')).apiKey);
      assert.equal((await shopper.add(product, 1)).status, 200, 'the public catalogue needs no credential');
      const res = await shopper.checkout();
      assert.equal(res.status, 503, JSON.stringify(res.body));
      assert.match(res.body.message, /INTERNAL_TOKEN/);
      assert.equal(await stockOf(product), 2);
      assert.equal((await shopper.cart()).body.result.status, 'open', 'the cart is reopened');
    } finally {
      await order.stop();
    }
  });
});
