/**
 * order-service without its database.
 *
 * The HTTP app in-process, as main.ts builds it, on a database that is never connected and
 * with user-service played by a stub: every answer given before the database is touched.
 * No key or a refused key is a 401; user-service down, hanging or talking nonsense is a
 * JSON 503 naming user-service (never a 500); a bad add-item body is a 400 with its fields,
 * AFTER authentication (no key: 401 first), though malformed JSON is refused before it
 * (the body parser runs first); an unknown route is a JSON 404.
 *
 * The rules apart from HTTP: how product-service's reservation answers are read
 * (src/clients/products.ts, against a stub product-service: only a 200 followed by a
 * confirm reserves; a refusal keeps product-service's details; a bad credential, a lost
 * hold or garbage is an outage naming product-service), the exact order total and its
 * limit, the checkout failure reasons, and that cart and order views add up and match the
 * published contracts (Cart, Order).
 */
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import {
  conflict,
  createDatabase,
  createLogger,
  DependencyError,
  HttpError,
  ServiceClient,
  unauthorized,
} from '@shopscope/common';
import { Cart, Order as OrderContract } from '@shopscope/contracts';
import { type StubAnswer, StubUpstream } from '../../common/test/support/stub-upstream.ts';
import { buildApp } from '../dist/app.js';
import { ProductCatalog } from '../dist/clients/products.js';
import { readConfig } from '../dist/config.js';
import { initModels, MAX_ORDER_TOTAL_CENTS } from '../dist/db/models.js';
import { failureReason, orderTotalCents } from '../dist/domain/checkout.js';
import { cartView, emptyCartView, orderView } from '../dist/domain/views.js';

const logger = createLogger('order', 'silent');
const user = {
  id: 3,
  username: 'ann',
  email: 'ann@example.com',
  first_name: 'Ann',
  last_name: 'Lee',
  is_admin: false,
  created_at: '2024-01-02T03:04:05.000Z',
};

let users: StubUpstream;
let products: StubUpstream;
let service: { url: string; close(): Promise<void> };
const sequelize = createDatabase({ url: 'mysql://u:p@127.0.0.1:9/x', logger });
const models = initModels(sequelize);
const TOKEN = 'internal-token-0123456789abcdef';

before(async () => {
  [users, products] = await Promise.all([StubUpstream.start(), StubUpstream.start()]);
  const config = readConfig({
    DATABASE_URL: 'mysql://u:p@127.0.0.1:9/x',
    USER_SERVICE_URL: users.url,
    PRODUCT_SERVICE_URL: products.url,
    INTERNAL_TOKEN: TOKEN,
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
  await Promise.all([users, products].map((stub) => stub?.stop()));
  await sequelize.close();
});

interface Answer {
  status: number;
  json: { message?: string; details?: Record<string, unknown> };
}

/** Each call its own key: UserDirectory caches positive answers per key. */
let keys = 0;
const freshKey = () => `unit-test-key-${String(++keys).padStart(8, '0')}`;

async function call(
  method: string,
  path: string,
  { key, body }: { key?: string; body?: string } = {},
): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (key) headers.authorization = `Bearer ${key}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${service.url}${path}`, { method, headers, body });
  assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
  return { status: res.status, json: (await res.json()) as Answer['json'] };
}

