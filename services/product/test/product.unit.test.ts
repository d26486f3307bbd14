/**
 * product-service without its database.
 *
 * The pure rules: how a slug is made from a name and what a slug may look like
 * (src/domain/catalogue.ts), that a search for `%` or `_` finds those characters
 * (escapeLike), that a reservation's items are merged per product in lock order
 * (src/domain/reservations.ts, mergeItems), and that the public view of a product is the
 * contracts' Product and nothing more (src/domain/views.ts).
 *
 * The HTTP app in-process, on a database that is never connected, with user-service played
 * by a stub: the answers given before the database is touched. Creating a product needs an
 * administrator's key (401 without or with a refused key, 403 for a shopper, 503 naming
 * user-service when it fails). The internal stock endpoints open only to the service
 * credential: 401 with a WWW-Authenticate challenge without it, 415 for a form-encoded
 * body even with it, 503 when no credential is configured (fail closed); a malformed JSON
 * body is a 400.
 */
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { createDatabase, createLogger } from '@shopscope/common';
import { Product as ProductContract } from '@shopscope/contracts';
import { StubUpstream } from '../../common/test/support/stub-upstream.ts';
import { buildApp } from '../dist/app.js';
import { readConfig } from '../dist/config.js';
import { initModels } from '../dist/db/models.js';
import { escapeLike, SLUG, slugify } from '../dist/domain/catalogue.js';
import { mergeItems } from '../dist/domain/reservations.js';
import { toPublicProduct } from '../dist/domain/views.js';

const logger = createLogger('product', 'silent');
const TOKEN = 'internal-token-0123456789abcdef';
const shopper = {
  id: 3,
  username: 'ann',
  email: 'ann@example.com',
  first_name: 'Ann',
  last_name: 'Lee',
  is_admin: false,
  created_at: '2024-01-02T03:04:05.000Z',
};
const newProduct = JSON.stringify({ name: 'Desk Lamp', price_cents: 2500, stock: 3 });

let users: StubUpstream;
/** The app with INTERNAL_TOKEN set, and one without it. */
let service: { url: string; close(): Promise<void> };
let unconfigured: { url: string; close(): Promise<void> };
const sequelize = createDatabase({ url: 'mysql://u:p@127.0.0.1:9/x', logger });
const models = initModels(sequelize);

