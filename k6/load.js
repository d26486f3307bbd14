// Load test: the coursework report's stages, ramping from 0 to 10 virtual users over 30 s,
// 10 for a minute, up to 20 over 30 s, then down to 0 over 30 s (2.5 minutes). Each
// iteration is one visitor of a realistic mix: 65% browse the catalogue and product pages,
// 25% register and buy through the web shop, 10% buy through the APIs (lib/journeys.js).
// Watch the service dashboards while it runs: request rate, p95 and saturation rise with
// the virtual users, and the p95 per step here should stay within budget.
//
//   docker compose --profile k6 run --rm k6 run /k6/load.js
//   docker compose --profile k6 run --rm k6 run -e STAGES=1m:20,3m:20,1m:0 /k6/load.js
//
// Thresholds: under 1% failed requests, over 99% checks passed, each step within its p95
// budget (lib/journeys.json). Environment: STAGES, THINK_TIME, LATENCY_FACTOR, TESTID.
import { mixedTraffic, think } from './lib/journeys.js';
import { buildOptions, rampingLoad } from './lib/options.js';
import { API_JOURNEY_STEPS, WEB_JOURNEY_STEPS } from './lib/steps.js';

export const options = buildOptions({
  scenario: 'load',
  load: rampingLoad('30s:10,1m:10,30s:20,30s:0'),
  steps: [...WEB_JOURNEY_STEPS, ...API_JOURNEY_STEPS],
});

export default function () {
  mixedTraffic();
  think();
}