describe('GET /api/order: who is calling', () => {
  test('no key, or a malformed Authorization header, is a 401 without asking user-service', async () => {
    const from = users.requests.length;
    assert.equal((await call('GET', '/api/order')).status, 401);
    assert.equal((await call('GET', '/api/order', { key: 'short' })).status, 401);
    assert.equal(users.requests.length, from);
  });

  test('a key user-service refuses is a 401, and user-service was asked with that key', async () => {
    users.respond(() => ({ status: 401, json: { message: 'Invalid or revoked API key' } }));
    const key = freshKey();
    const { status, json } = await call('GET', '/api/order', { key });
    assert.equal(status, 401);
    assert.equal(json.message, 'Invalid or revoked API key');
    assert.equal(users.requests.at(-1)?.path, '/api/user');
    assert.equal(users.requests.at(-1)?.headers.authorization, `Bearer ${key}`);
  });

  const broken: Array<[string, Parameters<StubUpstream['respond']>[0]]> = [
    ['a 500', () => ({ status: 500, json: { message: 'Internal error' } })],
    ['garbage', () => ({ status: 200, text: '<html>proxy error</html>' })],
    ['the wrong shape', () => ({ status: 200, json: { result: { ...user, id: 'three' } } })],
    ['a status it should not', () => ({ status: 418, json: { message: 'teapot' } })],
  ];
  for (const [what, answer] of broken) {
    test(`user-service answering ${what}: a 503 naming user-service`, async () => {
      users.respond(answer);
      const { status, json } = await call('GET', '/api/order', { key: freshKey() });
      assert.equal(status, 503);
      assert.match(json.message ?? '', /^user-service unavailable: /);
      assert.deepEqual(json.details, { dependency: 'user-service', reason: 'dependency_unavailable' });
    });
  }

  test('user-service hanging: a 503 naming user-service after the 3 s client timeout', async () => {
    users.respond(() => 'hang');
    const { status, json } = await call('GET', '/api/order', { key: freshKey() });
    assert.equal(status, 503);
    assert.equal(json.message, 'user-service unavailable: no answer within 3000 ms');
  });
});

describe('POST /api/order/add-item', () => {
  test('authentication comes first: a bad body without a key is a 401', async () => {
    assert.equal((await call('POST', '/api/order/add-item', { body: '{"product_id":"x"}' })).status, 401);
  });

  test('a known caller with a bad body gets a 400 naming each bad field', async () => {
    users.respond(() => ({ status: 200, json: { result: user } }));
    const key = freshKey();
    const bad = await call('POST', '/api/order/add-item', {
      key,
      body: JSON.stringify({ product_id: 'abc', quantity: 0 }),
    });
    assert.equal(bad.status, 400);
    assert.deepEqual(bad.json.details, {
      fields: { product_id: 'must be a whole number', quantity: 'must be at least 1' },
    });
    const missing = await call('POST', '/api/order/add-item', { key, body: JSON.stringify({ quantity: 1001 }) });
    assert.deepEqual(missing.json.details, { fields: { product_id: 'is required', quantity: 'must be at most 1000' } });
  });

  test('JSON syntax is checked before anything else: malformed JSON is a 400 even without a key', async () => {
    const from = users.requests.length;
    const malformed = await call('POST', '/api/order/add-item', { body: '{"product_id":' });
    assert.equal(malformed.status, 400);
    assert.equal(malformed.json.message, 'Malformed JSON body');
    assert.equal(users.requests.length, from);
  });
});

test('an unknown route is a JSON 404 naming it', async () => {
  const { status, json } = await call('GET', '/api/nothing-here');
  assert.equal(status, 404);
  assert.equal(json.message, 'No route for GET /api/nothing-here');
});

const reservation = {
  order_ref: 'order-7',
  status: 'reserved',
  items: [{ product_id: 1, name: 'Laptop', quantity: 2, unit_price_cents: 1000 }],
  total_cents: 2000,
  currency: 'EUR',
};

