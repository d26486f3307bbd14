// Smoke test: one virtual user checks that every page and every API endpoint answers as
// documented (docs/api.md), the expected refusals included (404, 403, 401, 409). Run it
// first, after every change: if smoke fails, a load test would only measure the failure.
//
//   docker compose --profile k6 run --rm k6 run /k6/smoke.js
//
// Thresholds: no failed request, every check passes, no 5xx, and each step within its p95
// budget (lib/steps.js). Environment: VUS (1), DURATION (30s), THINK_TIME, LATENCY_FACTOR,
// TESTID; ADMIN_USERNAME and ADMIN_PASSWORD (the seed's admin / admin123) for GET /api/users.
import { group } from 'k6';
import * as api from './lib/api.js';
import { envString, FRONTEND_URL, ORDER_SERVICE_URL, PRODUCT_SERVICE_URL, SERVICES, USER_SERVICE_URL } from './lib/config.js';
import { expectThat, jsonBody, redirectTarget, send } from './lib/http.js';
import { buyOnTheWeb, buyThroughTheApi, think } from './lib/journeys.js';
import { buildOptions, constantLoad } from './lib/options.js';
import { STEPS } from './lib/steps.js';
import { newShopper } from './lib/users.js';
import * as web from './lib/web.js';

export const options = buildOptions({
  scenario: 'smoke',
  load: constantLoad({ vus: 1, duration: '30s' }),
  steps: Object.values(STEPS),
  maxErrorRate: 0,
  minChecksRate: 1,
  thresholds: { server_errors: ['count==0'] },
});

/** Once before the virtual users start: the admin's API key, for the admin-only endpoint. */
export function setup() {
  const adminKey = api.logIn({
    username: envString('ADMIN_USERNAME', 'admin'),
    password: envString('ADMIN_PASSWORD', 'admin123'),
  });
  if (!adminKey) throw new Error('the admin account cannot log in: set ADMIN_USERNAME and ADMIN_PASSWORD');
  return { adminKey };
}

export default function ({ adminKey }) {
  group('every service is alive and ready', () => {
    for (const url of Object.values(SERVICES)) {
      send(STEPS.healthz, 'GET', `${url}/healthz`);
      send(STEPS.readyz, 'GET', `${url}/readyz`);
    }
  });

  group('pages a visitor sees', () => {
    const slugs = web.browseCatalogue();
    web.browseCatalogue('laptop');
    if (slugs) web.openProduct(slugs[0]);
    const missing = send(STEPS.productPage, 'GET', `${FRONTEND_URL}/product/no-such-product`, { expect: [404] });
    expectThat('an unknown product shows the not-found page', missing.body?.includes('<html'));
    const cart = send(STEPS.cartPage, 'GET', `${FRONTEND_URL}/checkout`, { expect: [303] });
    expectThat('the cart asks a visitor to sign in', redirectTarget(cart)?.startsWith('/login?'));
    const french = send(STEPS.language, 'GET', `${FRONTEND_URL}/lang/fr?next=%2F`, { expect: [303] });
    expectThat('the language switch goes back to the page', redirectTarget(french) === '/');
    send(STEPS.language, 'GET', `${FRONTEND_URL}/lang/en?next=%2F`, { expect: [303] });
    send(STEPS.staticFile, 'GET', `${FRONTEND_URL}/static/css/shop.css`);
    send(STEPS.staticFile, 'GET', `${FRONTEND_URL}/static/images/products/laptop-pro.svg`);
  });
  think();

  group('a purchase through the web shop', () => {
    expectThat('the web journey places an order', buyOnTheWeb());
  });
  think();

  group('a purchase through the APIs', () => {
    expectThat('the API journey places an order', buyThroughTheApi());
  });
  think();

  group('the APIs refuse what they must', () => {
    const shopper = newShopper('smoke');
    if (!api.createUser(shopper)) return;
    const again = send(STEPS.createUser, 'POST', `${USER_SERVICE_URL}/api/user/create`, { json: shopper, expect: [409] });
    expectThat('a taken username is a conflict', jsonBody(again)?.message);
    const key = api.logIn(shopper);
    if (!key) return;
    const auth = api.bearer(key);

    send(STEPS.userExists, 'GET', `${USER_SERVICE_URL}/api/user/${shopper.username}/exists`);
    send(STEPS.userExists, 'GET', `${USER_SERVICE_URL}/api/user/no-such-user-k6/exists`, { expect: [404] });
    send(STEPS.listUsers, 'GET', `${USER_SERVICE_URL}/api/users`, { headers: auth, expect: [403] });
    const users = send(STEPS.listUsers, 'GET', `${USER_SERVICE_URL}/api/users`, { headers: api.bearer(adminKey) });
    expectThat('the admin sees the users', jsonBody(users)?.results?.length > 0);
    send(STEPS.currentUser, 'GET', `${USER_SERVICE_URL}/api/user`, { expect: [401] });

    const found = api.listProducts({ q: 'laptop' });
    const byIds = api.listProducts({ ids: [1, 2, 3] });
    expectThat('products are fetched by id', byIds?.length === 3);
    if (found) api.getProduct(found[0].id);
    send(STEPS.getProduct, 'GET', `${PRODUCT_SERVICE_URL}/api/product/no-such-product`, { expect: [404] });
    send(STEPS.createProduct, 'POST', `${PRODUCT_SERVICE_URL}/api/product/create`, {
      json: { name: 'k6 product', description: 'refused', price_cents: 100, stock: 1 },
      headers: auth,
      expect: [403],
    });
    // Stock reservation is internal (order-service calls it): only answers that change nothing.
    send(STEPS.reserveStock, 'POST', `${PRODUCT_SERVICE_URL}/api/products/reserve`, {
      json: { order_ref: `k6-smoke-${shopper.username}`, items: [{ product_id: 2147483647, quantity: 1 }] },
      expect: [404],
    });
    send(STEPS.releaseStock, 'POST', `${PRODUCT_SERVICE_URL}/api/products/release`, {
      json: { order_ref: `k6-smoke-${shopper.username}` },
      expect: [404],
    });

    send(STEPS.getCart, 'GET', `${ORDER_SERVICE_URL}/api/order`, { expect: [401] });
    send(STEPS.checkout, 'POST', `${ORDER_SERVICE_URL}/api/order/checkout`, { headers: auth, expect: [409] });
    const productId = byIds?.[0]?.id ?? 1;
    api.addItem(key, productId, 1);
    const emptied = api.removeItem(key, productId);
    expectThat('removing the item empties the cart', emptied?.items?.length === 0);
    send(STEPS.removeItem, 'DELETE', `${ORDER_SERVICE_URL}/api/order/remove-item/${productId}`, { headers: auth, expect: [404] });
    expectThat('a new user has no orders', api.listOrders(key)?.length === 0);
    send(STEPS.getOrder, 'GET', `${ORDER_SERVICE_URL}/api/orders/2147483647`, { headers: auth, expect: [404] });
    api.logOut(key);
    send(STEPS.currentUser, 'GET', `${USER_SERVICE_URL}/api/user`, { headers: auth, expect: [401] });
  });
  think();
}
