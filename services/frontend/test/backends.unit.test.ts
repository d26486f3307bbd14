/**
 * The web shop against misbehaving backends, in-process: the app built as main.ts builds
 * it, its three backends played by stub servers. Whatever a backend answers — a 5xx,
 * garbage, the wrong shape, a 409 of a reason the shop does not know — the shopper gets a
 * page (a 503 naming what is unavailable), never a 500 or a crash; and each outcome is
 * read from `details.reason` alone.
 */
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { createLogger, DependencyError, ServiceClient } from '@shopscope/common';
import { StubUpstream } from '../../common/test/support/stub-upstream.ts';
import { buildApp } from '../dist/app.js';
import { OrderApi, ProductApi, UserApi } from '../dist/clients/index.js';
import { readConfig } from '../dist/config.js';

const logger = createLogger('frontend', 'silent');
const product = {
  id: 1,
  name: 'Laptop Pro',
  slug: 'laptop-pro',
  description: 'A laptop',
  price_cents: 129_900,
  currency: 'EUR',
  stock: 5,
  image: '/static/images/products/laptop-pro.svg',
};

let users: StubUpstream;
let products: StubUpstream;
let orders: StubUpstream;
let shop: { url: string; close(): Promise<void> };

before(async () => {
  [users, products, orders] = await Promise.all([StubUpstream.start(), StubUpstream.start(), StubUpstream.start()]);
  const config = readConfig({
    USER_SERVICE_URL: users.url,
    PRODUCT_SERVICE_URL: products.url,
    ORDER_SERVICE_URL: orders.url,
    SESSION_SECRET: 'unit-test-session-secret-0123456789',
  });
  const { app } = buildApp({ config, logger });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  shop = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
});

after(async () => {
  await shop?.close();
  await Promise.all([users, products, orders].map((stub) => stub?.stop()));
});

async function page(path: string): Promise<{ status: number; html: string }> {
  const res = await fetch(`${shop.url}${path}`);
  return { status: res.status, html: await res.text() };
}

describe('the catalogue page when product-service misbehaves', () => {
  test('a good answer is a page listing the products', async () => {
    products.respond(() => ({ status: 200, json: { results: [product], total: 1 } }));
    const { status, html } = await page('/');
    assert.equal(status, 200);
    assert.match(html, /Laptop Pro/);
  });

  const broken: Array<[string, Parameters<StubUpstream['respond']>[0]]> = [
    ['a 500', () => ({ status: 500, json: { message: 'Internal error' } })],
    ['a 503', () => ({ status: 503, json: { message: 'Database unavailable, try again shortly' } })],
    ['garbage instead of JSON', () => ({ status: 200, text: '<html>proxy error</html>' })],
    ['JSON of the wrong shape', () => ({ status: 200, json: { results: [{ id: 'one' }] } })],
    ['JSON without its results', () => ({ status: 200, json: {} })],
    ['a status its contract does not have', () => ({ status: 418, json: { message: 'teapot' } })],
  ];
  for (const [what, answer] of broken) {
    test(`${what}: a 503 page naming the catalogue, not a 500`, async () => {
      products.respond(answer);
      const { status, html } = await page('/');
      assert.equal(status, 503);
      assert.match(html, /The catalogue is unavailable right now/);
    });
  }

  test('a product page of a product that is not there is a 404 page', async () => {
    products.respond(() => ({ status: 404, json: { message: 'Product not found' } }));
    assert.equal((await page('/product/no-such-thing')).status, 404);
  });
});

