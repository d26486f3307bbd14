/**
 * The real services answer what their contracts say: every endpoint of the contracts'
 * endpoint table (services/contracts/src/openapi.ts, the source of docs/openapi.json) is
 * called on the running user-, product- and order-service, each success is parsed with
 * its schema — strictly, so a field the contract does not list fails too — and each
 * error body with ErrorBody, its `details.reason` one of the contracts' reasons wherever
 * the status must carry one (409, 429, 503). The last test fails when an endpoint of the
 * table was not exercised, so the table cannot grow untested.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ErrorBody, endpoints, errorReasons } from '@shopscope/contracts';
import type { z } from 'zod';
import { loginAdmin, signUp, uniqueUsername } from '../../tools/stack/accounts.ts';
import { call, type JsonResponse } from './harness/http.ts';
import { INTERNAL_TOKEN } from './harness/services.ts';
import { type Backend, startBackend } from './harness/shop.ts';

let shop: Backend;
let adminKey: string;
/** `METHOD path-template status` of every answer checked against its contract. */
const seen = new Set<string>();

before(async () => {
  shop = await startBackend();
  adminKey = await loginAdmin(shop.user.url);
});

after(async () => {
  await shop?.stop();
});

type Service = 'user' | 'product' | 'order';

/** The endpoint of the table a concrete path belongs to (`/api/orders/7` → `/api/orders/{id}`). */
function endpointOf(method: string, path: string) {
  const bare = path.split('?')[0] ?? path;
  const found = endpoints.find(
    (e) => e.method === method.toLowerCase() && new RegExp(`^${e.path.replace(/\{\w+\}/g, '[^/]+')}$`).test(bare),
  );
  assert.ok(found, `${method} ${bare} is not in the contracts' endpoint table`);
  return found;
}

/** Strict parse: an answer with a field its schema does not list is a contract breach too. */
function strictly(schema: z.ZodType, body: unknown, where: string): void {
  const parsed = schema.safeParse(body);
  assert.ok(parsed.success, `${where}: ${parsed.success ? '' : parsed.error.message}\n${JSON.stringify(body)}`);
  assert.deepEqual(parsed.data, body, `${where}: fields the contract does not list`);
}

/** Calls one endpoint and checks the answer against the contract; returns it for the flow. */
async function checked(
  service: Service,
  method: string,
  path: string,
  expected: number,
  options: { body?: unknown; apiKey?: string } = {},
): Promise<JsonResponse> {
  const res = await call(shop[service].url, method, path, options);
  const where = `${method} ${path}`;
  assert.equal(res.status, expected, `${where}: ${JSON.stringify(res.body)}`);
  const endpoint = endpointOf(method, path);
  const success = endpoint.ok[res.status];
  if (success) {
    strictly(success, res.body, where);
  } else {
    assert.ok(endpoint.errors.includes(res.status), `${where}: ${res.status} is not among the contract's errors`);
    const error = ErrorBody.safeParse(res.body);
    assert.ok(error.success, `${where}: not an error body: ${JSON.stringify(res.body)}`);
    if ([409, 429, 503].includes(res.status)) {
      const reason = (res.body as { details?: { reason?: string } }).details?.reason;
      assert.ok(
        (errorReasons as readonly string[]).includes(reason ?? ''),
        `${where}: ${res.status} without a known details.reason (${reason})`,
      );
    }
  }
  seen.add(`${endpoint.method.toUpperCase()} ${endpoint.path} ${res.status}`);
  return res;
}

describe('user-service answers its contracts', () => {
  test('sign-up, login, the caller, exists, the admin list, logout', async () => {
    const username = uniqueUsername('contract');
    const registration = {
      username,
      email: `${username}@example.test`,
      password: 'contract-pass-1',
      first_name: 'C',
      last_name: 'T',
    };
    await checked('user', 'POST', '/api/user/create', 201, { body: registration });
    await checked('user', 'POST', '/api/user/create', 409, { body: registration });
    await checked('user', 'POST', '/api/user/create', 400, { body: { ...registration, email: 'nope' } });
    const login = await checked('user', 'POST', '/api/user/login', 200, {
      body: { username, password: registration.password },
    });
    await checked('user', 'POST', '/api/user/login', 401, { body: { username, password: 'wrong-password' } });
    const apiKey = login.body.api_key as string;
    await checked('user', 'GET', '/api/user', 200, { apiKey });
    await checked('user', 'GET', `/api/user/${username}/exists`, 200);
    await checked('user', 'GET', `/api/user/${uniqueUsername('nobody')}/exists`, 404);
    await checked('user', 'GET', '/api/users?limit=5', 200, { apiKey: adminKey });
    await checked('user', 'GET', '/api/users', 403, { apiKey });
    await checked('user', 'POST', '/api/user/logout', 200, { apiKey });
    await checked('user', 'GET', '/api/user', 401, { apiKey });
  });
});

