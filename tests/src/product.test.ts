/**
 * product-service against a real MariaDB (and a real user-service for admin checks), run
 * as real processes: the catalogue, search and paging, admin product creation, stock
 * reservations (all-or-nothing, idempotent, no overselling under concurrency), bad input
 * with proof that nothing changed, the fault API, a database outage and a graceful stop.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { loginAdmin, signUp, type TestAccount } from '../../tools/stack/accounts.ts';
import { call } from './harness/http.ts';
import { MariaDb } from './harness/mariadb.ts';
import { OtlpReceiver, SPAN_KIND } from './harness/otlp-receiver.ts';
import { freePort } from './harness/ports.ts';
import {
  checkDatabaseOutage,
  checkFaultApi,
  checkGarbageNeverFails,
  checkGracefulStop,
  startTwoAtOnce,
} from './harness/service-checks.ts';
import { INTERNAL_TOKEN, type ServiceProcess, startService } from './harness/services.ts';
import { telemetryEnv } from './harness/shop.ts';

const NO_TELEMETRY = { OTEL_SDK_DISABLED: 'true' };
const PRODUCT_FIELDS = ['currency', 'description', 'id', 'image', 'name', 'price_cents', 'slug', 'stock'];
const CATALOGUE = [
  'Laptop Pro',
  'Smartphone X',
  'Wireless Headphones',
  'Tablet Pro',
  'Smartwatch',
  'Camera',
  'Bluetooth Speaker',
  'Mechanical Keyboard',
  'Gaming Mouse',
  'Webcam HD',
];

let db: MariaDb;
let users: ServiceProcess;
let products: ServiceProcess;
let database: string;
let adminKey: string;
let customer: TestAccount;
let refCounter = 0;

/** A fresh order reference per call, so tests never share reservations. */
const newRef = () => `order-test-${process.pid}-${++refCounter}`;

before(async () => {
  db = await MariaDb.start();
  database = 'product_api';
  const [userDbUrl, productDbUrl] = await Promise.all([
    db.createDatabase('user_for_products'),
    db.createDatabase(database),
  ]);
  const userPort = await freePort();
  [users, products] = await Promise.all([
    startService('user', { ...NO_TELEMETRY, DATABASE_URL: userDbUrl }, { port: userPort }),
    startService('product', {
      ...NO_TELEMETRY,
      DATABASE_URL: productDbUrl,
      USER_SERVICE_URL: `http://127.0.0.1:${userPort}`,
    }),
  ]);
  adminKey = await loginAdmin(users.url);
  customer = await signUp(users.url, 'shopper');
});

after(async () => {
  await Promise.all([users?.stop(), products?.stop()]);
  await db?.destroy();
});

async function stockOf(productId: number): Promise<number> {
  const [row] = await db.query(`SELECT stock FROM \`${database}\`.products WHERE id = ?`, [productId]);
  return row.stock;
}

async function countRows(table: string): Promise<number> {
  const [row] = await db.query(`SELECT COUNT(*) AS n FROM \`${database}\`.\`${table}\``);
  return row.n;
}

/** A product of its own for a test (so stock assertions never depend on other tests). */
async function newProduct(stock: number, name = `Test product ${++refCounter}`): Promise<{ id: number; name: string }> {
  const res = await call(products.url, 'POST', '/api/product/create', {
    apiKey: adminKey,
    body: { name, description: 'made by a test', price_cents: 1250, stock },
  });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body.result;
}

/** The stock endpoints are internal: every call presents the service credential, as order-service does. */
const AS_SERVICE = { apiKey: INTERNAL_TOKEN };

function reserve(orderRef: string, items: Array<{ product_id: unknown; quantity: unknown }>) {
  return call(products.url, 'POST', '/api/products/reserve', { ...AS_SERVICE, body: { order_ref: orderRef, items } });
}

function confirm(orderRef: string) {
  return call(products.url, 'POST', '/api/products/confirm', { ...AS_SERVICE, body: { order_ref: orderRef } });
}

function release(orderRef: string) {
  return call(products.url, 'POST', '/api/products/release', { ...AS_SERVICE, body: { order_ref: orderRef } });
}

