// Bad input: API clients that mostly behave, and every tenth request malformed — broken
// JSON, wrong types, missing fields, a body too large, ids that do not exist, a bad API
// key. A malformed request is the client's mistake: the service must answer it with the
// documented 4xx (400, or 404/401/413/415 where that is the meaning) and NEVER with a 5xx,
// which would page the on-call engineer (HighErrorRate) for someone else's typo. The valid
// requests in between must keep succeeding.
//
//   docker compose --profile k6 run --rm k6 run /k6/bad-input.js
//
// Every request and check is tagged `input` = valid or malformed. Thresholds:
// server_errors count==0 (no 5xx at all), malformed_rejected rate==1 (each malformed
// request got its expected 4xx), malformed_requests count>0, under 1% failed requests (an
// expected 4xx is not a failure: see `expect` in lib/http.js), over 99% checks passed,
// the same two for the valid requests alone, and p95 budgets per step.
// Environment: VUS (2), DURATION (1m), THINK_TIME, LATENCY_FACTOR, TESTID.
import exec from 'k6/execution';
import { Counter, Rate } from 'k6/metrics';
import * as api from './lib/api.js';
import { ORDER_SERVICE_URL, PRODUCT_SERVICE_URL, USER_SERVICE_URL } from './lib/config.js';
import { send } from './lib/http.js';
import { think } from './lib/journeys.js';
import { buildOptions, constantLoad } from './lib/options.js';
import { STEPS } from './lib/steps.js';
import { newShopper } from './lib/users.js';

/** Malformed requests sent, tagged `case` (which kind of mistake). */
const malformedRequests = new Counter('malformed_requests');
/** Share of malformed requests answered with their documented status. */
const malformedRejected = new Rate('malformed_rejected');

const JSON_TYPE = { 'Content-Type': 'application/json' };

/**
 * The malformed requests, one per kind of mistake, each with the status docs/api.md (or
 * the shared error handler, services/common/src/http/app.ts) gives it. `auth` is the
 * virtual user's own API key header, for the endpoints behind a login.
 */
const MALFORMED = [
  {
    case: 'truncated JSON',
    step: STEPS.createUser,
    request: () => ['POST', `${USER_SERVICE_URL}/api/user/create`, { body: '{"username": "k6", "email":', headers: JSON_TYPE }],
    expect: 400,
  },
  {
    case: 'JSON null instead of an object',
    step: STEPS.apiLogin,
    request: () => ['POST', `${USER_SERVICE_URL}/api/user/login`, { body: 'null', headers: JSON_TYPE }],
    expect: 400,
  },
  {
    case: 'JSON array instead of an object',
    step: STEPS.apiLogin,
    request: () => ['POST', `${USER_SERVICE_URL}/api/user/login`, { json: [{ username: 'admin' }] }],
    expect: 400,
  },
  {
    case: 'wrong types',
    step: STEPS.apiLogin,
    request: () => ['POST', `${USER_SERVICE_URL}/api/user/login`, { json: { username: 12345, password: true } }],
    expect: 400,
  },
  {
    case: 'missing fields',
    step: STEPS.createUser,
    request: () => ['POST', `${USER_SERVICE_URL}/api/user/create`, { json: { username: 'k6_missing' } }],
    expect: 400,
  },
  {
    case: 'invalid values',
    step: STEPS.createUser,
    request: () => [
      'POST',
      `${USER_SERVICE_URL}/api/user/create`,
      { json: { username: 'x', email: 'not-an-email', password: 'short', first_name: '', last_name: 'K6' } },
    ],
    expect: 400,
  },
  {
    case: 'oversized body',
    step: STEPS.createUser,
    // 100 kB, over the services' 64 kB body limit.
    request: () => ['POST', `${USER_SERVICE_URL}/api/user/create`, { json: { username: 'k6', bio: 'x'.repeat(100_000) } }],
    expect: 413,
  },
  {
    case: 'unsupported charset',
    step: STEPS.apiLogin,
    request: () => [
      'POST',
      `${USER_SERVICE_URL}/api/user/login`,
      { body: '{}', headers: { 'Content-Type': 'application/json; charset=latin9' } },
    ],
    expect: 415,
  },
  {
    case: 'text body where JSON is expected',
    step: STEPS.apiLogin,
    request: () => ['POST', `${USER_SERVICE_URL}/api/user/login`, { body: 'username=admin', headers: { 'Content-Type': 'text/plain' } }],
    expect: 400,
  },
  {
    case: 'product id that is not a number',
    step: STEPS.addItem,
    request: (auth) => [
      'POST',
      `${ORDER_SERVICE_URL}/api/order/add-item`,
      { json: { product_id: 'laptop', quantity: -1 }, headers: auth },
    ],
    expect: 400,
  },
  {
    case: 'fractional quantity',
    step: STEPS.addItem,
    request: (auth) => ['POST', `${ORDER_SERVICE_URL}/api/order/add-item`, { json: { product_id: 1, quantity: 1.5 }, headers: auth }],
    expect: 400,
  },
  {
    case: 'unknown product in the cart',
    step: STEPS.addItem,
    request: (auth) => [
      'POST',
      `${ORDER_SERVICE_URL}/api/order/add-item`,
      { json: { product_id: 2147483647, quantity: 1 }, headers: auth },
    ],
    expect: 404,
  },
  {
    case: 'unknown product',
    step: STEPS.getProduct,
    request: () => ['GET', `${PRODUCT_SERVICE_URL}/api/product/2147483647`, {}],
    expect: 404,
  },
  {
    case: 'query parameter that is not a number',
    step: STEPS.listProducts,
    request: () => ['GET', `${PRODUCT_SERVICE_URL}/api/products?limit=lots`, {}],
    expect: 400,
  },
  {
    case: 'id list with letters',
    step: STEPS.listProducts,
    request: () => ['GET', `${PRODUCT_SERVICE_URL}/api/products?ids=a,b`, {}],
    expect: 400,
  },
  {
    case: 'reservation with wrong types',
    step: STEPS.reserveStock,
    request: () => ['POST', `${PRODUCT_SERVICE_URL}/api/products/reserve`, { json: { order_ref: 5, items: 'everything' } }],
    expect: 400,
  },
  {
    case: 'unknown order',
    step: STEPS.getOrder,
    request: (auth) => ['GET', `${ORDER_SERVICE_URL}/api/orders/2147483647`, { headers: auth }],
    expect: 404,
  },
  {
    case: 'invalid API key',
    step: STEPS.getCart,
    request: () => ['GET', `${ORDER_SERVICE_URL}/api/order`, { headers: api.bearer('not-a-real-key') }],
    expect: 401,
  },
];

