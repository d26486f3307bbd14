/**
 * order-service's business telemetry, received over OTLP exactly as the Collector would
 * receive it: the `checkout` span with its business attributes for a placed order and for
 * each failure reason, and the cart/checkout metrics a Grafana panel or alert relies on.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { loginAdmin, signUp } from '../../tools/stack/accounts.ts';
import { call } from './harness/http.ts';
import { type CatalogueProduct, catalogue, databaseOf, Shopper } from './harness/orders.ts';
import { OtlpReceiver, type ReceivedMetric } from './harness/otlp-receiver.ts';
import { ADMIN_TOKEN } from './harness/services.ts';
import { type Backend, startBackend } from './harness/shop.ts';

const receiver = new OtlpReceiver();
let shop: Backend;
let laptop: CatalogueProduct;
let mouse: CatalogueProduct;
const apiKeys: string[] = [];

before(async () => {
  await receiver.start();
  shop = await startBackend({ otlpEndpoint: receiver.endpoint });
  [laptop, mouse] = await catalogue(shop.product.url);
});

after(async () => {
  await shop?.stop();
  await receiver.stop();
});

async function newShopper(prefix: string): Promise<{ userId: number; shopper: Shopper }> {
  const account = await signUp(shop.user.url, prefix);
  apiKeys.push(account.apiKey);
  return { userId: account.user.id, shopper: new Shopper(shop.order.url, account.apiKey) };
}

const checkoutSpans = () => receiver.spans.filter((s) => s.service === 'order-service' && s.name === 'checkout');

/** The newest export of a metric: the SDK exports cumulative values, so the last one holds the totals. */
function latest(name: string): ReceivedMetric | undefined {
  return receiver.metrics.filter((m) => m.service === 'order-service' && m.name === name).at(-1);
}

test('a placed checkout: business span attributes and order metrics', async () => {
  const { userId, shopper } = await newShopper('placed');
  await shopper.add(laptop.id, 2);
  await shopper.add(mouse.id, 1);
  const placed = await shopper.checkout();
  assert.equal(placed.status, 201);
  const order = placed.body.result;

  await receiver.waitUntil('the checkout span', () =>
    checkoutSpans().some((s) => s.attributes['checkout.status'] === 'placed'),
  );
  const span = checkoutSpans().find((s) => s.attributes['checkout.status'] === 'placed')!;
  assert.equal(span.attributes['order.id'], order.id);
  assert.equal(span.attributes['order.item_count'], 3);
  assert.equal(span.attributes['order.total_cents'], order.total_cents);
  assert.equal(span.attributes['user.id'], userId);
  assert.equal(span.statusCode, 0, 'a placed checkout is not an error');
  // Under the request's server span, with the user- and product-service calls beneath it.
  const children = receiver.spans.filter((s) => s.parentSpanId === span.spanId);
  assert.ok(children.length > 0, 'the calls made by the checkout are children of its span');

  await receiver.waitUntil('the order metrics', () => latest('shopscope.order.value') !== undefined);
  assert.equal(latest('shopscope.orders.placed')?.points[0]?.value, 1);
  const value = latest('shopscope.order.value')?.points[0];
  assert.equal(value?.count, 1);
  assert.equal(value?.sum, order.total_cents / 100, 'order value in euros');
  assert.equal(latest('shopscope.cart.items.added')?.points[0]?.value, 3);
});

