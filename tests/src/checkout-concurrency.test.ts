/**
 * Checkout under concurrency, against the real services and database: the same cart
 * checked out twice at once, many shoppers racing for scarce stock, and one shopper
 * filling a cart from several requests at once.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { loginAdmin, signUp } from '../../tools/stack/accounts.ts';
import { call } from './harness/http.ts';
import { type CatalogueProduct, catalogue, databaseOf, productNow, Shopper, storedOrders } from './harness/orders.ts';
import { type Backend, startBackend } from './harness/shop.ts';

let shop: Backend;
let laptop: CatalogueProduct;

before(async () => {
  shop = await startBackend();
  [laptop] = await catalogue(shop.product.url);
});

after(async () => {
  await shop?.stop();
});

async function newShopper(prefix: string) {
  const account = await signUp(shop.user.url, prefix);
  return { account, shopper: new Shopper(shop.order.url, account.apiKey) };
}

/** A new product with little stock, created through product-service's admin API. */
async function scarceProduct(stock: number): Promise<CatalogueProduct> {
  const adminKey = await loginAdmin(shop.user.url);
  const res = await call(shop.product.url, 'POST', '/api/product/create', {
    apiKey: adminKey,
    body: {
      name: `Limited edition ${Date.now()}`,
      description: 'Only a few made.',
      price_cents: 4_999,
      stock,
    },
  });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body.result;
}

test('the same cart checked out twice at once gives exactly one order and takes the stock once', async () => {
  for (let round = 0; round < 3; round++) {
    const { account, shopper } = await newShopper('twice');
    await shopper.add(laptop.id, 2);
    const stockBefore = (await productNow(shop.product.url, laptop.id)).stock;

    const answers = await Promise.all([shopper.checkout(), shopper.checkout()]);
    const statuses = answers.map((a) => a.status).sort();
    assert.deepEqual(statuses, [201, 409], JSON.stringify(answers.map((a) => a.body)));
    const refused = answers.find((a) => a.status === 409);
    // The loser either saw the checkout in progress or, if it came a moment later, an empty cart.
    assert.match(refused?.body.message, /in progress|empty/i);

    const placed = (await shopper.orders()).body.results;
    assert.equal(placed.length, 1);
    const rows = await storedOrders(shop.db, shop.order, account.user.id);
    assert.deepEqual(
      rows.orders.map((o) => [o.status, o.open_user_id]),
      [['placed', null]],
      'one order row, placed, no longer anyone’s cart',
    );
    assert.equal((await productNow(shop.product.url, laptop.id)).stock, stockBefore - 2);
  }
});

test('N shoppers racing for stock < N: exactly `stock` orders, the rest 409, stock never negative', async () => {
  const stock = 3;
  const shoppers = 8;
  const product = await scarceProduct(stock);
  const racers = await Promise.all(Array.from({ length: shoppers }, (_, i) => newShopper(`racer${i}`)));
  for (const { shopper } of racers) assert.equal((await shopper.add(product.id, 1)).status, 200);

  const answers = await Promise.all(racers.map(({ shopper }) => shopper.checkout()));

  const placed = answers.filter((a) => a.status === 201);
  const refused = answers.filter((a) => a.status === 409);
  assert.equal(placed.length, stock, JSON.stringify(answers.map((a) => [a.status, a.body.message])));
  assert.equal(refused.length, shoppers - stock);
  for (const answer of refused) {
    // The 409 names the product that is short.
    assert.match(answer.body.message, new RegExp(product.name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
    assert.equal(answer.body.details?.product_id, product.id);
  }
  assert.equal((await productNow(shop.product.url, product.id)).stock, 0);

  // Losers keep their cart, open, to change it or try again later.
  const orderDb = databaseOf(shop.order);
  const rows = await shop.db.query<Array<{ status: string; n: number }>>(
    `SELECT o.status, COUNT(*) AS n FROM \`${orderDb}\`.orders o
       JOIN \`${orderDb}\`.order_items i ON i.order_id = o.id
      WHERE i.product_id = ? GROUP BY o.status ORDER BY o.status`,
    [product.id],
  );
  assert.deepEqual(
    rows.map((r) => [r.status, Number(r.n)]),
    [
      ['open', shoppers - stock],
      ['placed', stock],
    ],
  );
  for (const [i, answer] of answers.entries()) {
    if (answer.status !== 409) continue;
    const cart = (await racers[i].shopper.cart()).body.result;
    assert.equal(cart.status, 'open');
    assert.deepEqual(
      cart.items.map((item: { product_id: number; quantity: number }) => [item.product_id, item.quantity]),
      [[product.id, 1]],
    );
  }
});

test('one shopper adding from several requests at once gets one cart holding every unit', async () => {
  const { account, shopper } = await newShopper('burst');
  const products = await catalogue(shop.product.url);
  const adds = [...products.slice(0, 4), ...products.slice(0, 4)].map((product) => shopper.add(product.id, 1));
  const answers = await Promise.all(adds);
  assert.deepEqual(
    answers.map((a) => a.status),
    answers.map(() => 200),
    JSON.stringify(answers.map((a) => a.body)),
  );

  const rows = await storedOrders(shop.db, shop.order, account.user.id);
  assert.equal(rows.orders.length, 1, 'one cart, however the requests interleave');
  assert.deepEqual(
    rows.items.map((item) => item.quantity),
    [2, 2, 2, 2],
  );
  const cart = (await shopper.cart()).body.result;
  assert.equal(cart.item_count, 8);
});

test('many shoppers adding to their own new carts at once: every add succeeds, InnoDB never deadlocks', async () => {
  // New carts get neighbouring ids, so under REPEATABLE READ the locking read of each one's
  // still missing line took a gap lock over the same gap of order_items' index, and the
  // inserts that followed deadlocked one another (seen as 503s on add-to-cart under load).
  const deadlocks = async () => {
    const [row] = await shop.db.query<Array<{ Value: string }>>("SHOW GLOBAL STATUS LIKE 'Innodb_deadlocks'");
    return Number(row?.Value);
  };
  const products = await catalogue(shop.product.url);
  const before = await deadlocks();
  assert.ok(Number.isFinite(before), 'the server counts its deadlocks');
  for (let round = 0; round < 3; round++) {
    const shoppers = await Promise.all(Array.from({ length: 16 }, (_, i) => newShopper(`crowd${round}x${i}`)));
    const answers = await Promise.all(
      shoppers.map(({ shopper }, i) => shopper.add((products[i % 2] as CatalogueProduct).id, 1)),
    );
    assert.deepEqual(
      answers.map((a) => a.status),
      answers.map(() => 200),
      JSON.stringify(answers.filter((a) => a.status !== 200).map((a) => a.body)),
    );
  }
  assert.equal((await deadlocks()) - before, 0, 'no transaction was chosen as a deadlock victim');
});
