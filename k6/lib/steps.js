// Every kind of request the scenarios send, with its latency budget, and the journeys they
// are made of: all of it is data, in journeys.json (the journey book), which the Node driver
// of the stack tests (tools/stack/journeys.ts) runs against a live shop too. This module
// reads it once per virtual user, in the init context.
//
// A step's name is the `name` tag of its requests: the service and the route as that
// service's own telemetry names it (the `http_route` label of its metrics and spans), so a
// slow step on the k6 dashboard ("p95 duration by request name") leads straight to the
// service dashboard and to the traces in Jaeger for the same route. Grouping by route also
// keeps URLs with ids (/orders/42) down to one series each.
//
// `p95` is the budget in milliseconds for the 95th percentile of that step's
// http_req_duration, for the compose stack on a laptop under the scenario's load. Each
// scenario turns the budgets of the steps it uses into thresholds (lib/options.js), which
// LATENCY_FACTOR scales for slower machines. Registering and logging in hash the password
// with scrypt on purpose (slow by design), and a checkout crosses all four services, so
// they get more time than a page that reads the catalogue.
import { stepsOf } from './book.js';

/**
 * The journey book. `import.meta.resolve` makes the path relative to this file, whichever
 * scenario imports it (a bare relative path in open() is not, in every k6 version).
 * @type {import('./book.js').JourneyBook}
 */
export const BOOK = JSON.parse(open(import.meta.resolve('./journeys.json')));

/** Every kind of request, by key: `{ name, p95 }`. */
export const STEPS = BOOK.steps;

/** The steps of the web shop's purchase journey (`web-purchase`), in order. */
export const WEB_JOURNEY_STEPS = stepsOf(BOOK, 'web-purchase');

/** The steps of the same journey through the JSON APIs (`api-purchase`), in order. */
export const API_JOURNEY_STEPS = stepsOf(BOOK, 'api-purchase');
