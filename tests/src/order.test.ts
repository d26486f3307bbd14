/**
 * order-service through its HTTP API, with real user- and product-services and a real
 * database: the cart, checkout, order history, bad input and authentication.
 */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loginAdmin, signUp, type TestAccount } from '../../tools/stack/accounts.ts';
import { call } from './harness/http.ts';
import { type CatalogueProduct, catalogue, databaseOf, productNow, Shopper, storedOrders } from './harness/orders.ts';
import { INTERNAL_TOKEN, REPO_ROOT } from './harness/services.ts';
import { type Backend, startBackend } from './harness/shop.ts';

let shop: Backend;
let laptop: CatalogueProduct;
let mouse: CatalogueProduct;

before(async () => {
  shop = await startBackend();
  [laptop, mouse] = await catalogue(shop.product.url);
});

after(async () => {
  await shop?.stop();
});

async function newShopper(prefix = 'shopper'): Promise<{ account: TestAccount; shopper: Shopper }> {
  const account = await signUp(shop.user.url, prefix);
  return { account, shopper: new Shopper(shop.order.url, account.apiKey) };
}

describe('cart and checkout', () => {
  test('add → view → remove → checkout → history → order detail', async () => {
    const { shopper } = await newShopper();

    const empty = await shopper.cart();
    assert.equal(empty.status, 200);
    assert.deepEqual(empty.body.result, {
      id: null,
      status: 'open',
      items: [],
      item_count: 0,
      total_cents: 0,
      currency: 'EUR',
    });
    assert.equal(await shopper.count(), 0, 'no cart yet: nothing in it');

    const added = await shopper.add(laptop.id, 2);
    assert.equal(added.status, 200, JSON.stringify(added.body));
    assert.equal(added.body.result.status, 'open');
    assert.equal(typeof added.body.result.id, 'number');
    assert.deepEqual(added.body.result.items, [
      {
        product_id: laptop.id,
        name: laptop.name,
        unit_price_cents: laptop.price_cents,
        quantity: 2,
        line_total_cents: 2 * laptop.price_cents,
      },
    ]);

    // A form-encoded body (as an HTML form sends it), quantity defaulting to 1.
    const form = await call(shop.order.url, 'POST', '/api/order/add-item', {
      apiKey: shopper.apiKey,
      rawBody: `product_id=${mouse.id}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    assert.equal(form.status, 200, JSON.stringify(form.body));
    assert.equal(form.body.result.items.length, 2);

    // Adding a product already in the cart raises its quantity.
    const again = await shopper.add(laptop.id, 1);
    assert.equal(again.status, 200);
    assert.deepEqual(
      again.body.result.items.map((i: { product_id: number; quantity: number }) => [i.product_id, i.quantity]),
      [
        [laptop.id, 3],
        [mouse.id, 1],
      ],
    );
    assert.equal(again.body.result.item_count, 4);
    assert.equal(again.body.result.total_cents, 3 * laptop.price_cents + mouse.price_cents);

    const viewed = await shopper.cart();
    assert.deepEqual(viewed.body.result, again.body.result);
    assert.equal(await shopper.count(), 4, 'the count of the cart the view prices');

    const removed = await shopper.remove(mouse.id);
    assert.equal(removed.status, 200);
    assert.deepEqual(
      removed.body.result.items.map((i: { product_id: number }) => i.product_id),
      [laptop.id],
    );
    assert.equal(removed.body.result.total_cents, 3 * laptop.price_cents);

    const stockBefore = (await productNow(shop.product.url, laptop.id)).stock;
    const placed = await shopper.checkout();
    assert.equal(placed.status, 201, JSON.stringify(placed.body));
    const order = placed.body.result;
    assert.equal(order.id, again.body.result.id, 'the cart becomes the order');
    assert.equal(order.status, 'placed');
    assert.equal(order.item_count, 3);
    assert.equal(order.total_cents, 3 * laptop.price_cents);
    assert.equal(order.currency, 'EUR');
    assert.ok(Math.abs(Date.parse(order.placed_at) - Date.now()) < 60_000, 'placed_at is now');
    assert.deepEqual(order.items, [
      {
        product_id: laptop.id,
        name: laptop.name,
        unit_price_cents: laptop.price_cents,
        quantity: 3,
        line_total_cents: 3 * laptop.price_cents,
      },
    ]);
    assert.equal((await productNow(shop.product.url, laptop.id)).stock, stockBefore - 3);

    // The next cart starts empty; the order is in the history and readable on its own.
    assert.deepEqual((await shopper.cart()).body.result.items, []);
    assert.equal(await shopper.count(), 0, 'a placed order is not counted');
    const history = await shopper.orders();
    assert.equal(history.status, 200);
    assert.deepEqual(history.body.results, [order]);
    const detail = await shopper.order(order.id);
    assert.equal(detail.status, 200);
    assert.deepEqual(detail.body.result, order);

    // The Flask-era `Basic <key>` header still works.
    const flask = await call(shop.order.url, 'GET', `/api/orders/${order.id}`, {
      headers: { authorization: `Basic ${shopper.apiKey}` },
    });
    assert.equal(flask.status, 200);
  });

  test('history lists placed orders newest first and pages with limit/offset', async () => {
    const { shopper } = await newShopper();
    const ids: number[] = [];
    for (const product of [laptop, mouse]) {
      assert.equal((await shopper.add(product.id, 1)).status, 200);
      const placed = await shopper.checkout();
      assert.equal(placed.status, 201);
      ids.push(placed.body.result.id);
    }
    await shopper.add(laptop.id, 1); // an open cart is not an order
    const history = await shopper.orders();
    assert.deepEqual(
      history.body.results.map((o: { id: number }) => o.id),
      [...ids].reverse(),
    );
    const second = await shopper.orders('?limit=1&offset=1');
    assert.deepEqual(
      second.body.results.map((o: { id: number }) => o.id),
      [ids[0]],
    );
  });

  test('the cart shows current prices; a placed order keeps the prices it was placed at', async () => {
    const { shopper } = await newShopper();
    await shopper.add(mouse.id, 2);
    const placed = (await shopper.checkout()).body.result;
    await shopper.add(mouse.id, 1);

    // Change the price behind product-service's back, as a catalogue update would.
    const productDb = databaseOf(shop.product);
    const newPrice = mouse.price_cents + 1_000;
    await shop.db.query(`UPDATE \`${productDb}\`.products SET price_cents = ? WHERE id = ?`, [newPrice, mouse.id]);
    try {
      const cart = (await shopper.cart()).body.result;
      assert.equal(cart.items[0].unit_price_cents, newPrice);
      assert.equal(cart.total_cents, newPrice);
      const order = (await shopper.order(placed.id)).body.result;
      assert.equal(order.items[0].unit_price_cents, mouse.price_cents);
      assert.equal(order.total_cents, 2 * mouse.price_cents);
    } finally {
      await shop.db.query(`UPDATE \`${productDb}\`.products SET price_cents = ? WHERE id = ?`, [
        mouse.price_cents,
        mouse.id,
      ]);
    }
  });

  test('checking out an empty cart is a 409 and changes nothing', async () => {
    const { account, shopper } = await newShopper();
    const stockBefore = (await productNow(shop.product.url, laptop.id)).stock;

    const noCart = await shopper.checkout();
    assert.equal(noCart.status, 409);
    assert.match(noCart.body.message, /empty/i);
    assert.deepEqual(await storedOrders(shop.db, shop.order, account.user.id), { orders: [], items: [] });

    // A cart that exists but was emptied.
    await shopper.add(laptop.id, 1);
    await shopper.remove(laptop.id);
    const before = await storedOrders(shop.db, shop.order, account.user.id);
    const emptied = await shopper.checkout();
    assert.equal(emptied.status, 409);
    assert.match(emptied.body.message, /empty/i);
    assert.deepEqual(await storedOrders(shop.db, shop.order, account.user.id), before);
    assert.equal(before.orders[0]?.status, 'open');
    assert.deepEqual((await shopper.orders()).body.results, []);
    assert.equal((await productNow(shop.product.url, laptop.id)).stock, stockBefore);
  });

  test('a line holds at most 1000 of a product', async () => {
    const { shopper } = await newShopper();
    assert.equal((await shopper.add(mouse.id, 1000)).status, 200);
    const over = await shopper.add(mouse.id, 1);
    assert.equal(over.status, 409);
    assert.match(over.body.message, /1000/);
    assert.equal((await shopper.cart()).body.result.items[0].quantity, 1000);
  });

  test("setting a line's quantity: up, down, 0 removes it, only lines in the cart", async () => {
    const { shopper } = await newShopper('setqty');
    await shopper.add(laptop.id, 3);
    await shopper.add(mouse.id, 1);
    const lines = (res: { body: { result: { items: Array<{ product_id: number; quantity: number }> } } }) =>
      res.body.result.items.map((i) => [i.product_id, i.quantity]);

    const down = await shopper.setQuantity(laptop.id, 1);
    assert.equal(down.status, 200, JSON.stringify(down.body));
    assert.deepEqual(lines(down), [
      [laptop.id, 1],
      [mouse.id, 1],
    ]);
    assert.equal(down.body.result.total_cents, laptop.price_cents + mouse.price_cents);
    assert.equal(down.body.result.item_count, 2);

    const up = await shopper.setQuantity(mouse.id, 1000);
    assert.equal(up.status, 200, 'the quantity is set, not added: 1000 is allowed');
    assert.deepEqual(lines(up), [
      [laptop.id, 1],
      [mouse.id, 1000],
    ]);
    assert.equal((await shopper.setQuantity(mouse.id, 1001)).status, 400, 'over the line limit');
    assert.equal((await shopper.setQuantity(mouse.id, 7)).status, 200);

    const removed = await shopper.setQuantity(mouse.id, 0);
    assert.equal(removed.status, 200);
    assert.deepEqual(lines(removed), [[laptop.id, 1]]);
    assert.deepEqual((await shopper.cart()).body.result, removed.body.result);

    const gone = await shopper.setQuantity(mouse.id, 2);
    assert.equal(gone.status, 404, 'a product not in the cart is not added by a quantity change');
    assert.match(gone.body.message, /not in your cart/);
    assert.equal((await shopper.setQuantity(mouse.id, 0)).status, 404);
    assert.equal((await shopper.setQuantity(999_999, 1)).status, 404);
    const { shopper: newcomer } = await newShopper('setqty');
    assert.equal((await newcomer.setQuantity(laptop.id, 1)).status, 404, 'no cart yet');
    assert.equal((await newcomer.cart()).body.result.id, null, 'and none is created');
    assert.deepEqual(lines(await shopper.cart()), [[laptop.id, 1]]);
  });

  test('the largest cart the API allows (50 lines × 1000 × €100,000) checks out with its exact total', async () => {
    // product-service's top price (10,000,000 cents) × order-service's limits. INT UNSIGNED
    // held at most 4,294,967,295 cents (€42.9M): one such line (10^10 cents) overflowed it,
    // checkout answered 500. The total now fits BIGINT and a JS number exactly.
    const MAX_PRICE_CENTS = 10_000_000;
    const LINES = 50;
    const QUANTITY = 1000;
    const adminKey = await loginAdmin(shop.user.url);
    const tag = `${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
    const products: number[] = [];
    for (let i = 0; i < LINES; i++) {
      const res = await call(shop.product.url, 'POST', '/api/product/create', {
        apiKey: adminKey,
        body: { name: `Gold bar ${tag} ${i}`, price_cents: MAX_PRICE_CENTS, stock: QUANTITY },
      });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      products.push(res.body.result.id);
    }
    const { account, shopper } = await newShopper('whale');
    for (const id of products) {
      const added = await shopper.add(id, QUANTITY);
      assert.equal(added.status, 200, JSON.stringify(added.body));
    }
    const expected = LINES * QUANTITY * MAX_PRICE_CENTS; // 5 × 10^11 cents, far below 2^53
    assert.ok(expected > 2 ** 32 && Number.isSafeInteger(expected));
    const cart = (await shopper.cart()).body.result;
    assert.equal(cart.total_cents, expected);
    assert.equal(cart.items[0].line_total_cents, QUANTITY * MAX_PRICE_CENTS);

    const placed = await shopper.checkout();
    assert.equal(placed.status, 201, `never a 500: ${placed.status} ${JSON.stringify(placed.body)}`);
    const order = placed.body.result;
    assert.equal(order.total_cents, expected);
    assert.equal(typeof order.total_cents, 'number', 'a BIGINT comes back as a JSON number');
    assert.equal(order.item_count, LINES * QUANTITY);
    assert.deepEqual((await shopper.order(order.id)).body.result, order);
    assert.deepEqual((await shopper.orders()).body.results, [order]);
    const stored = await storedOrders(shop.db, shop.order, account.user.id);
    assert.equal(Number(stored.orders[0]?.total_cents), expected);
    assert.equal(stored.orders[0]?.status, 'placed');
    // Nothing is stuck: the next cart is empty and usable.
    assert.deepEqual((await shopper.cart()).body.result.items, []);
    assert.equal((await shopper.add(mouse.id, 1)).status, 200);
    for (const id of products.slice(0, 3)) assert.equal((await productNow(shop.product.url, id)).stock, 0);
  });

  test('a checkout abandoned half-way is taken over by the next one; a recent one is not', async () => {
    const { account, shopper } = await newShopper();
    const cartId = (await shopper.add(laptop.id, 1)).body.result.id;
    const orderDb = databaseOf(shop.order);
    // What a checkout killed between "pending" and "placed" leaves behind.
    await shop.db.query(
      `UPDATE \`${orderDb}\`.orders SET status = 'pending', updated_at = UTC_TIMESTAMP(3) WHERE id = ?`,
      [cartId],
    );

    const busy = await shopper.checkout();
    assert.equal(busy.status, 409);
    assert.match(busy.body.message, /in progress/i);
    const adding = await shopper.add(mouse.id, 1);
    assert.equal(adding.status, 409, 'no item slips into a cart being checked out');
    const setting = await shopper.setQuantity(laptop.id, 2);
    assert.equal(setting.status, 409, 'no quantity changes in a cart being checked out');
    assert.equal(setting.body.details?.reason, 'already_in_progress');
    assert.equal((await storedOrders(shop.db, shop.order, account.user.id)).items.length, 1);

    await shop.db.query(
      `UPDATE \`${orderDb}\`.orders SET updated_at = UTC_TIMESTAMP(3) - INTERVAL 5 MINUTE WHERE id = ?`,
      [cartId],
    );
    const taken = await shopper.checkout();
    assert.equal(taken.status, 201, JSON.stringify(taken.body));
    assert.equal(taken.body.result.id, cartId);
  });
});