describe('ProductCatalog.reserve against a stub product-service', () => {
  let products: StubUpstream;
  before(async () => {
    products = await StubUpstream.start();
  });
  after(() => products?.stop());
  const catalog = (token: string | undefined = TOKEN) =>
    new ProductCatalog(new ServiceClient('product-service', products.url, 500), token);
  const catalogWithoutToken = () =>
    new ProductCatalog(new ServiceClient('product-service', products.url, 500), undefined);
  /** Answers reserve with `reserveAnswer` and confirm with `confirmAnswer`. */
  const confirmed: StubAnswer = { status: 200, json: { result: { ...reservation, status: 'confirmed' } } };
  const stub = (reserveAnswer: StubAnswer, confirmAnswer = confirmed) =>
    products.respond((req) => (req.path === '/api/products/confirm' ? confirmAnswer : reserveAnswer));
  const items = [{ product_id: 1, quantity: 2 }];

  test('a 200 reserves, then confirms the hold, both with the Bearer service credential', async () => {
    stub({ status: 200, json: { result: reservation } });
    const from = products.requests.length;
    const outcome = await catalog().reserve('order-7', items);
    assert.deepEqual(outcome, { status: 'reserved', lines: reservation.items });
    const seen = products.requests.slice(from);
    assert.deepEqual(
      seen.map((r) => [r.method, r.path]),
      [
        ['POST', '/api/products/reserve'],
        ['POST', '/api/products/confirm'],
      ],
    );
    for (const request of seen) assert.equal(request.headers.authorization, `Bearer ${TOKEN}`);
    assert.deepEqual(JSON.parse(seen[0]?.body ?? ''), { order_ref: 'order-7', items });
    assert.deepEqual(JSON.parse(seen[1]?.body ?? ''), { order_ref: 'order-7' });
  });

  test('409 reservation_mismatch: held for other items (and nothing is confirmed)', async () => {
    stub({ status: 409, json: { message: 'different items', details: { reason: 'reservation_mismatch' } } });
    const from = products.requests.length;
    assert.deepEqual(await catalog().reserve('order-7', items), { status: 'held_for_other_items' });
    assert.equal(products.requests.length - from, 1);
  });

  test('409 out_of_stock and 404 are refusals carrying product-service message and details', async () => {
    const details = { product_id: 1, name: 'Laptop', requested: 2, available: 1 };
    stub({
      status: 409,
      json: { message: 'Not enough stock for Laptop', details: { ...details, reason: 'out_of_stock' } },
    });
    assert.deepEqual(await catalog().reserve('order-7', items), {
      status: 'refused',
      message: 'Not enough stock for Laptop',
      details,
    });
    stub({ status: 404, json: { message: 'Product 9 not found', details: { product_id: 9 } } });
    assert.deepEqual(await catalog().reserve('order-7', [{ product_id: 9, quantity: 1 }]), {
      status: 'refused',
      message: 'Product 9 not found',
      details: { product_id: 9 },
    });
    stub({ status: 404, text: 'nope' });
    const bare = await catalog().reserve('order-7', items);
    assert.equal(bare.status, 'refused');
  });

  test('401 is an outage naming INTERNAL_TOKEN, whether it is wrong or unset (then not sent at all)', async () => {
    stub({ status: 401, json: { message: 'Internal endpoint: invalid service credential' } });
    await assert.rejects(
      catalog().reserve('order-7', items),
      (err) =>
        err instanceof DependencyError && /product-service unavailable: .*INTERNAL_TOKEN differs/.test(err.message),
    );
    const from = products.requests.length;
    await assert.rejects(
      catalogWithoutToken().reserve('order-7', items),
      (err) => err instanceof DependencyError && /INTERNAL_TOKEN is not set in order-service/.test(err.message),
    );
    assert.equal(products.requests[from]?.headers.authorization, undefined);
  });

  test('a confirm answering 409 (the hold is gone) is an outage, not a reservation', async () => {
    stub(
      { status: 200, json: { result: reservation } },
      { status: 409, json: { message: 'gone', details: { reason: 'reservation_not_held' } } },
    );
    await assert.rejects(
      catalog().reserve('order-7', items),
      (err) => err instanceof DependencyError && /given back before it could be confirmed/.test(err.message),
    );
  });

  test('garbage, a wrong shape or an unexpected status is an outage', async () => {
    for (const answer of [
      { status: 200, text: '<html>proxy</html>' },
      { status: 200, json: { result: { ...reservation, items: 'none' } } },
      { status: 400, json: { message: 'Invalid request', details: { fields: { items: 'x' } } } },
    ]) {
      stub(answer);
      await assert.rejects(catalog().reserve('order-7', items), DependencyError, JSON.stringify(answer));
    }
    stub({ status: 200, json: { result: reservation } }, { status: 200, text: 'garbage' });
    await assert.rejects(catalog().reserve('order-7', items), DependencyError, 'a garbage confirm');
  });
});