describe('product-service answers its contracts', () => {
  test('list, one product, create, and the internal stock endpoints', async () => {
    await checked('product', 'GET', '/api/products?limit=3', 200);
    await checked('product', 'GET', '/api/products?ids=1,2', 200);
    await checked('product', 'GET', '/api/product/1', 200);
    await checked('product', 'GET', '/api/product/laptop-pro', 200);
    await checked('product', 'GET', '/api/product/no-such-product', 404);
    const name = `Contract lamp ${process.pid}-${Date.now()}`;
    const created = await checked('product', 'POST', '/api/product/create', 201, {
      apiKey: adminKey,
      body: { name, price_cents: 1999, stock: 3 },
    });
    await checked('product', 'POST', '/api/product/create', 409, {
      apiKey: adminKey,
      body: { name, price_cents: 1999, stock: 3 },
    });
    const productId = created.body.result.id as number;
    const ref = `contract-${process.pid}-${Date.now()}`;
    const internal = (path: string, expected: number, body: unknown) =>
      checked('product', 'POST', path, expected, { apiKey: INTERNAL_TOKEN, body });
    await internal('/api/products/reserve', 200, { order_ref: ref, items: [{ product_id: productId, quantity: 2 }] });
    await internal('/api/products/reserve', 409, {
      order_ref: `${ref}-short`,
      items: [{ product_id: productId, quantity: 2 }],
    });
    await internal('/api/products/confirm', 200, { order_ref: ref });
    await internal('/api/products/release', 200, { order_ref: ref });
    await internal('/api/products/confirm', 409, { order_ref: ref });
    await internal('/api/products/release', 404, { order_ref: `${ref}-never` });
  });
});

describe('order-service answers its contracts', () => {
  test('the cart, checkout and the order history', async () => {
    const { apiKey } = await signUp(shop.user.url, 'contract');
    await checked('order', 'GET', '/api/order', 200, { apiKey });
    await checked('order', 'GET', '/api/order/count', 200, { apiKey });
    await checked('order', 'POST', '/api/order/checkout', 409, { apiKey });
    await checked('order', 'POST', '/api/order/add-item', 200, { apiKey, body: { product_id: 1, quantity: 1 } });
    await checked('order', 'POST', '/api/order/add-item', 200, { apiKey, body: { product_id: 2, quantity: 2 } });
    await checked('order', 'POST', '/api/order/add-item', 404, { apiKey, body: { product_id: 999_999, quantity: 1 } });
    await checked('order', 'POST', '/api/order/add-item', 409, { apiKey, body: { product_id: 1, quantity: 1000 } });
    await checked('order', 'PUT', '/api/order/item/2', 200, { apiKey, body: { quantity: 1 } });
    await checked('order', 'PUT', '/api/order/item/2', 400, { apiKey, body: { quantity: -1 } });
    await checked('order', 'PUT', '/api/order/item/999999', 404, { apiKey, body: { quantity: 1 } });
    await checked('order', 'DELETE', '/api/order/remove-item/2', 200, { apiKey });
    await checked('order', 'DELETE', '/api/order/remove-item/2', 404, { apiKey });
    const placed = await checked('order', 'POST', '/api/order/checkout', 201, { apiKey });
    await checked('order', 'GET', '/api/orders', 200, { apiKey });
    await checked('order', 'GET', `/api/orders/${placed.body.result.id}`, 200, { apiKey });
    await checked('order', 'GET', '/api/orders/999999', 404, { apiKey });
    await checked('order', 'GET', '/api/order', 401);
  });
});

test('every endpoint of the contracts was called and its success answer checked', () => {
  const missing = endpoints
    .filter((e) => !Object.keys(e.ok).some((status) => seen.has(`${e.method.toUpperCase()} ${e.path} ${status}`)))
    .map((e) => `${e.method.toUpperCase()} ${e.path}`);
  assert.deepEqual(missing, []);
});