describe('the order total limit', () => {
  // No request can reach it while product-service caps prices at 10,000,000 cents (the
  // largest cart is 5 × 10^11 cents): checkout's guard is tested on its own.
  const require = createRequire(import.meta.url);
  const { orderTotalCents } = require(path.join(REPO_ROOT, 'services/order/dist/domain/checkout.js')) as {
    orderTotalCents(lines: Array<{ quantity: number; unit_price_cents: number }>): number;
  };
  const { MAX_ORDER_TOTAL_CENTS } = require(path.join(REPO_ROOT, 'services/order/dist/db/models.js')) as {
    MAX_ORDER_TOTAL_CENTS: number;
  };

  test('a total a JS number holds exactly is accepted; one beyond is a clear 409, never a rounded total', () => {
    assert.equal(MAX_ORDER_TOTAL_CENTS, Number.MAX_SAFE_INTEGER);
    assert.equal(orderTotalCents([{ quantity: 1000, unit_price_cents: 10_000_000 }]), 10_000_000_000);
    assert.equal(
      orderTotalCents([{ quantity: 1, unit_price_cents: Number.MAX_SAFE_INTEGER }]),
      Number.MAX_SAFE_INTEGER,
    );
    // 50 lines of 1000 at 200 billion cents each: 10^16 cents, beyond 2^53.
    const huge = Array.from({ length: 50 }, () => ({ quantity: 1000, unit_price_cents: 200_000_000_000 }));
    for (const lines of [
      huge,
      [
        { quantity: 1, unit_price_cents: Number.MAX_SAFE_INTEGER },
        { quantity: 1, unit_price_cents: 1 },
      ],
    ]) {
      assert.throws(
        () => orderTotalCents(lines),
        (err: { status?: number; reason?: string; message?: string }) =>
          err.status === 409 && err.reason === 'order_total_limit' && /too large/.test(err.message ?? ''),
      );
    }
  });
});