const SEARCHES = ['laptop', 'phone', 'pro', 'camera'];

/**
 * Valid requests, each what a well-behaved client sends; one per iteration, in turn. Each
 * gets the virtual user's account: `{ shopper, apiKey }`.
 */
const VALID = [
  () => api.listProducts(),
  () => api.listProducts({ q: SEARCHES[exec.scenario.iterationInTest % SEARCHES.length] }),
  () => api.getProduct('laptop-pro'),
  ({ apiKey }) => api.getCart(apiKey),
  ({ apiKey }) => {
    // Add one unit and take it out again, so the cart never fills up.
    if (api.addItem(apiKey, 2, 1)) api.removeItem(apiKey, 2);
  },
  ({ apiKey }) => api.listOrders(apiKey),
  ({ shopper }) => send(STEPS.userExists, 'GET', `${USER_SERVICE_URL}/api/user/${shopper.username}/exists`),
  ({ shopper }) => api.logIn(shopper),
];

export const options = buildOptions({
  scenario: 'bad-input',
  load: constantLoad({ vus: 2, duration: '1m' }),
  // The steps of the malformed requests and of the valid ones (and of the account's creation).
  steps: [
    ...new Set([
      ...MALFORMED.map((m) => m.step),
      STEPS.createUser,
      STEPS.apiLogin,
      STEPS.listProducts,
      STEPS.getProduct,
      STEPS.getCart,
      STEPS.addItem,
      STEPS.removeItem,
      STEPS.listOrders,
      STEPS.userExists,
    ]),
  ],
  thresholds: {
    server_errors: ['count==0'],
    malformed_rejected: ['rate==1'],
    malformed_requests: ['count>0'],
    'http_req_failed{input:valid}': ['rate<0.01'],
    'checks{input:valid}': ['rate>0.99'],
  },
});

// The virtual user's own account, created at its first iteration.
let shopper;
let apiKey;

export default function () {
  if (!apiKey) {
    exec.vu.tags.input = 'valid';
    shopper = newShopper('bad');
    if (!api.createUser(shopper)) return;
    apiKey = api.logIn(shopper);
    if (!apiKey) return;
  }
  // Every tenth iteration of the scenario (across all virtual users) sends a malformed
  // request, taking the kinds of mistake in turn so that a short run still sees them all.
  const iteration = exec.scenario.iterationInTest;
  const malformed = iteration % 10 === 9 ? MALFORMED[Math.floor(iteration / 10) % MALFORMED.length] : undefined;
  // A tag of the virtual user applies to everything it records next: requests and checks.
  exec.vu.tags.input = malformed ? 'malformed' : 'valid';
  if (malformed) {
    const [method, url, params] = malformed.request(api.bearer(apiKey));
    const res = send(malformed.step, method, url, { ...params, expect: [malformed.expect], tags: { case: malformed.case } });
    malformedRequests.add(1, { case: malformed.case });
    malformedRejected.add(res.status === malformed.expect, { case: malformed.case });
  } else {
    VALID[iteration % VALID.length]({ shopper, apiKey });
  }
  think();
}