describe('OrderApi reads 409s by details.reason', () => {
  const api = () => new OrderApi(new ServiceClient('order-service', orders.url));
  const conflict =
    (reason: string, details: Record<string, unknown> = {}) =>
    () => ({
      status: 409,
      json: { message: 'whatever the wording', details: { ...details, reason } },
    });

  test('cart_limit, with or without in_cart, and already_in_progress', async () => {
    orders.respond(conflict('cart_limit', { max: 1000, in_cart: 999, product_id: 1 }));
    assert.deepEqual(await api().addItem('key', 1, 2), { ok: false, reason: 'cart_limit', max: 1000, inCart: 999 });
    orders.respond(conflict('cart_limit', { max: 50 }));
    assert.deepEqual(await api().addItem('key', 1, 2), { ok: false, reason: 'cart_limit', max: 50, inCart: undefined });
    // Details that look like a limit do not make a limit: the reason decides.
    orders.respond(conflict('already_in_progress', { max: 1000 }));
    assert.deepEqual(await api().addItem('key', 1, 2), { ok: false, reason: 'busy' });
  });

  test('a 409 whose reason add-to-cart cannot have is the backend misbehaving: a DependencyError (503)', async () => {
    orders.respond(conflict('empty_cart'));
    await assert.rejects(api().addItem('key', 1, 2), DependencyError);
    orders.respond(() => ({ status: 409, json: { message: 'no reason at all' } }));
    await assert.rejects(api().addItem('key', 1, 2), DependencyError);
  });

  test('setQuantity: the cart, not_in_cart (404), invalid (400), busy (409 already_in_progress), else a DependencyError', async () => {
    const cart = { id: 3, status: 'open', items: [], item_count: 0, total_cents: 0, currency: 'EUR' };
    let seen: { method?: string; path?: string; body?: string } = {};
    orders.respond((req) => {
      seen = { method: req.method, path: req.path, body: req.body };
      return { status: 200, json: { result: cart } };
    });
    assert.deepEqual(await api().setQuantity('key', 4, 0), { ok: true, cart });
    assert.deepEqual(seen, { method: 'PUT', path: '/api/order/item/4', body: '{"quantity":0}' });
    orders.respond(() => ({ status: 404, json: { message: 'Product 4 is not in your cart' } }));
    assert.deepEqual(await api().setQuantity('key', 4, 1), { ok: false, reason: 'not_in_cart' });
    orders.respond(() => ({ status: 400, json: { message: 'Invalid', details: { fields: { quantity: 'x' } } } }));
    assert.deepEqual(await api().setQuantity('key', 4, 1), { ok: false, reason: 'invalid' });
    orders.respond(conflict('already_in_progress'));
    assert.deepEqual(await api().setQuantity('key', 4, 1), { ok: false, reason: 'busy' });
    orders.respond(conflict('cart_limit', { max: 1000 }));
    await assert.rejects(api().setQuantity('key', 4, 1), DependencyError);
  });

  test('checkout refusals: out_of_stock with its product, empty_cart, already_in_progress, anything else', async () => {
    orders.respond(conflict('out_of_stock', { name: 'Laptop Pro', available: 0, requested: 1, product_id: 1 }));
    assert.deepEqual(await api().checkout('key'), {
      ok: false,
      reason: 'out_of_stock',
      name: 'Laptop Pro',
      available: 0,
    });
    orders.respond(conflict('out_of_stock'));
    assert.deepEqual(await api().checkout('key'), { ok: false, reason: 'other' });
    orders.respond(conflict('empty_cart'));
    assert.deepEqual(await api().checkout('key'), { ok: false, reason: 'empty_cart' });
    orders.respond(conflict('already_in_progress', { order_id: 7 }));
    assert.deepEqual(await api().checkout('key'), { ok: false, reason: 'in_progress' });
    orders.respond(conflict('order_total_limit', { max_total_cents: 1 }));
    assert.deepEqual(await api().checkout('key'), { ok: false, reason: 'other' });
  });

  test('a cart of the wrong shape is a DependencyError; an empty cart (id null) is a cart', async () => {
    orders.respond(() => ({ status: 200, json: { result: { id: 1, items: 'none' } } }));
    await assert.rejects(api().cart('key'), DependencyError);
    const empty = { id: null, status: 'open', items: [], item_count: 0, total_cents: 0, currency: 'EUR' };
    orders.respond(() => ({ status: 200, json: { result: empty } }));
    assert.deepEqual(await api().cart('key'), empty);
  });

  test('a 401 ends the session (session_expired), whatever the call', async () => {
    orders.respond(() => ({ status: 401, json: { message: 'Invalid or revoked API key' } }));
    await assert.rejects(api().orders('key'), (err: { reason?: string; status?: number }) => {
      return err.status === 401 && err.reason === 'session_expired';
    });
  });
});