describe('reservations left by earlier attempts', () => {
  // What product-service may hold under `order-<id>` when a previous checkout attempt timed
  // out after its reservation went through: the test plays that lost attempt directly.
  const reserveAs = (cartId: number, items: Array<{ product_id: number; quantity: number }>) =>
    call(shop.product.url, 'POST', '/api/products/reserve', {
      apiKey: INTERNAL_TOKEN, // the service credential order-service presents
      body: { order_ref: `order-${cartId}`, items },
    });

  test('the same items: checkout reuses the reservation and takes the stock once', async () => {
    const { shopper } = await newShopper();
    const cartId = (await shopper.add(laptop.id, 1)).body.result.id;
    const stockBefore = (await productNow(shop.product.url, laptop.id)).stock;
    assert.equal((await reserveAs(cartId, [{ product_id: laptop.id, quantity: 1 }])).status, 200);

    const placed = await shopper.checkout();
    assert.equal(placed.status, 201, JSON.stringify(placed.body));
    assert.equal((await productNow(shop.product.url, laptop.id)).stock, stockBefore - 1);
  });

  test('other items (the cart changed since): it is released and replaced by the current cart', async () => {
    const { shopper } = await newShopper();
    const cartId = (await shopper.add(laptop.id, 1)).body.result.id;
    const laptopBefore = (await productNow(shop.product.url, laptop.id)).stock;
    const mouseBefore = (await productNow(shop.product.url, mouse.id)).stock;
    assert.equal((await reserveAs(cartId, [{ product_id: mouse.id, quantity: 2 }])).status, 200);

    const placed = await shopper.checkout();
    assert.equal(placed.status, 201, JSON.stringify(placed.body));
    assert.deepEqual(
      placed.body.result.items.map((i: { product_id: number; quantity: number }) => [i.product_id, i.quantity]),
      [[laptop.id, 1]],
    );
    assert.equal((await productNow(shop.product.url, laptop.id)).stock, laptopBefore - 1);
    assert.equal(
      (await productNow(shop.product.url, mouse.id)).stock,
      mouseBefore,
      'the stale reservation was released',
    );
  });
});

