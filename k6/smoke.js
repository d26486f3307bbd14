// Smoke test: one virtual user checks that every page and every API endpoint answers as
// documented (docs/api.md), the expected refusals included (404, 403, 401, 409). Run it
// first, after every change: if smoke fails, a load test would only measure the failure.
// Its requests are the journeys smoke-health, smoke-pages, web-purchase, api-purchase and
// smoke-refusals of lib/journeys.json.
//
//   docker compose --profile k6 run --rm k6 run /k6/smoke.js
//
// Thresholds: no failed request, every check passes, no 5xx, and each step within its p95
// budget (lib/journeys.json). Environment: VUS (1), DURATION (30s), THINK_TIME,
// LATENCY_FACTOR, TESTID; ADMIN_USERNAME and ADMIN_PASSWORD (the seed's admin / admin123)
// for GET /api/users.
import { group } from 'k6';
import { envString } from './lib/config.js';
import { expectThat } from './lib/http.js';
import { buyOnTheWeb, buyThroughTheApi, runJourney, think } from './lib/journeys.js';
import { buildOptions, constantLoad } from './lib/options.js';
import { STEPS } from './lib/steps.js';

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
  // Unset variables leave the journey's defaults (the seed's admin account).
  const { vars } = runJourney('smoke-setup', {
    adminUsername: envString('ADMIN_USERNAME', undefined),
    adminPassword: envString('ADMIN_PASSWORD', undefined),
  });
  if (typeof vars.adminKey !== 'string') {
    throw new Error('the admin account cannot log in: set ADMIN_USERNAME and ADMIN_PASSWORD');
  }
  return { adminKey: vars.adminKey };
}

/** @param {{ adminKey: string }} data */
export default function ({ adminKey }) {
  group('every service is alive and ready', () => {
    runJourney('smoke-health');
  });

  group('pages a visitor sees', () => {
    runJourney('smoke-pages');
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
    runJourney('smoke-refusals', { adminKey });
  });
  think();
}