describe('orderTotalCents', () => {
  test('exact integer cents, up to and including the limit', () => {
    assert.equal(orderTotalCents([]), 0);
    assert.equal(
      orderTotalCents([
        { quantity: 3, unit_price_cents: 1999 },
        { quantity: 1000, unit_price_cents: 10_000_000 },
      ]),
      3 * 1999 + 10_000_000_000,
    );
    assert.equal(
      orderTotalCents([
        { quantity: 1, unit_price_cents: MAX_ORDER_TOTAL_CENTS - 1 },
        { quantity: 1, unit_price_cents: 1 },
      ]),
      MAX_ORDER_TOTAL_CENTS,
    );
  });

  test('one cent over the limit is a 409 order_total_limit with the exact total as text', () => {
    // In floating point, (2^53 - 1) + 2 rounds: the exact sum must still be refused.
    const lines = [
      { quantity: 1, unit_price_cents: MAX_ORDER_TOTAL_CENTS },
      { quantity: 2, unit_price_cents: 1 },
    ];
    assert.throws(
      () => orderTotalCents(lines),
      (err) =>
        err instanceof HttpError &&
        err.status === 409 &&
        err.reason === 'order_total_limit' &&
        err.details?.total_cents === '9007199254740993' &&
        err.details?.max_total_cents === MAX_ORDER_TOTAL_CENTS,
    );
    // The product of one line is exact too: 3 × 3002399751580331 = 2^53 + 1 (a double says 2^53).
    assert.throws(
      () => orderTotalCents([{ quantity: 3, unit_price_cents: 3_002_399_751_580_331 }]),
      (err) => err instanceof HttpError && err.details?.total_cents === '9007199254740993',
    );
  });
});

describe('failureReason (checkout failures metric)', () => {
  test('401 is user_invalid, a 503 its cause, a 409 its reason, anything else internal', () => {
    assert.equal(failureReason(unauthorized()), 'user_invalid');
    assert.equal(failureReason(new DependencyError('product-service', 'connection refused')), 'dependency_unavailable');
    // order-service's own database, told apart from the services it calls.
    const dbDown = Object.assign(new Error('connect ECONNREFUSED'), { name: 'SequelizeConnectionRefusedError' });
    assert.equal(failureReason(dbDown), 'database_unavailable');
    const deadlock = Object.assign(new Error('deadlock'), {
      parent: { code: 'ER_LOCK_DEADLOCK' },
      original: { code: 'ER_LOCK_DEADLOCK' },
    });
    assert.equal(failureReason(deadlock), 'lock_conflict');
    assert.equal(failureReason(conflict('short', undefined, 'out_of_stock')), 'out_of_stock');
    assert.equal(failureReason(conflict('empty', undefined, 'empty_cart')), 'empty_cart');
    assert.equal(failureReason(new TypeError('x is undefined')), 'internal');
  });
});

describe('cart and order views', () => {
  const { Order, OrderItem } = models;
  const items = () => [
    OrderItem.build({
      id: 1,
      order_id: 7,
      product_id: 1,
      name: 'Laptop (old name)',
      unit_price_cents: 1000,
      quantity: 2,
    }),
    OrderItem.build({ id: 2, order_id: 7, product_id: 2, name: 'Mouse', unit_price_cents: 250, quantity: 3 }),
  ];

  test('a cart is priced from the catalogue; a product it no longer lists keeps its own name and price', () => {
    const cart = Order.build({ id: 7, user_id: 3, open_user_id: 3, status: 'pending', currency: 'EUR' });
    const catalogue = new Map([[1, { id: 1, name: 'Laptop', price_cents: 1200 }]]);
    const view = cartView(cart, items(), catalogue);
    assert.deepEqual(Cart.parse(view), view);
    assert.equal(view.status, 'pending');
    assert.deepEqual(
      view.items.map((l) => [l.name, l.unit_price_cents, l.line_total_cents]),
      [
        ['Laptop', 1200, 2400],
        ['Mouse', 250, 750],
      ],
    );
    assert.equal(view.item_count, 5);
    assert.equal(view.total_cents, 3150);
    const empty = emptyCartView();
    assert.deepEqual(Cart.parse(empty), empty);
    assert.equal(empty.id, null);
  });

  test('a placed order shows its snapshot and stored totals, with an ISO placed_at', () => {
    const placedAt = new Date('2024-05-06T07:08:09.010Z');
    const order = Order.build({
      id: 7,
      user_id: 3,
      open_user_id: null,
      status: 'placed',
      item_count: 5,
      total_cents: 2750,
      currency: 'EUR',
      placed_at: placedAt,
    });
    const view = orderView(order, items());
    assert.deepEqual(OrderContract.parse(view), view);
    assert.equal(view.placed_at, placedAt.toISOString());
    assert.deepEqual(
      view.items.map((l) => [l.name, l.line_total_cents]),
      [
        ['Laptop (old name)', 2000],
        ['Mouse', 750],
      ],
    );
    assert.equal(view.total_cents, 2750);
  });
});