describe('catalogue', () => {
  test('health and readiness', async () => {
    assert.equal((await call(products.url, 'GET', '/healthz')).status, 200);
    assert.equal((await call(products.url, 'GET', '/readyz')).status, 200);
  });

  test("the seed holds the Flask report's ten products, ids 1–10", async () => {
    const res = await call(products.url, 'GET', '/api/products?ids=1,2,3,4,5,6,7,8,9,10');
    assert.equal(res.status, 200);
    assert.deepEqual(
      res.body.results.map((p: { name: string }) => p.name),
      CATALOGUE,
    );
    for (const [i, product] of res.body.results.entries()) {
      assert.deepEqual(Object.keys(product).sort(), PRODUCT_FIELDS);
      assert.equal(product.id, i + 1);
      assert.match(product.slug, /^[a-z0-9]+(-[a-z0-9]+)*$/);
      assert.equal(product.image, `/static/images/products/${product.slug}.svg`);
      assert.equal(product.currency, 'EUR');
      assert.equal(product.stock, 10_000);
      assert.ok(product.price_cents >= 4_999 && product.price_cents <= 129_999);
      assert.ok(product.description.length > 10);
    }
    assert.equal(res.body.results[0].price_cents, 129_999, 'Laptop Pro');
    assert.equal(res.body.results[0].slug, 'laptop-pro');
    assert.equal(res.body.results[9].price_cents, 4_999, 'Webcam HD');
  });

  test('list: paging with limit and offset, and a total', async () => {
    const all = await call(products.url, 'GET', '/api/products');
    assert.equal(all.status, 200);
    assert.equal(all.body.total, await countRows('products'));
    const page = await call(products.url, 'GET', '/api/products?limit=3&offset=2');
    assert.deepEqual(
      page.body.results.map((p: { id: number }) => p.id),
      [3, 4, 5],
    );
    assert.equal(page.body.total, all.body.total);
    // The last, partial page and a page past the end still give the whole total.
    const last = await call(products.url, 'GET', `/api/products?limit=4&offset=${all.body.total - 2}`);
    assert.equal(last.body.results.length, 2);
    assert.equal(last.body.total, all.body.total);
    const beyond = await call(products.url, 'GET', '/api/products?offset=100000');
    assert.deepEqual(beyond.body.results, []);
    assert.equal(beyond.body.total, all.body.total);
  });

  test('list: ?q= searches names and descriptions, case-insensitively, wildcards literal', async () => {
    const names = async (q: string) =>
      (await call(products.url, 'GET', `/api/products?q=${encodeURIComponent(q)}`)).body.results.map(
        (p: { name: string }) => p.name,
      );
    assert.deepEqual(await names('laptop'), ['Laptop Pro']);
    assert.deepEqual(await names('KEYBOARD'), ['Mechanical Keyboard']);
    assert.deepEqual(await names('noise cancelling'), ['Wireless Headphones']);
    assert.deepEqual(await names('%'), []);
    assert.deepEqual(await names('_'), []);
    assert.equal(
      (await names('')).length,
      Math.min(50, await countRows('products')),
      'an empty search lists everything',
    );
  });

  test('list: ?ids= fetches several products; unknown ids are simply absent', async () => {
    const res = await call(products.url, 'GET', '/api/products?ids=3,1,999999,3');
    assert.deepEqual(
      res.body.results.map((p: { id: number }) => p.id),
      [1, 3],
    );
    assert.equal(res.body.total, 2);
  });

  test('list: bad query parameters are a 400 naming the parameter', async () => {
    const cases: Array<[string, string]> = [
      ['limit=0', 'limit'],
      ['limit=101', 'limit'],
      ['limit=abc', 'limit'],
      ['limit=1.5', 'limit'],
      ['offset=-1', 'offset'],
      ['ids=1,,2', 'ids'],
      ['ids=abc', 'ids'],
      [`ids=${Array.from({ length: 101 }, (_, i) => i + 1).join(',')}`, 'ids'],
      ['q=a&q=b', 'q'],
      [`q=${'x'.repeat(101)}`, 'q'],
    ];
    for (const [query, field] of cases) {
      const res = await call(products.url, 'GET', `/api/products?${query}`);
      assert.equal(res.status, 400, query);
      assert.deepEqual(Object.keys(res.body.details.fields), [field], query);
    }
  });

  test('one product by id or slug; 404 for anything unknown', async () => {
    const byId = await call(products.url, 'GET', '/api/product/1');
    assert.equal(byId.status, 200);
    assert.equal(byId.body.result.name, 'Laptop Pro');
    const bySlug = await call(products.url, 'GET', '/api/product/laptop-pro');
    assert.deepEqual(bySlug.body, byId.body);
    for (const unknown of ['999999', '0', '-1', '1.5', 'no-such-product', 'Laptop-Pro', '99999999999', '%20']) {
      const res = await call(products.url, 'GET', `/api/product/${unknown}`);
      assert.equal(res.status, 404, unknown);
      assert.equal(typeof res.body.message, 'string');
    }
  });
});