async function listen(env: Record<string, string>) {
  const config = readConfig({ DATABASE_URL: 'mysql://u:p@127.0.0.1:9/x', USER_SERVICE_URL: users.url, ...env });
  const { app } = buildApp({ config, logger, database: { sequelize, models } });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

before(async () => {
  users = await StubUpstream.start();
  service = await listen({ INTERNAL_TOKEN: TOKEN });
  unconfigured = await listen({});
});

after(async () => {
  await Promise.all([service?.close(), unconfigured?.close()]);
  await users?.stop();
  await sequelize.close();
});

interface Answer {
  status: number;
  headers: Headers;
  json: { message?: string; details?: Record<string, unknown> };
}

async function post(
  path: string,
  {
    base = service.url,
    authorization,
    body,
    type = 'application/json',
  }: { base?: string; authorization?: string; body?: string; type?: string } = {},
): Promise<Answer> {
  const headers: Record<string, string> = { 'content-type': type };
  if (authorization) headers.authorization = authorization;
  const res = await fetch(`${base}${path}`, { method: 'POST', headers, body: body ?? '{}' });
  return { status: res.status, headers: res.headers, json: (await res.json()) as Answer['json'] };
}

let keys = 0;
const bearerKey = () => `Bearer unit-test-key-${String(++keys).padStart(8, '0')}`;

describe('POST /api/product/create: administrators only', () => {
  test('no key is a 401, without asking user-service', async () => {
    const from = users.requests.length;
    assert.equal((await post('/api/product/create', { body: newProduct })).status, 401);
    assert.equal(users.requests.length, from);
  });

  test('a key user-service refuses is a 401; a shopper (not an admin) a 403', async () => {
    users.respond(() => ({ status: 401, json: { message: 'Invalid or revoked API key' } }));
    assert.equal((await post('/api/product/create', { authorization: bearerKey(), body: newProduct })).status, 401);
    users.respond(() => ({ status: 200, json: { result: shopper } }));
    const refused = await post('/api/product/create', { authorization: bearerKey(), body: newProduct });
    assert.equal(refused.status, 403);
    assert.equal(refused.json.message, 'Administrator access required');
  });

  test('the same shopper key is asked again each time (fresh): a promotion counts at once', async () => {
    users.respond(() => ({ status: 200, json: { result: shopper } }));
    const key = bearerKey();
    const from = users.requests.length;
    await post('/api/product/create', { authorization: key, body: newProduct });
    await post('/api/product/create', { authorization: key, body: newProduct });
    assert.equal(users.requests.length - from, 2);
  });

  for (const [what, answer] of [
    ['a 500', { status: 500, json: { message: 'Internal error' } }],
    ['garbage', { status: 200, text: 'not json at all' }],
  ] as const) {
    test(`user-service answering ${what}: a 503 naming user-service`, async () => {
      users.respond(() => answer);
      const { status, json } = await post('/api/product/create', { authorization: bearerKey(), body: newProduct });
      assert.equal(status, 503);
      assert.match(json.message ?? '', /^user-service unavailable/);
      assert.equal(json.details?.reason, 'dependency_unavailable');
    });
  }
});

describe('internal stock endpoints', () => {
  const reserve = JSON.stringify({ order_ref: 'order-1', items: [{ product_id: 1, quantity: 1 }] });

  test('without the service credential, or with a user key as one: 401 with a WWW-Authenticate challenge', async () => {
    for (const authorization of [undefined, `Bearer ${TOKEN}x`, 'Basic aW50ZXJuYWw6dG9rZW4=', bearerKey()]) {
      for (const path of ['/api/products/reserve', '/api/products/confirm', '/api/products/release']) {
        const { status, headers } = await post(path, { authorization, body: reserve });
        assert.equal(status, 401, `${path} with ${authorization}`);
        assert.equal(headers.get('www-authenticate'), 'Bearer realm="shopscope-internal"');
      }
    }
  });

  test('with the credential, a form-encoded body is a 415', async () => {
    const { status, json } = await post('/api/products/reserve', {
      authorization: `Bearer ${TOKEN}`,
      type: 'application/x-www-form-urlencoded',
      body: 'order_ref=order-1&items=1',
    });
    assert.equal(status, 415);
    assert.match(json.message ?? '', /application\/json/);
  });

  test('with the credential, a body of the wrong shape is a 400 naming its fields', async () => {
    const { status, json } = await post('/api/products/reserve', {
      authorization: `Bearer ${TOKEN}`,
      body: JSON.stringify({ order_ref: 'order 1!', items: [] }),
    });
    assert.equal(status, 400);
    assert.deepEqual(Object.keys((json.details?.fields as object) ?? {}).sort(), ['items', 'order_ref']);
  });

  test('a malformed JSON body is a 400', async () => {
    const { status, json } = await post('/api/products/reserve', {
      authorization: `Bearer ${TOKEN}`,
      body: '{"order_ref":',
    });
    assert.equal(status, 400);
    assert.equal(json.message, 'Malformed JSON body');
  });

  test('without INTERNAL_TOKEN configured the endpoints are closed: 503, even to a would-be token', async () => {
    const { status, json } = await post('/api/products/reserve', {
      base: unconfigured.url,
      authorization: `Bearer ${TOKEN}`,
      body: reserve,
    });
    assert.equal(status, 503);
    assert.equal(json.details?.reason, 'internal_auth_not_configured');
    assert.match(json.message ?? '', /INTERNAL_TOKEN/);
  });
});

describe('slugify and SLUG', () => {
  test('accents dropped, lowercase words joined by single dashes', () => {
    assert.equal(slugify('Caméra 4K Pro'), 'camera-4k-pro');
    assert.equal(slugify('  --Crème brûlée, à la carte!-- '), 'creme-brulee-a-la-carte');
    assert.equal(slugify('ﬁne Ｗｉｄｅ'), 'fine-wide'); // compatibility forms (NFKD)
    // Letters NFKD leaves whole are spelled out, never dropped.
    assert.equal(slugify('Ørsted Straße Fan'), 'orsted-strasse-fan');
    assert.equal(slugify('Œuvre complète Æ Łódź'), 'oeuvre-complete-ae-lodz');
  });

  test('at most 100 characters, never ending in a dash', () => {
    const slug = slugify(`${'a'.repeat(99)} b`);
    assert.equal(slug, 'a'.repeat(99));
    assert.ok(slugify('word '.repeat(40)).length <= 100);
    assert.ok(SLUG.test(slugify('word '.repeat(40))));
  });

  test('a name without usable letters gives no valid slug (the creator must give one)', () => {
    assert.equal(slugify('日本語'), '');
    assert.equal(SLUG.test(slugify('日本語')), false);
    // Digits only would look like an id: refused by SLUG.
    assert.equal(slugify('2024'), '2024');
    assert.equal(SLUG.test('2024'), false);
  });

  test('SLUG accepts lowercase dashed words with a letter, nothing else', () => {
    for (const good of ['laptop-pro', 'a', 'usb-c-2', '4k-camera']) assert.ok(SLUG.test(good), good);
    for (const bad of ['', 'Laptop', 'laptop--pro', '-laptop', 'laptop-', 'lap top', 'lap_top', '12-34', 'café']) {
      assert.equal(SLUG.test(bad), false, bad);
    }
  });
});

describe('escapeLike', () => {
  test('%, _ and the escape character itself are matched literally', () => {
    assert.equal(escapeLike('100%'), '100\\%');
    assert.equal(escapeLike('a_b'), 'a\\_b');
    assert.equal(escapeLike('C:\\dir'), 'C:\\\\dir');
    assert.equal(escapeLike('plain words'), 'plain words');
  });
});

describe('mergeItems', () => {
  test('one line per product, quantities added up, by ascending id (the lock order)', () => {
    assert.deepEqual(
      mergeItems([
        { product_id: 9, quantity: 1 },
        { product_id: 2, quantity: 3 },
        { product_id: 9, quantity: 4 },
        { product_id: 10, quantity: 1 },
      ]),
      [
        { product_id: 2, quantity: 3 },
        { product_id: 9, quantity: 5 },
        { product_id: 10, quantity: 1 },
      ],
    );
    assert.deepEqual(mergeItems([]), []);
  });
});

describe('toPublicProduct', () => {
  const { Product } = models;

  test('is the contracts Product, without the row timestamps', () => {
    const row = Product.build({
      id: 4,
      name: 'Desk Lamp',
      slug: 'desk-lamp',
      description: 'Bright',
      price_cents: 2_500,
      currency: 'EUR',
      stock: 12,
      image: '/static/images/products/desk-lamp.svg',
      created_at: new Date(),
      updated_at: new Date(),
    });
    const view = toPublicProduct(row);
    assert.deepEqual(ProductContract.strict().parse(view), view);
    assert.deepEqual(Object.keys(view).sort(), [
      'currency',
      'description',
      'id',
      'image',
      'name',
      'price_cents',
      'slug',
      'stock',
    ]);
  });
});