test("a transaction's own statements are named after the statement, not the transaction type", async () => {
  const { shopper } = await newShopper('txnames');
  const added = await shopper.add(mouse.id, 1);
  assert.equal(added.status, 200, JSON.stringify(added.body));
  const orderSql = () => receiver.spans.filter((s) => s.service === 'order-service' && s.name.startsWith('Sequelize '));
  await receiver.waitUntil('the COMMIT span of the cart change', () =>
    orderSql().some((s) => s.name === 'Sequelize COMMIT'),
  );
  const names = new Set(orderSql().map((s) => s.name));
  assert.ok(names.has('Sequelize START TRANSACTION'), [...names].join(', '));
  assert.ok(
    !names.has('Sequelize DEFERRED'),
    `a span is still named after the transaction type: ${[...names].join(', ')}`,
  );
  const commit = orderSql().find((s) => s.name === 'Sequelize COMMIT');
  assert.equal(commit?.attributes['db.operation.name'], 'COMMIT');
  assert.equal(commit?.attributes['db.query.text'], 'COMMIT;');
});

test('every failure reason is on the span and counted by reason', async () => {
  // empty_cart
  const { shopper: empty } = await newShopper('empty');
  assert.equal((await empty.checkout()).status, 409);

  // user_invalid: a well-formed key user-service does not know.
  const stranger = new Shopper(shop.order.url, 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG');
  assert.equal((await stranger.checkout()).status, 401);

  // out_of_stock: a product with one unit, two asked for.
  const created = await call(shop.product.url, 'POST', '/api/product/create', {
    apiKey: await loginAdmin(shop.user.url),
    body: { name: `Last one ${Date.now()}`, description: 'Only one left.', price_cents: 1_500, stock: 1 },
  });
  assert.equal(created.status, 201);
  const { shopper: short } = await newShopper('short');
  await short.add(created.body.result.id, 2);
  assert.equal((await short.checkout()).status, 409);

  // already_in_progress: a cart another checkout holds right now.
  const { shopper: busy } = await newShopper('busy');
  const cartId = (await busy.add(laptop.id, 1)).body.result.id;
  await shop.db.query(
    `UPDATE \`${databaseOf(shop.order)}\`.orders SET status = 'pending', updated_at = UTC_TIMESTAMP(3) WHERE id = ?`,
    [cartId],
  );
  assert.equal((await busy.checkout()).status, 409);

  // dependency_unavailable: product-service failing every reservation.
  const faults = (method: string, body?: unknown) =>
    call(shop.product.url, method, '/admin/faults', { headers: { authorization: `Bearer ${ADMIN_TOKEN}` }, body });
  const { shopper: unlucky } = await newShopper('unlucky');
  await unlucky.add(laptop.id, 1);
  assert.equal((await faults('PUT', { error_rate: 1, route: '/api/products/reserve' })).status, 200);
  try {
    assert.equal((await unlucky.checkout()).status, 503);
  } finally {
    await faults('DELETE');
  }

  const reasons = ['empty_cart', 'user_invalid', 'out_of_stock', 'already_in_progress', 'dependency_unavailable'];
  await receiver.waitUntil('a failed checkout span per reason', () =>
    reasons.every((reason) => checkoutSpans().some((s) => s.attributes['checkout.failure_reason'] === reason)),
  );
  for (const reason of reasons) {
    const span = checkoutSpans().find((s) => s.attributes['checkout.failure_reason'] === reason)!;
    assert.equal(span.attributes['checkout.status'], 'failed', reason);
    assert.equal(span.statusCode, 2, `${reason}: the span is marked as an error`);
  }

  await receiver.waitUntil('checkout failures counted by reason', () => {
    const points = latest('shopscope.checkout.failures')?.points ?? [];
    return reasons.every((reason) => points.some((p) => p.attributes.reason === reason));
  });
  for (const point of latest('shopscope.checkout.failures')?.points ?? []) {
    assert.equal(point.value, 1, `one failure with reason ${String(point.attributes.reason)}`);
  }
});

test('no API key reaches the telemetry or the logs', () => {
  assert.ok(apiKeys.length > 0 && receiver.rawRequests.length > 0);
  for (const key of apiKeys) {
    assert.equal(receiver.contains(key), false, 'an API key reached the collector');
    for (const service of shop.services) {
      assert.ok(!service.lines.some((line) => line.includes(key)), `${service.name} logged an API key`);
    }
  }
});