describe('creating products (admin)', () => {
  test('201 with a slug and image derived from the name', async () => {
    const res = await call(products.url, 'POST', '/api/product/create', {
      apiKey: adminKey,
      body: { name: 'Caméra Ultra 4K', description: 'A test camera', price_cents: 99_900, stock: 7 },
    });
    assert.equal(res.status, 201);
    const product = res.body.result;
    assert.deepEqual(Object.keys(product).sort(), PRODUCT_FIELDS);
    assert.equal(product.slug, 'camera-ultra-4k');
    assert.equal(product.image, '/static/images/products/camera-ultra-4k.svg');
    assert.equal(product.currency, 'EUR');
    assert.equal(product.stock, 7);
    assert.deepEqual((await call(products.url, 'GET', '/api/product/camera-ultra-4k')).body.result, product);
  });

  test('a given slug and image are kept; form-encoded bodies work', async () => {
    const res = await call(products.url, 'POST', '/api/product/create', {
      apiKey: adminKey,
      rawBody: new URLSearchParams({
        name: 'Desk Lamp',
        slug: 'desk-lamp-2',
        price_cents: '2599',
        stock: '12',
        image: '/static/images/products/lamp.png',
      }).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.equal(res.body.result.slug, 'desk-lamp-2');
    assert.equal(res.body.result.image, '/static/images/products/lamp.png');
    assert.equal(res.body.result.price_cents, 2599);
    assert.equal(res.body.result.description, '');
  });

  test('409 for a taken slug, nothing written', async () => {
    const before = await countRows('products');
    const res = await call(products.url, 'POST', '/api/product/create', {
      apiKey: adminKey,
      body: { name: 'Another laptop', slug: 'laptop-pro', price_cents: 100, stock: 1 },
    });
    assert.equal(res.status, 409);
    assert.deepEqual(Object.keys(res.body.details.fields), ['slug']);
    const derived = await call(products.url, 'POST', '/api/product/create', {
      apiKey: adminKey,
      body: { name: 'Laptop  PRO!', price_cents: 100, stock: 1 },
    });
    assert.equal(derived.status, 409, 'the derived slug "laptop-pro" is taken too');
    assert.equal(await countRows('products'), before);
  });

  test('bad input is a 400 naming each field, nothing written', async () => {
    const before = await countRows('products');
    const valid = { name: 'Valid', price_cents: 100, stock: 1 };
    const cases: Array<[Record<string, unknown>, string[]]> = [
      [{}, ['name', 'price_cents', 'stock']],
      [{ ...valid, name: '   ' }, ['name']],
      [{ ...valid, price_cents: 0 }, ['price_cents']],
      [{ ...valid, price_cents: 12.5 }, ['price_cents']],
      [{ ...valid, price_cents: '12.50' }, ['price_cents']],
      [{ ...valid, price_cents: true }, ['price_cents']],
      [{ ...valid, stock: -1 }, ['stock']],
      [{ ...valid, stock: 1_000_001 }, ['stock']],
      [{ ...valid, slug: 'Bad Slug' }, ['slug']],
      [{ ...valid, slug: '123' }, ['slug']],
      [{ ...valid, image: 'https://example.com/x.png' }, ['image']],
      [{ ...valid, currency: 'USD' }, ['currency']],
      [{ ...valid, name: '!!!' }, ['slug']],
    ];
    for (const [body, fields] of cases) {
      const res = await call(products.url, 'POST', '/api/product/create', { apiKey: adminKey, body });
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.deepEqual(Object.keys(res.body.details.fields).sort(), fields, JSON.stringify(body));
    }
    const malformed = await call(products.url, 'POST', '/api/product/create', {
      apiKey: adminKey,
      rawBody: '{"name":',
    });
    assert.equal(malformed.status, 400);
    const huge = await call(products.url, 'POST', '/api/product/create', {
      apiKey: adminKey,
      body: { ...valid, description: 'x'.repeat(70_000) },
    });
    assert.equal(huge.status, 413);
    assert.equal(await countRows('products'), before);
  });

  test('401 without a valid key, 403 for a non-admin, nothing written', async () => {
    const before = await countRows('products');
    const body = { name: 'Sneaky', price_cents: 100, stock: 1 };
    assert.equal((await call(products.url, 'POST', '/api/product/create', { body })).status, 401);
    const unknownKey = await call(products.url, 'POST', '/api/product/create', { body, apiKey: 'k'.repeat(43) });
    assert.equal(unknownKey.status, 401);
    const nonAdmin = await call(products.url, 'POST', '/api/product/create', { body, apiKey: customer.apiKey });
    assert.equal(nonAdmin.status, 403);
    assert.equal(await countRows('products'), before);
  });

  test('503 naming user-service when it cannot be reached; the catalogue keeps working', async () => {
    const orphan = await startService('product', {
      ...NO_TELEMETRY,
      DATABASE_URL: products.env.DATABASE_URL,
      USER_SERVICE_URL: `http://127.0.0.1:${await freePort()}`,
    });
    try {
      const res = await call(orphan.url, 'POST', '/api/product/create', {
        apiKey: adminKey,
        body: { name: 'Orphan', price_cents: 100, stock: 1 },
      });
      assert.equal(res.status, 503);
      assert.match(res.body.message, /user-service/);
      assert.equal((await call(orphan.url, 'GET', '/readyz')).status, 200);
      assert.equal((await call(orphan.url, 'GET', '/api/product/1')).status, 200);
    } finally {
      await orphan.stop();
    }
  });
});

describe('stock reservations', () => {
  test('reserve: 200 with names, snapshot prices and total; stock taken; duplicate lines merged', async () => {
    const a = await newProduct(10);
    const b = await newProduct(10);
    const ref = newRef();
    const res = await reserve(ref, [
      { product_id: b.id, quantity: 1 },
      { product_id: a.id, quantity: 2 },
      { product_id: b.id, quantity: 2 },
    ]);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(res.body.result, {
      order_ref: ref,
      status: 'reserved',
      items: [
        { product_id: a.id, name: a.name, quantity: 2, unit_price_cents: 1250 },
        { product_id: b.id, name: b.name, quantity: 3, unit_price_cents: 1250 },
      ],
      total_cents: 5 * 1250,
      currency: 'EUR',
    });
    assert.equal(await stockOf(a.id), 8);
    assert.equal(await stockOf(b.id), 7);
    assert.equal((await call(products.url, 'GET', `/api/product/${a.id}`)).body.result.stock, 8);
  });

  test('reserve is idempotent per order_ref: a replay answers the same and takes nothing', async () => {
    const a = await newProduct(10);
    const ref = newRef();
    const first = await reserve(ref, [{ product_id: a.id, quantity: 4 }]);
    assert.equal(first.status, 200);
    const replay = await reserve(ref, [{ product_id: a.id, quantity: 4 }]);
    assert.equal(replay.status, 200);
    assert.deepEqual(replay.body, first.body);
    assert.equal(await stockOf(a.id), 6);

    const different = await reserve(ref, [{ product_id: a.id, quantity: 5 }]);
    assert.equal(different.status, 409, 'the same order_ref with other items');
    assert.equal(different.body.details.order_ref, ref);
    assert.equal(await stockOf(a.id), 6);
  });

  test('release puts the stock back exactly once; a released order_ref can be reserved again', async () => {
    const a = await newProduct(10);
    const ref = newRef();
    assert.equal((await reserve(ref, [{ product_id: a.id, quantity: 3 }])).status, 200);
    assert.equal(await stockOf(a.id), 7);

    const released = await release(ref);
    assert.equal(released.status, 200);
    assert.equal(released.body.result.status, 'released');
    assert.equal(await stockOf(a.id), 10);
    const again = await release(ref);
    assert.equal(again.status, 200);
    assert.equal(again.body.result.status, 'released');
    assert.equal(await stockOf(a.id), 10, 'a second release changes nothing');

    const rereserved = await reserve(ref, [{ product_id: a.id, quantity: 2 }]);
    assert.equal(rereserved.status, 200);
    assert.equal(rereserved.body.result.status, 'reserved');
    assert.deepEqual(
      rereserved.body.result.items.map((i: { quantity: number }) => i.quantity),
      [2],
    );
    assert.equal(await stockOf(a.id), 8);

    const unknown = await release(newRef());
    assert.equal(unknown.status, 404);
    assert.equal(await stockOf(a.id), 8);
  });

  test('confirm keeps the hold (idempotent); a confirmed hold is replayed and released like any other', async () => {
    const a = await newProduct(10);
    const ref = newRef();
    const reserved = await reserve(ref, [{ product_id: a.id, quantity: 3 }]);
    assert.equal(reserved.status, 200);
    const [row] = await db.query(`SELECT expires_at FROM \`${database}\`.reservations WHERE order_ref = ?`, [ref]);
    assert.ok(row.expires_at, 'an unconfirmed hold has an expiry');

    const confirmed = await confirm(ref);
    assert.equal(confirmed.status, 200, JSON.stringify(confirmed.body));
    assert.equal(confirmed.body.result.status, 'confirmed');
    assert.deepEqual(confirmed.body.result.items, reserved.body.result.items);
    assert.equal((await confirm(ref)).status, 200, 'a second confirm is a replay');
    const [after] = await db.query(`SELECT status, expires_at FROM \`${database}\`.reservations WHERE order_ref = ?`, [
      ref,
    ]);
    assert.deepEqual([after.status, after.expires_at], ['confirmed', null], 'a confirmed hold never expires');
    assert.equal(await stockOf(a.id), 7);

    const replay = await reserve(ref, [{ product_id: a.id, quantity: 3 }]);
    assert.equal(replay.status, 200);
    assert.equal(replay.body.result.status, 'confirmed');
    assert.equal((await reserve(ref, [{ product_id: a.id, quantity: 1 }])).status, 409, 'other items');
    assert.equal(await stockOf(a.id), 7);

    assert.equal((await release(ref)).status, 200);
    assert.equal(await stockOf(a.id), 10);
    const late = await confirm(ref);
    assert.equal(late.status, 409, 'a released hold cannot be confirmed');
    assert.equal(late.body.details.reason, 'reservation_not_held');
    assert.equal((await confirm(newRef())).status, 404);
    assert.equal(await stockOf(a.id), 10);
  });

  test('all-or-nothing: 409 naming the short product, nothing taken, and the failure is not remembered', async () => {
    const a = await newProduct(5);
    const b = await newProduct(2);
    const ref = newRef();
    const res = await reserve(ref, [
      { product_id: a.id, quantity: 3 },
      { product_id: b.id, quantity: 3 },
    ]);
    assert.equal(res.status, 409);
    assert.deepEqual(res.body.details, {
      product_id: b.id,
      name: b.name,
      requested: 3,
      available: 2,
      reason: 'out_of_stock',
    });
    assert.match(res.body.message, new RegExp(b.name));
    assert.equal(await stockOf(a.id), 5);
    assert.equal(await stockOf(b.id), 2);
    const rows = await db.query(`SELECT * FROM \`${database}\`.reservations WHERE order_ref = ?`, [ref]);
    assert.equal(rows.length, 0);

    const retry = await reserve(ref, [
      { product_id: a.id, quantity: 3 },
      { product_id: b.id, quantity: 2 },
    ]);
    assert.equal(retry.status, 200);
    assert.equal(await stockOf(b.id), 0);
  });

  test('404 naming an unknown product (even when another line is short), nothing taken', async () => {
    const a = await newProduct(5);
    const ref = newRef();
    const res = await reserve(ref, [
      { product_id: a.id, quantity: 6 },
      { product_id: 999_999, quantity: 1 },
    ]);
    assert.equal(res.status, 404);
    assert.equal(res.body.details.product_id, 999_999);
    assert.equal(await stockOf(a.id), 5);
    assert.equal((await db.query(`SELECT * FROM \`${database}\`.reservations WHERE order_ref = ?`, [ref])).length, 0);
  });

  test('bad input is a 400 naming the field, nothing taken', async () => {
    const a = await newProduct(5);
    const reservationsBefore = await countRows('reservations');
    const item = { product_id: a.id, quantity: 1 };
    const cases: Array<[unknown, string[]]> = [
      [{}, ['items', 'order_ref']],
      [{ order_ref: newRef(), items: [] }, ['items']],
      [{ order_ref: newRef(), items: 'all of them' }, ['items']],
      [{ order_ref: newRef(), items: [{ ...item, quantity: 0 }] }, ['items.0.quantity']],
      [{ order_ref: newRef(), items: [{ ...item, quantity: -1 }] }, ['items.0.quantity']],
      [{ order_ref: newRef(), items: [{ ...item, quantity: 1.5 }] }, ['items.0.quantity']],
      [{ order_ref: newRef(), items: [{ ...item, quantity: true }] }, ['items.0.quantity']],
      [{ order_ref: newRef(), items: [{ ...item, quantity: 1001 }] }, ['items.0.quantity']],
      [{ order_ref: newRef(), items: [item, { product_id: 'abc', quantity: 1 }] }, ['items.1.product_id']],
      [{ order_ref: newRef(), items: [{ product_id: 0, quantity: 1 }] }, ['items.0.product_id']],
      [{ order_ref: newRef(), items: Array.from({ length: 101 }, () => item) }, ['items']],
      [{ order_ref: 'bad ref!', items: [item] }, ['order_ref']],
      [{ order_ref: 'r'.repeat(65), items: [item] }, ['order_ref']],
      [{ order_ref: 42, items: [item] }, ['order_ref']],
    ];
    for (const [body, fields] of cases) {
      const res = await call(products.url, 'POST', '/api/products/reserve', { ...AS_SERVICE, body });
      assert.equal(res.status, 400, JSON.stringify(body).slice(0, 200));
      assert.deepEqual(Object.keys(res.body.details.fields).sort(), fields, JSON.stringify(body).slice(0, 200));
    }
    for (const rawBody of ['{"order_ref": "x", "items": [', '"just a string"', '']) {
      const res = await call(products.url, 'POST', '/api/products/reserve', { ...AS_SERVICE, rawBody });
      assert.equal(res.status, 400, rawBody);
    }
    const huge = await reserve(
      newRef(),
      Array.from({ length: 5000 }, () => item),
    );
    assert.equal(huge.status, 413);
    assert.equal((await release('bad ref!')).status, 400);
    assert.equal((await call(products.url, 'POST', '/api/products/release', { ...AS_SERVICE, body: {} })).status, 400);
    assert.equal((await confirm('bad ref!')).status, 400);
    assert.equal((await call(products.url, 'POST', '/api/products/confirm', { ...AS_SERVICE, body: {} })).status, 400);

    assert.equal(await stockOf(a.id), 5);
    assert.equal(await countRows('reservations'), reservationsBefore);
  });

  test('garbage bodies never cause a 5xx, nothing changes', async () => {
    const totalStock = async () =>
      Number((await db.query(`SELECT SUM(stock) AS n FROM \`${database}\`.products`))[0].n);
    const before = [await countRows('products'), await countRows('reservations'), await totalStock()];
    const internal: Array<[string, string]> = [
      ['POST', '/api/products/reserve'],
      ['POST', '/api/products/confirm'],
      ['POST', '/api/products/release'],
    ];
    await checkGarbageNeverFails(products, internal);
    await checkGarbageNeverFails(products, internal, { authorization: `Bearer ${INTERNAL_TOKEN}` });
    await checkGarbageNeverFails(products, [['POST', '/api/product/create']], { authorization: `Bearer ${adminKey}` });
    assert.deepEqual([await countRows('products'), await countRows('reservations'), await totalStock()], before);
  });

  test('concurrency: N parallel reservations of stock < N never oversell', async () => {
    const stock = 5;
    const attempts = 20;
    const a = await newProduct(stock);
    const results = await Promise.all(
      Array.from({ length: attempts }, () => reserve(newRef(), [{ product_id: a.id, quantity: 1 }])),
    );
    const statuses = results.map((r) => r.status);
    assert.equal(statuses.filter((s) => s === 200).length, stock, statuses.join(','));
    assert.equal(statuses.filter((s) => s === 409).length, attempts - stock, statuses.join(','));
    for (const refused of results.filter((r) => r.status === 409)) {
      assert.equal(refused.body.details.available, 0);
    }
    assert.equal(await stockOf(a.id), 0);
    const [held] = await db.query(
      `SELECT COALESCE(SUM(i.quantity), 0) AS n FROM \`${database}\`.reservation_items i
       JOIN \`${database}\`.reservations r ON r.order_ref = i.order_ref
       WHERE i.product_id = ? AND r.status = 'reserved'`,
      [a.id],
    );
    assert.equal(Number(held.n), stock, 'what is reserved is exactly what left the stock');
  });

  test('concurrency: reservations listing two products in opposite orders never deadlock', async () => {
    const a = await newProduct(100);
    const b = await newProduct(100);
    const results = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        reserve(
          newRef(),
          i % 2 === 0
            ? [
                { product_id: a.id, quantity: 1 },
                { product_id: b.id, quantity: 1 },
              ]
            : [
                { product_id: b.id, quantity: 1 },
                { product_id: a.id, quantity: 1 },
              ],
        ),
      ),
    );
    assert.deepEqual([...new Set(results.map((r) => r.status))], [200]);
    assert.equal(await stockOf(a.id), 70);
    assert.equal(await stockOf(b.id), 70);
  });

  test('concurrency: parallel replays of one order_ref reserve once; parallel releases restore once', async () => {
    const a = await newProduct(50);
    const ref = newRef();
    const replays = await Promise.all(
      Array.from({ length: 10 }, () => reserve(ref, [{ product_id: a.id, quantity: 7 }])),
    );
    assert.deepEqual(
      replays.map((r) => r.status),
      Array(10).fill(200),
    );
    for (const r of replays) assert.deepEqual(r.body, replays[0].body);
    assert.equal(await stockOf(a.id), 43);

    const releases = await Promise.all(Array.from({ length: 10 }, () => release(ref)));
    assert.deepEqual(
      releases.map((r) => r.status),
      Array(10).fill(200),
    );
    assert.equal(await stockOf(a.id), 50);
  });
});

