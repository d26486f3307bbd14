// Load of the ShopScope benchmark (bench/run.ts starts this with the real k6 binary; it is
// not meant to be run by hand, though it can be: every input is an environment variable).
//
// WORKLOAD   api        GET /api/products on product-service (the DB-backed API)
//            catalogue  GET / on the frontend (the catalogue page; frontend → product-service)
//            journey    a signed-in shopper's purchase through the web shop's pages:
//                       catalogue → product page → add to cart (form POST + CSRF) →
//                       cart page → checkout (form POST + CSRF) → thank-you page
// MODE       rate       open model: RATE iterations/s (constant-arrival-rate), so "the same
//                       load" is the same offered rate whatever the services do; at most
//                       VUS iterations in flight (more are dropped, and counted)
//            vus        closed model: VUS virtual users looping without pause, to find the
//                       highest throughput the services reach (peak)
// WARMUP_S   seconds at the start whose iterations are tagged phase=warmup and left out of
//            the measured results; MEASURE_S the seconds after that (phase=measure)
// SUMMARY_FILE  where handleSummary writes k6's end-of-test data as JSON for bench/run.ts
// FRONTEND_URL, PRODUCT_SERVICE_URL, SLUGS (comma-separated product slugs),
// SHOPPERS_FILE  JSON [{username, cookies: {name: value}}] of signed-in shoppers (journey;
//            VU n is shopper n, so VUS must not exceed their number)
import { check } from 'k6';
import { SharedArray } from 'k6/data';
import exec from 'k6/execution';
import http from 'k6/http';
import { Counter, Trend } from 'k6/metrics';

const WORKLOAD = __ENV.WORKLOAD;
const MODE = __ENV.MODE;
const WARMUP_S = Number(__ENV.WARMUP_S);
const MEASURE_S = Number(__ENV.MEASURE_S);
const FRONTEND = __ENV.FRONTEND_URL;
const PRODUCTS = __ENV.PRODUCT_SERVICE_URL;
const SLUGS = (__ENV.SLUGS || '').split(',').filter(Boolean);

if (!['api', 'catalogue', 'journey'].includes(WORKLOAD)) throw new Error(`unknown WORKLOAD ${WORKLOAD}`);
if (!['rate', 'vus'].includes(MODE)) throw new Error(`unknown MODE ${MODE}`);
if (!(WARMUP_S >= 0 && MEASURE_S > 0)) throw new Error('WARMUP_S and MEASURE_S must be set');

// Loaded once, shared read-only by every VU (SharedArray), only for the journey.
const SHOPPERS =
  WORKLOAD === 'journey' ? new SharedArray('shoppers', () => JSON.parse(open(__ENV.SHOPPERS_FILE))) : [];

const journeyDuration = new Trend('journey_duration', true);
const journeysFailed = new Counter('journeys_failed');
// Iterations that did all they set out to (every check passed): throughput counts these,
// since a journey cut short by an error is quicker than a real one.
const iterationsOk = new Counter('iterations_ok');

const duration = `${WARMUP_S + MEASURE_S}s`;
const scenario =
  MODE === 'rate'
    ? {
        executor: 'constant-arrival-rate',
        rate: Number(__ENV.RATE),
        timeUnit: '1s',
        duration,
        // All started before the run (see IN_FLIGHT_S in bench/k6.ts): an iteration is
        // dropped when they are all busy, i.e. when the services do not keep up.
        preAllocatedVUs: Number(__ENV.VUS),
        maxVUs: Number(__ENV.VUS),
        // Iterations still running at the end finish and are counted (up to this long).
        gracefulStop: '30s',
      }
    : { executor: 'constant-vus', vus: Number(__ENV.VUS), duration, gracefulStop: '10s' };

// The thresholds below assert nothing (each always holds): declaring a threshold on a
// sub-metric is how k6 is told to compute that sub-metric for the end-of-test summary,
// here the measured phase only. bench/run.ts reads the numbers and judges them itself.
export const options = {
  scenarios: { [WORKLOAD]: scenario },
  // http_req_failed counts answers outside 200–399 (k6's default); the checks hold each
  // step to its exact status and content. Redirects are not followed: the 303 of each
  // form POST is checked where it points, and the journey loads the thank-you page itself.
  maxRedirects: 0,
  summaryTrendStats: ['avg', 'min', 'med', 'p(95)', 'p(99)', 'max', 'count'],
  thresholds: {
    'http_req_duration{phase:measure}': ['max>=0'],
    'journey_duration{phase:measure}': ['max>=0'],
    'http_reqs{phase:measure}': ['count>=0'],
    'iterations{phase:measure}': ['count>=0'],
    'iterations_ok{phase:measure}': ['count>=0'],
    'journeys_failed{phase:measure}': ['count>=0'],
    'http_req_failed{phase:measure}': ['rate>=0'],
    'checks{phase:measure}': ['rate>=0'],
  },
  // No per-URL series: the frontend's order ids would make one per order.
  systemTags: ['status', 'method', 'name', 'scenario', 'expected_response', 'error_code'],
};

