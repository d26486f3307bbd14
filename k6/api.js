// The same journey as journey.js through the backend JSON APIs (docs/api.md), as a script
// or a mobile app would: create the account at user-service, log in for an API key, read
// the catalogue at product-service, fill the cart at order-service, check out, read the
// order back, log out (the key is revoked). No frontend, no HTML, no CSRF: compare its
// traces and latencies with journey.js to see what the web layer costs.
//
//   docker compose --profile k6 run --rm k6 run /k6/api.js
//
// Thresholds: under 1% failed requests, over 99% checks passed, each step within its p95
// budget, and at least one order placed. Environment: VUS (2), DURATION (1m), THINK_TIME,
// LATENCY_FACTOR, TESTID.
import { expectThat } from './lib/http.js';
import { buyThroughTheApi, think } from './lib/journeys.js';
import { buildOptions, constantLoad } from './lib/options.js';
import { API_JOURNEY_STEPS } from './lib/steps.js';

export const options = buildOptions({
  scenario: 'api',
  load: constantLoad({ vus: 2, duration: '1m' }),
  steps: API_JOURNEY_STEPS,
  thresholds: { orders_placed: ['count>0'] },
});

export default function () {
  expectThat('the API journey ends with the order read back', buyThroughTheApi());
  think();
}