describe('telemetry', () => {
  const receiver = new OtlpReceiver();
  let instrumented: ServiceProcess;

  before(async () => {
    await receiver.start();
    instrumented = await startService('product', {
      ...telemetryEnv(receiver.endpoint),
      DATABASE_URL: products.env.DATABASE_URL,
      USER_SERVICE_URL: users.url,
    });
  });
  after(async () => {
    await instrumented?.stop();
    await receiver.stop();
  });

  /** The latest cumulative value of shopscope.stock.reservations for one outcome. */
  const reservations = (outcome: string) => {
    const exports = receiver.metrics.filter(
      (m) => m.service === 'product-service' && m.name === 'shopscope.stock.reservations',
    );
    return (exports.at(-1)?.points ?? [])
      .filter((p) => p.attributes.outcome === outcome)
      .reduce((sum, p) => sum + (p.value ?? 0), 0);
  };

  test('reservation outcomes are counted and on the span; admin keys are never exported', async () => {
    const a = await newProduct(3);
    const at = (path: string, body: unknown) => call(instrumented.url, 'POST', path, { ...AS_SERVICE, body });
    const ref = newRef();
    const items = [{ product_id: a.id, quantity: 2 }];
    assert.equal((await at('/api/products/reserve', { order_ref: ref, items })).status, 200);
    assert.equal((await at('/api/products/reserve', { order_ref: ref, items })).status, 200);
    assert.equal((await at('/api/products/reserve', { order_ref: newRef(), items })).status, 409);
    assert.equal((await at('/api/products/confirm', { order_ref: ref })).status, 200);
    assert.equal((await at('/api/products/release', { order_ref: ref })).status, 200);
    const created = await call(instrumented.url, 'POST', '/api/product/create', {
      apiKey: adminKey,
      body: { name: `Traced product ${refCounter}`, price_cents: 100, stock: 1 },
    });
    assert.equal(created.status, 201);

    await receiver.waitUntil('one count per outcome', () =>
      ['reserved', 'replayed', 'insufficient_stock', 'confirmed', 'released'].every((o) => reservations(o) >= 1),
    );
    await receiver.waitUntil('the refused reservation span', () =>
      receiver.spans.some((s) => s.attributes['reservation.outcome'] === 'insufficient_stock'),
    );
    const refused = receiver.spans.find((s) => s.attributes['reservation.outcome'] === 'insufficient_stock')!;
    const server = receiver
      .spansOfTrace(refused.traceId)
      .find((s) => s.kind === SPAN_KIND.SERVER && s.service === 'product-service')!;
    assert.equal(server.attributes['http.route'], '/api/products/reserve');
    assert.equal(server.attributes['http.response.status_code'], 409);
    assert.ok(
      receiver.spansOfTrace(refused.traceId).some((s) => String(s.attributes['db.query.text']).includes('FOR UPDATE')),
      'the locking read is visible as a SQL span',
    );

    await receiver.waitUntil('the admin check as a client span to user-service', () =>
      receiver.spans.some(
        (s) =>
          s.service === 'product-service' &&
          s.kind === SPAN_KIND.CLIENT &&
          String(s.attributes['url.full']).endsWith('/api/user') &&
          s.attributes['http.response.status_code'] === 200,
      ),
    );
    assert.equal(receiver.contains(adminKey), false, 'the admin API key was exported');
  });
});