describe('UserApi and ProductApi', () => {
  test('a throttled login says how long to wait, from details.retry_after_seconds', async () => {
    const api = new UserApi(new ServiceClient('user-service', users.url));
    users.respond(() => ({
      status: 429,
      json: { message: 'Too many failed logins', details: { reason: 'throttled', retry_after_seconds: 42.2 } },
    }));
    assert.deepEqual(await api.login('ann', 'x'), {
      ok: false,
      reason: 'throttled',
      fields: {},
      retryAfterSeconds: 43,
    });
    users.respond(() => ({ status: 429, json: { message: 'Too many failed logins' } }));
    assert.equal(((await api.login('ann', 'x')) as { retryAfterSeconds: number }).retryAfterSeconds, 60);
  });

  test('a login answer without its key is a DependencyError, not a session without a key', async () => {
    const api = new UserApi(new ServiceClient('user-service', users.url));
    users.respond(() => ({ status: 200, json: { result: { user: { id: 1 } } } }));
    await assert.rejects(api.login('ann', 'secret-password'), DependencyError);
  });

  test('registration refusals keep only the text of each refused field', async () => {
    const api = new UserApi(new ServiceClient('user-service', users.url));
    users.respond(() => ({
      status: 400,
      json: { message: 'Invalid request', details: { fields: { email: 'must be a valid email address' } } },
    }));
    const registration = { username: 'ann', email: 'x', password: 'p', first_name: 'A', last_name: 'B' };
    assert.deepEqual(await api.register(registration), {
      ok: false,
      reason: 'invalid',
      fields: { email: 'must be a valid email address' },
    });
  });

  test('pictures of cart lines are decoration: a catalogue outage or nonsense gives placeholders', async () => {
    const client = new ServiceClient('product-service', products.url, 300);
    products.respond(() => ({ status: 200, json: { results: [product], total: 1 } }));
    assert.deepEqual(
      [...(await new ProductApi(client, logger).linksFor([1, 1]))],
      [[1, { slug: 'laptop-pro', image: product.image }]],
    );
    for (const answer of [{ status: 500, json: {} }, { status: 200, text: 'garbage' }, 'hang' as const]) {
      products.respond(() => answer);
      assert.equal((await new ProductApi(client, logger).linksFor([1])).size, 0);
    }
  });

  test('slugs and pictures seen in the last minute are not asked for again; the others are, in one call', async () => {
    const client = new ServiceClient('product-service', products.url, 300);
    const other = { ...product, id: 2, slug: 'webcam-hd', image: '/static/images/products/webcam-hd.svg' };
    products.respond(() => ({ status: 200, json: { results: [product], total: 1 } }));
    const api = new ProductApi(client, logger);
    await api.list();
    products.respond(() => ({ status: 200, json: { results: [other], total: 1 } }));
    const asked = products.requests.length;
    const links = await api.linksFor([1, 2]);
    assert.deepEqual(
      [...links].sort(([a], [b]) => a - b),
      [
        [1, { slug: 'laptop-pro', image: product.image }],
        [2, { slug: 'webcam-hd', image: other.image }],
      ],
    );
    assert.deepEqual(
      products.requests.slice(asked).map((r) => r.path),
      ['/api/products?ids=2'],
      'only the product not seen is asked for',
    );
    await api.linksFor([1, 2]);
    assert.equal(products.requests.length, asked + 1, 'both remembered now');

    const forgetful = new ProductApi(client, logger, 0);
    await forgetful.linksFor([2]);
    await forgetful.linksFor([2]);
    assert.equal(products.requests.length, asked + 3, 'with no time to live, every call asks');
  });
});
