/**
 * order-service when things fail around it: product-service or user-service down, its own
 * database down, SIGTERM with a request in flight, two replicas starting at once. The
 * order database lives on its own MariaDB so it can be stopped while the others keep theirs.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { signUp } from '../../tools/stack/accounts.ts';
import { call } from './harness/http.ts';
import { MariaDb } from './harness/mariadb.ts';
import { type CatalogueProduct, catalogue, databaseOf, productNow, Shopper, storedOrders } from './harness/orders.ts';
import { checkDatabaseOutage, checkGracefulStop, startTwoAtOnce } from './harness/service-checks.ts';
import { ADMIN_TOKEN } from './harness/services.ts';
import { type Backend, startBackend } from './harness/shop.ts';

let orderDb: MariaDb;
let shop: Backend;
let laptop: CatalogueProduct;

before(async () => {
  orderDb = await MariaDb.start();
  shop = await startBackend({ orderDb });
  [laptop] = await catalogue(shop.product.url);
});

after(async () => {
  await shop?.stop();
  await orderDb?.destroy();
});

async function newShopper(prefix = 'shopper') {
  const account = await signUp(shop.user.url, prefix);
  return { account, shopper: new Shopper(shop.order.url, account.apiKey) };
}

test('product-service down: 503 naming it, the cart intact, history still served, recovery on restart', async () => {
  const { account, shopper } = await newShopper();
  await shopper.add(laptop.id, 2);
  const earlier = await shopper.checkout();
  assert.equal(earlier.status, 201);
  await shopper.add(laptop.id, 1);
  const rowsBefore = await storedOrders(orderDb, shop.order, account.user.id);

  await shop.product.stop();
  try {
    for (const res of [await shopper.cart(), await shopper.add(laptop.id, 1), await shopper.checkout()]) {
      assert.equal(res.status, 503, JSON.stringify(res.body));
      assert.match(res.body.message, /product-service unavailable/);
    }
    assert.deepEqual(
      await storedOrders(orderDb, shop.order, account.user.id),
      rowsBefore,
      'the cart is back to open, unchanged',
    );
    // What needs only order-service's own database keeps working, and it stays ready.
    assert.deepEqual((await shopper.orders()).body.results, [earlier.body.result]);
    assert.equal((await call(shop.order.url, 'GET', '/readyz')).status, 200);
  } finally {
    await shop.product.start();
  }

  const stockBefore = (await productNow(shop.product.url, laptop.id)).stock;
  const placed = await shopper.checkout();
  assert.equal(placed.status, 201, JSON.stringify(placed.body));
  assert.equal(placed.body.result.item_count, 1);
  assert.equal((await productNow(shop.product.url, laptop.id)).stock, stockBefore - 1);
});

test('user-service down: callers it cannot vouch for get a 503 naming it; checkout never proceeds', async () => {
  const { account, shopper } = await newShopper();
  await shopper.add(laptop.id, 1);
  const rowsBefore = await storedOrders(orderDb, shop.order, account.user.id);

  await shop.user.stop();
  try {
    const unknown = await call(shop.order.url, 'GET', '/api/order', {
      apiKey: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG',
    });
    assert.equal(unknown.status, 503);
    assert.match(unknown.body.message, /user-service unavailable/);
    const checkout = await shopper.checkout();
    assert.equal(checkout.status, 503, 'checkout always validates the user');
    assert.match(checkout.body.message, /user-service unavailable/);
    assert.deepEqual(await storedOrders(orderDb, shop.order, account.user.id), rowsBefore);
  } finally {
    await shop.user.start();
  }
  assert.equal((await shopper.checkout()).status, 201);
});

test('order database down: /readyz and requests answer 503, then recover without a restart', async () => {
  const { account, shopper } = await newShopper();
  await shopper.add(laptop.id, 1);
  const stockBefore = (await productNow(shop.product.url, laptop.id)).stock;

  await orderDb.stopServer();
  try {
    const checkout = await shopper.checkout();
    assert.equal(checkout.status, 503, JSON.stringify(checkout.body));
    assert.match(checkout.body.message, /database/i);
    assert.equal((await productNow(shop.product.url, laptop.id)).stock, stockBefore, 'no stock reserved');
  } finally {
    await orderDb.startServer();
  }

  // The shared check: readiness and an API call fail with 503 during the outage, recover after.
  await checkDatabaseOutage(orderDb, shop.order, () => shopper.cart());

  assert.equal((await storedOrders(orderDb, shop.order, account.user.id)).orders[0]?.status, 'open');
  const placed = await shopper.checkout();
  assert.equal(placed.status, 201, JSON.stringify(placed.body));
  assert.equal((await productNow(shop.product.url, laptop.id)).stock, stockBefore - 1);
});

test('order database lost after the stock was reserved: the reservation is released, the order recoverable', async () => {
  const { account, shopper } = await newShopper();
  await shopper.add(laptop.id, 1);
  const stockBefore = (await productNow(shop.product.url, laptop.id)).stock;
  const productFaults = (body?: unknown) =>
    call(shop.product.url, body ? 'PUT' : 'DELETE', '/admin/faults', {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      body,
    });

  // Slow reservations down so the database can be stopped while one is under way.
  assert.equal((await productFaults({ latency_ms: 1_500, route: '/api/products/reserve' })).status, 200);
  let answer: Awaited<ReturnType<Shopper['checkout']>>;
  try {
    const checkout = shopper.checkout();
    await new Promise((resolve) => setTimeout(resolve, 300)); // the cart is claimed; the reservation is slow
    await orderDb.stopServer();
    answer = await checkout;
  } finally {
    await productFaults();
    await orderDb.startServer();
  }
  assert.equal(answer.status, 503, JSON.stringify(answer.body));
  assert.match(answer.body.message, /database/i);
  assert.equal((await productNow(shop.product.url, laptop.id)).stock, stockBefore, 'the reserved stock went back');

  // The cart could not be reopened while the database was down: it waits as `pending`
  // (a checkout right now is refused as in progress) until a later checkout takes it over.
  await shop.order.waitReady();
  const [cart] = (await storedOrders(orderDb, shop.order, account.user.id)).orders;
  assert.equal(cart?.status, 'pending');
  assert.equal((await shopper.checkout()).status, 409);
  await orderDb.query(
    `UPDATE \`${databaseOf(shop.order)}\`.orders SET updated_at = UTC_TIMESTAMP(3) - INTERVAL 5 MINUTE WHERE id = ?`,
    [cart?.id],
  );
  const placed = await shopper.checkout();
  assert.equal(placed.status, 201, JSON.stringify(placed.body));
  assert.equal((await productNow(shop.product.url, laptop.id)).stock, stockBefore - 1);
});

test('two replicas starting at once on an empty database both migrate and become ready', async () => {
  const env = {
    ...shop.order.env,
    DATABASE_URL: await orderDb.createDatabase('order_replicas'),
  };
  const replicas = await startTwoAtOnce('order', env);
  try {
    const rows = await orderDb.query<Array<{ name: string }>>(
      'SELECT name FROM order_replicas.schema_migrations ORDER BY name',
    );
    assert.deepEqual(
      rows.map((r) => r.name),
      ['0001-create-orders', '0002-create-order-items', '0003-widen-order-total'],
    );
  } finally {
    await Promise.all(replicas.map((replica) => replica.stop()));
  }
});

test('SIGTERM: a request in flight still completes, then the process exits 0', async () => {
  const { shopper } = await newShopper();
  await shopper.add(laptop.id, 1);
  // Slow the history down with the fault API so the request is surely in flight.
  const fault = await call(shop.order.url, 'PUT', '/admin/faults', {
    headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    body: { latency_ms: 1_500, route: '/api/orders' },
  });
  assert.equal(fault.status, 200);

  const inFlight = shopper.orders();
  await new Promise((resolve) => setTimeout(resolve, 300));
  const [answer] = await Promise.all([inFlight, checkGracefulStop(shop.order)]);
  assert.equal(answer.status, 200);
  assert.deepEqual(answer.body.results, []);
  await assert.rejects(fetch(`${shop.order.url}/healthz`), 'no longer accepting connections');
});
