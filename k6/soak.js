// Soak test: a moderate, constant load for a long time (30 minutes by default), the same
// mix of visitors as load.js. What it finds does not show in a short test: memory that
// grows and never comes back (the services' memory panels), connection pools or file
// handles that run out, a database table that slows down as it fills, latency that creeps
// up. Compare the first and the last minutes on the dashboards.
//
//   docker compose --profile k6 run --rm k6 run /k6/soak.js
//   docker compose --profile k6 run --rm k6 run -e VUS=10 -e DURATION=2h /k6/soak.js
//
// Thresholds: as load.js. Environment: VUS (5), DURATION (30m), THINK_TIME, LATENCY_FACTOR,
// TESTID.
import { mixedTraffic, think } from './lib/journeys.js';
import { buildOptions, constantLoad } from './lib/options.js';
import { API_JOURNEY_STEPS, WEB_JOURNEY_STEPS } from './lib/steps.js';

export const options = buildOptions({
  scenario: 'soak',
  load: constantLoad({ vus: 5, duration: '30m' }),
  steps: [...WEB_JOURNEY_STEPS, ...API_JOURNEY_STEPS],
});

export default function () {
  mixedTraffic();
  think();
}
