// Spike test: a quiet shop (VUS virtual users) suddenly hit by many more (SPIKE_VUS), as
// when a newsletter goes out, then quiet again. Stages: RAMP up to VUS, QUIET at VUS, RAMP
// up to SPIKE_VUS, DURATION at the peak, RAMP back to VUS, QUIET again, RAMP to 0. Mostly
// browsing (80%), some buying (15% web, 5% API). The questions: do errors appear at the
// peak, how far does p95 climb, and does the shop recover once the spike has passed (the
// last quiet stage should look like the first)? Alerts such as HighLatencyP95 may fire.
//
//   docker compose --profile k6 run --rm k6 run /k6/spike.js
//   docker compose --profile k6 run --rm k6 run -e SPIKE_VUS=100 -e DURATION=2m /k6/spike.js
//
// Thresholds: a spike may slow the shop down but must not break it: under 5% failed
// requests, over 95% checks passed, each step within 3 times its p95 budget.
// Environment: VUS (2), SPIKE_VUS (50), RAMP (10s), DURATION (1m), QUIET (30s), or STAGES
// for a shape of your own; THINK_TIME, LATENCY_FACTOR, TESTID.
import { envNumber, envString } from './lib/config.js';
import { mixedTraffic, think } from './lib/journeys.js';
import { buildOptions, rampingLoad } from './lib/options.js';
import { API_JOURNEY_STEPS, WEB_JOURNEY_STEPS } from './lib/steps.js';

const base = envNumber('VUS', 2);
const peak = envNumber('SPIKE_VUS', 50);
const ramp = envString('RAMP', '10s');
const hold = envString('DURATION', '1m');
const quiet = envString('QUIET', '30s');

export const options = buildOptions({
  scenario: 'spike',
  load: rampingLoad(
    [
      `${ramp}:${base}`,
      `${quiet}:${base}`,
      `${ramp}:${peak}`,
      `${hold}:${peak}`,
      `${ramp}:${base}`,
      `${quiet}:${base}`,
      `${ramp}:0`,
    ].join(','),
  ),
  steps: [...WEB_JOURNEY_STEPS, ...API_JOURNEY_STEPS],
  latencyFactor: 3,
  maxErrorRate: 0.05,
  minChecksRate: 0.95,
});

export default function () {
  mixedTraffic({ browse: 0.8, web: 0.15, api: 0.05 });
  think();
}