describe('operations', () => {
  test('no API key reaches the logs', async () => {
    const logs = products.lines.join('\n') + users.lines.join('\n');
    assert.ok(!logs.includes(adminKey));
    assert.ok(!logs.includes(customer.apiKey));
  });

  test('fault injection', async () => {
    await checkFaultApi(products, '/api/products');
  });

  test('a database outage gives 503s, then recovers without a restart', async () => {
    const a = await newProduct(5);
    const ref = newRef();
    await checkDatabaseOutage(db, products, [
      () => call(products.url, 'GET', '/api/products'),
      () => call(products.url, 'GET', `/api/product/${a.id}`),
      () => reserve(ref, [{ product_id: a.id, quantity: 2 }]),
    ]);
    // The reservation tried during the outage took nothing; the one after it took 2 once.
    assert.equal(await stockOf(a.id), 3);
    assert.equal((await release(ref)).status, 200);
    assert.equal(await stockOf(a.id), 5);
  });

  test('SIGTERM stops it cleanly with exit code 0', async () => {
    await checkGracefulStop(products);
  });
});

describe('product-service replicas starting at once on an empty database', () => {
  let replicas: ServiceProcess[] = [];
  after(async () => {
    await Promise.all(replicas.map((r) => r.stop()));
  });

  test('both migrate safely, become ready and seed the catalogue once', async () => {
    const fresh = 'product_replicas';
    replicas = await startTwoAtOnce('product', {
      ...NO_TELEMETRY,
      DATABASE_URL: await db.createDatabase(fresh),
      USER_SERVICE_URL: users.url,
    });
    const rows = await db.query<Array<{ id: number; name: string }>>(
      `SELECT id, name FROM \`${fresh}\`.products ORDER BY id`,
    );
    assert.deepEqual(
      rows.map((r) => [r.id, r.name]),
      CATALOGUE.map((name, i) => [i + 1, name]),
    );
    const logged = (msg: string) => replicas.filter((r) => r.logs.some((line) => line.msg === msg)).length;
    assert.equal(logged('migrations applied'), 1);
    assert.equal(logged('catalogue seeded'), 1);
    for (const replica of replicas) {
      assert.equal((await call(replica.url, 'GET', '/api/products')).body.total, 10);
    }
  });
});
