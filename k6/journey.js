// The full user journey through the web shop, as a browser does it: each virtual user is a
// new shopper who
//   1. opens the registration page and posts the form (with the page's CSRF token), which
//   2. signs them in (the session cookie goes into the VU's jar),
//   3. browses the catalogue and opens one or two products,
//   4. adds them to the cart with each product page's form,
//   5. opens the cart and places the order,
//   6. sees the thank-you page of the new order, then finds it in the order history,
//   7. signs out.
// Every step is checked (status, redirect target, what the page shows); the steps are the
// journey web-purchase of lib/journeys.json, run by lib/journeys.js. One checkout trace
// in Jaeger then crosses all four services.
//
//   docker compose --profile k6 run --rm k6 run /k6/journey.js
//
// Thresholds: under 1% failed requests, over 99% checks passed, each step within its p95
// budget, and at least one order placed. Environment: VUS (2), DURATION (1m), THINK_TIME,
// LATENCY_FACTOR, TESTID.
import { expectThat } from './lib/http.js';
import { buyOnTheWeb, think } from './lib/journeys.js';
import { buildOptions, constantLoad } from './lib/options.js';
import { WEB_JOURNEY_STEPS } from './lib/steps.js';

export const options = buildOptions({
  scenario: 'journey',
  load: constantLoad({ vus: 2, duration: '1m' }),
  steps: WEB_JOURNEY_STEPS,
  thresholds: { orders_placed: ['count>0'] },
});

export default function () {
  expectThat('the web journey ends with the order in the history', buyOnTheWeb());
  think();
}