/**
 * The iteration's phase, tagged on its requests and checks. In rate mode, by its scheduled
 * start (iteration n of the scenario starts at n / RATE s), so the measured phase holds
 * exactly MEASURE_S × RATE iterations; k6 also starts one at the very end of the duration,
 * which is left out as "tail". In vus mode, by the time it starts.
 */
function tagPhase() {
  const startS =
    MODE === 'rate' ? exec.scenario.iterationInTest / Number(__ENV.RATE) : (Date.now() - exec.scenario.startTime) / 1000;
  exec.vu.metrics.tags.phase = startS < WARMUP_S ? 'warmup' : startS < WARMUP_S + MEASURE_S ? 'measure' : 'tail';
}

export default function () {
  tagPhase();
  if (WORKLOAD === 'api') productsApi();
  else if (WORKLOAD === 'catalogue') cataloguePage();
  else journey();
}

/** Marks the lines bench/k6.ts picks out of k6's output to say in the report what failed. */
const FAILURE_MARK = 'bench-failure:';
const FAILURES_DESCRIBED_PER_VU = 3;
let failuresDescribed = 0;

/** Every failure is counted by k6; the first few of each VU are also described on stderr. */
function describeFailure(label, res) {
  if (failuresDescribed >= FAILURES_DESCRIBED_PER_VU) return;
  failuresDescribed += 1;
  const body = res.body || '';
  // The web shop's error page says what went wrong in its lead paragraph; the APIs in JSON.
  const said = /<p class="lead">([^<]*)<\/p>/.exec(body)?.[1] ?? body;
  const detail = said.replace(/\s+/g, ' ').slice(0, 160);
  console.warn(`${FAILURE_MARK} ${label}: status ${res.status}${res.error ? ` (${res.error})` : ''}: ${detail}`);
}

/** Checks one answer: its status, and whatever else `content` requires of it. */
function checked(res, label, status, content = () => true) {
  const ok = check(res, { [`${label}: ${status}`]: (r) => r.status === status && content(r.body || '', r) });
  if (!ok) describeFailure(label, res);
  return ok;
}

function productsApi() {
  const res = http.get(`${PRODUCTS}/api/products`, { tags: { name: 'products API' } });
  if (checked(res, 'products API', 200, (body) => body.includes('"results"'))) iterationsOk.add(1);
}

function cataloguePage() {
  const res = http.get(`${FRONTEND}/`, { tags: { name: 'catalogue page' } });
  if (checked(res, 'catalogue page', 200, (body) => body.includes('data-slug='))) iterationsOk.add(1);
}

const CSRF = /name="_csrf" value="([^"]+)"/;

/**
 * One purchase. Each VU is one shopper (VU n ↔ shopper n, so no shopper is ever used by two
 * VUs at once); its session cookies are set at the start of every iteration (k6 empties
 * the jar between iterations), as for a returning visitor whose browser kept the session.
 */
function journey() {
  const shopper = SHOPPERS[(exec.vu.idInTest - 1) % SHOPPERS.length];
  const jar = http.cookieJar();
  for (const [name, value] of Object.entries(shopper.cookies)) jar.set(FRONTEND, name, value);
  const slug = SLUGS[Math.floor(Math.random() * SLUGS.length)];
  const started = Date.now();

  const step = (res, status, label, content) => {
    const ok = checked(res, label, status, content);
    if (!ok) journeysFailed.add(1);
    return ok;
  };

  const catalogue = http.get(`${FRONTEND}/`, { tags: { name: 'catalogue page' } });
  if (!step(catalogue, 200, 'catalogue page', (body) => body.includes('data-slug='))) return;
  const product = http.get(`${FRONTEND}/product/${slug}`, { tags: { name: 'product page' } });
  if (!step(product, 200, 'product page', (body) => CSRF.test(body))) return;
  const added = http.post(
    `${FRONTEND}/product/${slug}`,
    { _csrf: CSRF.exec(product.body)[1], quantity: '1' },
    { tags: { name: 'add to cart' } },
  );
  if (!step(added, 303, 'add to cart', (_, r) => r.headers.Location === `/product/${slug}?added=1`)) return;
  const cart = http.get(`${FRONTEND}/checkout`, { tags: { name: 'cart page' } });
  if (!step(cart, 200, 'cart page', (body) => CSRF.test(body))) return;
  const placed = http.post(
    `${FRONTEND}/checkout/process`,
    { _csrf: CSRF.exec(cart.body)[1] },
    { tags: { name: 'checkout' } },
  );
  const thankYouPath = /^\/order\/thank-you\?id=\d+$/;
  if (!step(placed, 303, 'checkout', (_, r) => thankYouPath.test(r.headers.Location || ''))) return;
  const thanks = http.get(`${FRONTEND}${placed.headers.Location}`, { tags: { name: 'thank-you page' } });
  if (!step(thanks, 200, 'thank-you page', (body) => body.includes('data-testid="order-placed"'))) return;
  journeyDuration.add(Date.now() - started);
  iterationsOk.add(1);
}

export function handleSummary(data) {
  return { [__ENV.SUMMARY_FILE]: JSON.stringify(data) };
}
