// Bad input: API clients that mostly behave, and every tenth request malformed — broken
// JSON, wrong types, missing fields, a body too large, ids that do not exist, a bad API
// key. A malformed request is the client's mistake: the service must answer it with the
// documented 4xx (400, or 404/401/413/415 where that is the meaning) and NEVER with a 5xx,
// which would page the on-call engineer (HighErrorRate) for someone else's typo. The valid
// requests in between must keep succeeding. Both kinds are data: the journeys
// bad-input-valid and bad-input-malformed of lib/journeys.json (each malformed request with
// its `case` and expected status), which the stack tests replay from Node too.
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
import { journeyActions, runActions, runJourney, think } from './lib/journeys.js';
import { buildOptions, constantLoad } from './lib/options.js';
import { BOOK } from './lib/steps.js';
import { stepsOf } from './lib/book.js';

/** Malformed requests sent, tagged `case` (which kind of mistake). */
const malformedRequests = new Counter('malformed_requests');
/** Share of malformed requests answered with their documented status. */
const malformedRejected = new Rate('malformed_rejected');

/** One malformed request per kind of mistake, each with the status it must get. */
const MALFORMED = journeyActions('bad-input-malformed');
/** The valid requests, one per iteration, in turn. */
const VALID = journeyActions('bad-input-valid');

export const options = buildOptions({
  scenario: 'bad-input',
  load: constantLoad({ vus: 2, duration: '1m' }),
  // The steps of the account's creation, of the valid requests and of the malformed ones.
  steps: stepsOf(BOOK, 'bad-input'),
  thresholds: {
    server_errors: ['count==0'],
    malformed_rejected: ['rate==1'],
    malformed_requests: ['count>0'],
    'http_req_failed{input:valid}': ['rate<0.01'],
    'checks{input:valid}': ['rate>0.99'],
  },
});

/**
 * The virtual user's own account (`shopper`, `apiKey`), created at its first iteration.
 * @type {import('./lib/book.js').Vars | undefined}
 */
let account;

export default function () {
  if (!account) {
    exec.vu.metrics.tags.input = 'valid';
    const created = runJourney('bad-input-account');
    if (!created.ok) return;
    account = created.vars;
  }
  // Every tenth iteration of the scenario (across all virtual users) sends a malformed
  // request, taking the kinds of mistake in turn so that a short run still sees them all.
  const iteration = exec.scenario.iterationInTest;
  const malformed = iteration % 10 === 9 ? MALFORMED[Math.floor(iteration / 10) % MALFORMED.length] : undefined;
  // A tag of the virtual user applies to everything it records next: requests and checks.
  exec.vu.metrics.tags.input = malformed ? 'malformed' : 'valid';
  if (malformed && 'case' in malformed) {
    const { ok } = runActions('bad-input-malformed', [malformed], account);
    malformedRequests.add(1, { case: String(malformed.case) });
    malformedRejected.add(ok, { case: String(malformed.case) });
  } else {
    const valid = VALID[iteration % VALID.length];
    if (valid) runActions('bad-input-valid', [valid], account);
  }
  think();
}