describe('bad input', () => {
  test('every bad request is a 4xx with a message and changes nothing', async () => {
    const { account, shopper } = await newShopper('badinput');
    await shopper.add(laptop.id, 1);
    const cartBefore = (await shopper.cart()).body.result;
    const rowsBefore = await storedOrders(shop.db, shop.order, account.user.id);
    const stockBefore = (await productNow(shop.product.url, laptop.id)).stock;

    const json = (body: unknown) => ({ apiKey: shopper.apiKey, body });
    const raw = (rawBody: string, contentType = 'application/json') => ({
      apiKey: shopper.apiKey,
      rawBody,
      headers: { 'content-type': contentType },
    });
    const cases: Array<[string, string, string, Parameters<typeof call>[3], number, string?]> = [
      ['malformed JSON', 'POST', '/api/order/add-item', raw('{"product_id": 1,'), 400],
      ['a JSON array', 'POST', '/api/order/add-item', raw('[1, 2]'), 400],
      ['a JSON string', 'POST', '/api/order/add-item', raw('"product"'), 400],
      ['an empty object', 'POST', '/api/order/add-item', json({}), 400, 'product_id'],
      ['a text body', 'POST', '/api/order/add-item', raw(`product_id=${laptop.id}`, 'text/plain'), 400, 'product_id'],
      ['product_id text', 'POST', '/api/order/add-item', json({ product_id: 'laptop' }), 400, 'product_id'],
      ['product_id negative', 'POST', '/api/order/add-item', json({ product_id: -1 }), 400, 'product_id'],
      ['product_id zero', 'POST', '/api/order/add-item', json({ product_id: 0 }), 400, 'product_id'],
      ['product_id fractional', 'POST', '/api/order/add-item', json({ product_id: 1.5 }), 400, 'product_id'],
      ['product_id boolean', 'POST', '/api/order/add-item', json({ product_id: true }), 400, 'product_id'],
      ['product_id null', 'POST', '/api/order/add-item', json({ product_id: null }), 400, 'product_id'],
      ['product_id huge', 'POST', '/api/order/add-item', json({ product_id: 2 ** 53 }), 400, 'product_id'],
      ['product_id object', 'POST', '/api/order/add-item', json({ product_id: { $gt: 0 } }), 400, 'product_id'],
      ['quantity zero', 'POST', '/api/order/add-item', json({ product_id: laptop.id, quantity: 0 }), 400, 'quantity'],
      [
        'quantity negative',
        'POST',
        '/api/order/add-item',
        json({ product_id: laptop.id, quantity: -3 }),
        400,
        'quantity',
      ],
      [
        'quantity too big',
        'POST',
        '/api/order/add-item',
        json({ product_id: laptop.id, quantity: 1001 }),
        400,
        'quantity',
      ],
      [
        'quantity text',
        'POST',
        '/api/order/add-item',
        json({ product_id: laptop.id, quantity: 'lots' }),
        400,
        'quantity',
      ],
      [
        'quantity fractional',
        'POST',
        '/api/order/add-item',
        json({ product_id: laptop.id, quantity: 2.5 }),
        400,
        'quantity',
      ],
      ['unknown product', 'POST', '/api/order/add-item', json({ product_id: 999_999 }), 404],
      ['body over 64 kB', 'POST', '/api/order/add-item', json({ product_id: laptop.id, pad: 'x'.repeat(70_000) }), 413],
      ['line over the limit', 'POST', '/api/order/add-item', json({ product_id: laptop.id, quantity: 1000 }), 409],
      ['set quantity without a body', 'PUT', `/api/order/item/${laptop.id}`, json({}), 400, 'quantity'],
      ['set quantity negative', 'PUT', `/api/order/item/${laptop.id}`, json({ quantity: -1 }), 400, 'quantity'],
      ['set quantity too big', 'PUT', `/api/order/item/${laptop.id}`, json({ quantity: 1001 }), 400, 'quantity'],
      ['set quantity fractional', 'PUT', `/api/order/item/${laptop.id}`, json({ quantity: 1.5 }), 400, 'quantity'],
      ['set quantity text', 'PUT', `/api/order/item/${laptop.id}`, json({ quantity: 'two' }), 400, 'quantity'],
      ['set quantity malformed JSON', 'PUT', `/api/order/item/${laptop.id}`, raw('{"quantity": '), 400],
      ['set quantity non-numeric id', 'PUT', '/api/order/item/abc', json({ quantity: 1 }), 404],
      ['set quantity not in cart', 'PUT', `/api/order/item/${mouse.id}`, json({ quantity: 1 }), 404],
      ['remove non-numeric', 'DELETE', '/api/order/remove-item/abc', { apiKey: shopper.apiKey }, 404],
      ['remove negative', 'DELETE', '/api/order/remove-item/-1', { apiKey: shopper.apiKey }, 404],
      ['remove fractional', 'DELETE', '/api/order/remove-item/1.5', { apiKey: shopper.apiKey }, 404],
      ['remove not in cart', 'DELETE', `/api/order/remove-item/${mouse.id}`, { apiKey: shopper.apiKey }, 404],
      ['remove unknown product', 'DELETE', '/api/order/remove-item/999999', { apiKey: shopper.apiKey }, 404],
      ['checkout with malformed JSON', 'POST', '/api/order/checkout', raw('{oops'), 400],
      ['order non-numeric', 'GET', '/api/orders/abc', { apiKey: shopper.apiKey }, 404],
      ['order zero', 'GET', '/api/orders/0', { apiKey: shopper.apiKey }, 404],
      ['order beyond int', 'GET', '/api/orders/99999999999', { apiKey: shopper.apiKey }, 404],
      ['order exponent', 'GET', '/api/orders/1e3', { apiKey: shopper.apiKey }, 404],
      ['order absent', 'GET', '/api/orders/987654', { apiKey: shopper.apiKey }, 404],
      ['the cart is not an order', 'GET', `/api/orders/${cartBefore.id}`, { apiKey: shopper.apiKey }, 404],
      ['history limit zero', 'GET', '/api/orders?limit=0', { apiKey: shopper.apiKey }, 400, 'limit'],
      ['history limit text', 'GET', '/api/orders?limit=all', { apiKey: shopper.apiKey }, 400, 'limit'],
      ['history offset negative', 'GET', '/api/orders?offset=-1', { apiKey: shopper.apiKey }, 400, 'offset'],
      ['unknown route', 'POST', '/api/order/nothing-here', json({}), 404],
      ['wrong method', 'PUT', '/api/order', json({}), 404],
    ];
    for (const [what, method, path, options, status, field] of cases) {
      const res = await call(shop.order.url, method, path, options);
      assert.equal(res.status, status, `${what}: ${res.status} ${JSON.stringify(res.body)}`);
      assert.equal(typeof res.body?.message, 'string', `${what}: a {message} body`);
      if (field) assert.equal(typeof res.body.details?.fields?.[field], 'string', `${what}: names the field ${field}`);
    }

    assert.deepEqual((await shopper.cart()).body.result, cartBefore);
    assert.deepEqual(await storedOrders(shop.db, shop.order, account.user.id), rowsBefore);
    assert.equal((await productNow(shop.product.url, laptop.id)).stock, stockBefore);
    assert.equal(shop.order.exitCode, null);
  });
});

describe('authentication', () => {
  const endpoints: Array<[string, string, unknown?]> = [
    ['GET', '/api/order'],
    ['POST', '/api/order/add-item', { product_id: 1, quantity: 1 }],
    ['PUT', '/api/order/item/1', { quantity: 1 }],
    ['DELETE', '/api/order/remove-item/1'],
    ['POST', '/api/order/checkout'],
    ['GET', '/api/orders'],
    ['GET', '/api/orders/1'],
  ];

  test('no key, a malformed key or an unknown key is a 401 on every endpoint', async () => {
    const headers: Array<Record<string, string>> = [
      {},
      { authorization: 'Bearer' },
      { authorization: 'Bearer short' },
      { authorization: 'Token abcdefghijklmnopqrstuvwxyz' },
      { authorization: 'Bearer abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG' }, // well-formed, unknown
    ];
    for (const [method, path, body] of endpoints) {
      for (const header of headers) {
        const res = await call(shop.order.url, method, path, { headers: header, body });
        assert.equal(res.status, 401, `${method} ${path} with ${JSON.stringify(header)}: ${res.status}`);
        assert.equal(typeof res.body.message, 'string');
      }
    }
  });

  test('a revoked key is refused at checkout at once, and everywhere within seconds', async () => {
    const { shopper } = await newShopper();
    await shopper.add(laptop.id, 1);
    const logout = await call(shop.user.url, 'POST', '/api/user/logout', { apiKey: shopper.apiKey });
    assert.equal(logout.status, 200);
    assert.equal((await shopper.checkout()).status, 401, 'checkout always asks user-service');
    // Other endpoints may reuse a positive answer for a few seconds, no longer.
    const deadline = Date.now() + 8_000;
    let status = 0;
    while (Date.now() < deadline) {
      status = (await shopper.cart()).status;
      if (status === 401) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    assert.equal(status, 401);
  });

  test("someone else's order is a 404, exactly like a missing one", async () => {
    const alice = await newShopper('alice');
    const bob = await newShopper('bob');
    await alice.shopper.add(laptop.id, 1);
    const order = (await alice.shopper.checkout()).body.result;

    const stolen = await bob.shopper.order(order.id);
    const missing = await bob.shopper.order(order.id + 100_000);
    assert.equal(stolen.status, 404);
    assert.equal(missing.status, 404);
    assert.equal(
      stolen.body.message.replace(String(order.id), 'N'),
      missing.body.message.replace(String(order.id + 100_000), 'N'),
    );
    assert.deepEqual((await bob.shopper.orders()).body.results, []);
    // Bob's cart is his own.
    assert.deepEqual((await bob.shopper.cart()).body.result.items, []);
    assert.equal((await bob.shopper.remove(laptop.id)).status, 404);
  });
});
