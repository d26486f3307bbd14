/**
 * The coursework's k6 scenarios (k6/*.js), proven without k6 (AGPL: this project neither
 * builds nor runs it; learners run the grafana/k6 image in compose). Their requests are
 * data, the journey book k6/lib/journeys.json, and the decisions of running it (order,
 * values, checks) are k6/lib/book.js, which the k6 scripts and the Node journey driver
 * (journeys.ts) share. So:
 *
 * - statically: every step is named `<service> <METHOD> <route>` after a route that the
 *   service's Express routers declare (services/<service>/src, and services/common for the
 *   routes every service serves), every request of every journey fits its step (method,
 *   path against the route, service), every journey and step the k6 scripts (and the
 *   benchmark) name exists in the book, bad-input's malformed requests each expect their
 *   documented 4xx, and the scenarios' options (k6/lib/options.js, plain JavaScript run here
 *   with k6's __ENV stood in) keep their defaults, overrides and error messages. A planted
 *   bad route in a copy of the book shows the route check failing;
 * - live, on the native stack (native-stack.ts): every journey of the book run for real by
 *   the driver — smoke (every page and endpoint, the refusals included), the purchase on the
 *   web shop and through the APIs, browsing, the signed-in purchase the benchmark drives,
 *   bad-input (each malformed request gets its 4xx, and the services' own HTTP metrics show
 *   no new 5xx), load.js's mixed traffic — then order-service's
 *   `shopscope_orders_placed_total` equals the orders the driver counted; and a negative
 *   control: smoke fails while product-service fails every request.
 *
 *   scripts/ci/build-tools.sh && npm run build
 *   node --test --test-concurrency=1 tests/stack/journeys.test.ts   # Node 24; about 2 minutes
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { Agent } from 'undici';
import { includedJourneys, parseStepName, requestActions, SERVICE_NAMES, stepsOf } from '../../k6/lib/book.js';
import type { ServiceName } from '../../k6/lib/book.js';
import { signedInShopper } from '../../tools/stack/frontend-client.ts';
import { uniqueUsername } from '../../tools/stack/accounts.ts';
import { call } from '../src/harness/http.ts';
import {
  type JourneyBook,
  loadJourneyBook,
  type RequestInfo,
  runJourney,
  runMixedTraffic,
  type ShopUrls,
  shopUrls,
} from '../../tools/stack/journeys.ts';
import { readRepoFile, repoPath } from '../../tools/stack/repo.ts';
import { ADMIN_TOKEN, METRIC_EXPORT_INTERVAL_MS, NativeStack, until } from '../../tools/stack/native-stack.ts';
import { PrometheusApi } from '../../tools/stack/stack-api.ts';

const started = Date.now();
function note(message: string): void {
  process.stderr.write(`# [journeys +${((Date.now() - started) / 1000).toFixed(1)} s] ${message}\n`);
}

const book = loadJourneyBook();

// ---------------------------------------------------------------------------------------
// Routes, as the services declare them.
// ---------------------------------------------------------------------------------------

const SERVICE_DIRS: Record<ServiceName, string> = {
  frontend: 'frontend',
  'user-service': 'user',
  'product-service': 'product',
  'order-service': 'order',
};

interface DeclaredRoute {
  /** GET, POST…; ANY for a mount (`app.use(prefix, …)`). */
  method: string;
  path: string;
  file: string;
}

/** The TypeScript sources of a service (tests left out). */
function sourcesOf(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.test.ts') && !file.endsWith('.d.ts'))
    .map((file) => path.join(dir, file));
}

/** `const CART_PAGE = '/checkout'`: string constants that are paths. */
const PATH_CONSTANT = /\bconst\s+([A-Za-z_$][\w$]*)\s*=\s*(['"])(\/[^'"]*)\2/g;
/**
 * `router.get('/orders/:id', …)`, `app.get('/healthz', …)`, `router.get(CART_PAGE, …)`,
 * `app.use(STATIC_PREFIX, …)`: how the services declare their routes (an Express Router per
 * file of routes/, mounted on the app without a prefix; the shared ones in services/common).
 */
const DECLARATION =
  /\b(?:router|app)\s*\.\s*(get|post|put|delete|patch|use)\s*\(\s*(?:(['"])([^'"]*)\2|([A-Za-z_$][\w$]*)\s*,)/g;

/** The routes declared in the sources under `dir` (a service's src, or services/common/src). */
function declaredRoutes(dir: string): DeclaredRoute[] {
  const files = sourcesOf(dir).map((file) => ({
    file: path.relative(repoPath(), file),
    text: readFileSync(file, 'utf8'),
  }));
  const constants = new Map<string, string>();
  for (const { text } of files) for (const m of text.matchAll(PATH_CONSTANT)) constants.set(m[1]!, m[3]!);
  const routes: DeclaredRoute[] = [];
  for (const { file, text } of files) {
    for (const m of text.matchAll(DECLARATION)) {
      const target = m[3] ?? constants.get(m[4] ?? '');
      if (!target?.startsWith('/')) continue;
      const method = m[1]!.toUpperCase();
      routes.push(
        method === 'USE'
          ? { method: 'ANY', path: `${target.replace(/\/$/, '')}/*`, file }
          : { method, path: target, file },
      );
    }
  }
  return routes;
}

/** Every service's routes (its own and those of services/common), and the common ones alone. */
function routeTable(servicesDir: string = repoPath('services')): {
  common: DeclaredRoute[];
  of: Record<ServiceName, DeclaredRoute[]>;
} {
  const common = declaredRoutes(path.join(servicesDir, 'common/src'));
  const of = Object.fromEntries(
    SERVICE_NAMES.map((service) => [
      service,
      [...declaredRoutes(path.join(servicesDir, SERVICE_DIRS[service], 'src')), ...common],
    ]),
  ) as Record<ServiceName, DeclaredRoute[]>;
  return { common, of };
}

/** `/api/orders/:id` → a regular expression its concrete paths match. */
function routePattern(route: string): RegExp {
  const segments = route.split('/').map((segment) => {
    if (segment === '*') return '.+';
    if (segment.startsWith(':')) return '[^/]+';
    return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  });
  return new RegExp(`^${segments.join('/')}$`);
}

/**
 * What is wrong with a journey book against the services' routes: steps whose name is not
 * `<service> <METHOD> <route>` or whose route the service does not declare, and requests
 * that do not fit their step (unknown step, another method, a path the route does not
 * match, a missing or needless service), unknown included journeys.
 */
function bookProblems(journeyBook: JourneyBook, routes = routeTable()): string[] {
  const problems: string[] = [];
  for (const [key, step] of Object.entries(journeyBook.steps)) {
    const parsed = parseStepName(step.name);
    if (!parsed) {
      problems.push(
        `step ${key}: "${step.name}" is not "<service> <METHOD> <route>" (or "<METHOD> <route>" for every service)`,
      );
      continue;
    }
    const declared = parsed.service ? routes.of[parsed.service] : routes.common;
    const where = parsed.service
      ? `services/${SERVICE_DIRS[parsed.service]}/src or services/common/src`
      : 'services/common/src';
    if (!declared.some((r) => (r.method === parsed.method || r.method === 'ANY') && r.path === parsed.route)) {
      problems.push(`step ${key}: "${step.name}": no route ${parsed.method} ${parsed.route} in ${where}`);
    }
    if (!(step.p95 > 0)) problems.push(`step ${key}: p95 budget ${step.p95}`);
  }
  for (const [name, journey] of Object.entries(journeyBook.journeys)) {
    for (const included of includedJourneys(journey.actions)) {
      if (!journeyBook.journeys[included]) problems.push(`journey ${name}: includes the unknown journey "${included}"`);
    }
    for (const action of requestActions(journey.actions)) {
      const what = `journey ${name}: ${action.method} ${action.path}`;
      const step = journeyBook.steps[action.step];
      const parsed = step && parseStepName(step.name);
      if (!step || !parsed) {
        problems.push(`${what}: unknown or misnamed step "${action.step}"`);
        continue;
      }
      if (action.method !== parsed.method) problems.push(`${what}: step "${step.name}" is a ${parsed.method}`);
      const concrete = action.path.split('?')[0]!.replace(/\{[^}]+\}/g, 'x');
      if (!routePattern(parsed.route).test(concrete))
        problems.push(`${what}: the path does not match the route of "${step.name}"`);
      if (parsed.service && action.service)
        problems.push(`${what}: "service" is given by the step's name, "${step.name}"`);
      if (!parsed.service && !SERVICE_NAMES.includes(action.service as ServiceName)) {
        problems.push(`${what}: "${step.name}" is a route of every service: say which ("service")`);
      }
    }
  }
  return problems;
}

// ---------------------------------------------------------------------------------------
// Static checks.
// ---------------------------------------------------------------------------------------

describe('the journey book (k6/lib/journeys.json), statically', () => {
  test("the route scan finds the services' routes (or the checks below would check nothing)", () => {
    const routes = routeTable();
    const has = (service: ServiceName, method: string, route: string) =>
      routes.of[service].some((r) => r.method === method && r.path === route);
    assert.ok(has('frontend', 'GET', '/checkout'), 'a route given by a constant (CART_PAGE)');
    assert.ok(has('frontend', 'ANY', '/static/*'), 'a mount (STATIC_PREFIX)');
    assert.ok(has('order-service', 'DELETE', '/api/order/remove-item/:product_id'));
    assert.ok(
      has('user-service', 'GET', '/healthz') && routes.common.some((r) => r.path === '/readyz'),
      'the routes of every service',
    );
    assert.ok(!has('user-service', 'GET', '/api/orders'), "another service's route");
    note(`${Object.values(routes.of).flat().length} routes declared (common ones counted per service)`);
  });

  test('every step is "<service> <METHOD> <route>" with a route its service declares; every request fits its step', () => {
    assert.deepEqual(bookProblems(book), []);
    assert.ok(Object.keys(book.steps).length >= 30);
    const requests = Object.values(book.journeys).flatMap((j) => requestActions(j.actions));
    note(
      `${Object.keys(book.steps).length} steps, ${Object.keys(book.journeys).length} journeys, ${requests.length} requests checked`,
    );
  });

  test('the check fails on a planted bad route (a temporary copy of the book)', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'shopscope-journeys-'));
    try {
      const planted = JSON.parse(JSON.stringify(book)) as JourneyBook;
      planted.steps.ordersPage = { name: 'frontend GET /order-history', p95: 800 };
      const file = path.join(dir, 'journeys.json');
      writeFileSync(file, JSON.stringify(planted, null, 2));
      const problems = bookProblems(loadJourneyBook(file));
      note(`planted "frontend GET /order-history": ${problems.length} problems:\n#   ${problems.join('\n#   ')}`);
      assert.ok(
        problems.some(
          (p) => p.startsWith('step ordersPage:') && p.includes('no route GET /order-history in services/frontend/src'),
        ),
        'the route the services do not declare',
      );
      assert.ok(
        problems.some((p) =>
          p.includes('GET /orders: the path does not match the route of "frontend GET /order-history"'),
        ),
        'the requests of that step no longer fit it',
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('every journey and step the k6 scripts and the benchmark name exists in the book', () => {
    // Read as text (never imported): the scripts, and the benchmark's sources.
    const files = (['k6', 'k6/lib', 'bench'] as const).flatMap((dir) =>
      readdirSync(repoPath(dir))
        .filter((f) => f.endsWith('.js') || (dir === 'bench' && f.endsWith('.ts')))
        .map((f) => path.posix.join(dir, f)),
    );
    const journeys = new Map<string, string>();
    const steps = new Map<string, string>();
    for (const file of files) {
      const text = readRepoFile(file);
      for (const m of text.matchAll(
        /\b(?:runJourney|runActions|journeyActions|stepsOf)\(\s*(?:(?:BOOK|book)\s*,\s*)?'([^']+)'/g,
      )) {
        journeys.set(m[1]!, file);
      }
      // The benchmark names its journey in a constant (bench/workloads.ts).
      for (const m of text.matchAll(/\b[A-Z_]*JOURNEY\s*=\s*'([^']+)'/g)) journeys.set(m[1]!, file);
      for (const m of text.matchAll(/\bSTEPS\.(\w+)|\bSTEPS\[['"]([^'"]+)['"]\]/g)) steps.set(m[1] ?? m[2]!, file);
    }
    assert.ok(journeys.size >= 8, `journeys named by the scripts: ${[...journeys.keys()].join(', ')}`);
    for (const [name, file] of journeys)
      assert.ok(book.journeys[name], `${file} names the journey "${name}", not in the book`);
    for (const [key, file] of steps) assert.ok(book.steps[key], `${file} names STEPS.${key}, not in the book`);
    // And the steps the thresholds list are the journeys' own, in order.
    assert.deepEqual(
      stepsOf(book, 'web-purchase').map((s) => s.name),
      [
        'frontend GET /register',
        'frontend POST /register',
        'frontend GET /',
        'frontend GET /product/:slug',
        'frontend POST /product/:slug',
        'frontend GET /checkout',
        'frontend POST /checkout/process',
        'frontend GET /order/thank-you',
        'frontend GET /orders',
        'frontend GET /orders/:id',
        'frontend POST /logout',
      ],
    );
    assert.equal(stepsOf(book, 'api-purchase').length, 11);
    note(`journeys named: ${[...journeys].map(([j, f]) => `${j} (${f})`).join(', ')}`);
  });

  test("bad-input's malformed requests: 18 kinds of mistake, each expecting its documented 4xx", () => {
    const malformed = requestActions(book.journeys['bad-input-malformed']!.actions);
    assert.equal(malformed.length, 18);
    assert.equal(new Set(malformed.map((m) => m.case)).size, 18, 'each kind once, named');
    for (const m of malformed) {
      assert.equal(m.expect?.length, 1, `${m.case}: one expected status`);
      assert.ok(m.expect![0]! >= 400 && m.expect![0]! < 500, `${m.case}: a 4xx`);
      assert.equal(m.continue, true, `${m.case}: a refused request does not stop the replay`);
    }
    assert.deepEqual(
      [...new Set(malformed.map((m) => m.expect![0]))].sort(),
      [400, 401, 404, 413, 415],
      'the statuses docs/api.md gives a client mistake',
    );
  });
});

describe("the scenarios options (k6/lib/options.js, with k6's __ENV stood in)", () => {
  const env: Record<string, string> = {};
  let options: any;
  before(async () => {
    // k6 gives scripts their variables in the global __ENV; config.js reads it on every call.
    (globalThis as any).__ENV = env;
    options = await import(pathToFileURL(repoPath('k6/lib/options.js')).href);
  });
  const withEnv = <T>(values: Record<string, string>, fn: () => T): T => {
    Object.assign(env, values);
    try {
      return fn();
    } finally {
      for (const key of Object.keys(values)) delete env[key];
    }
  };
  const scenarioSource = (name: string) => readRepoFile('k6', `${name}.js`);

  test("every scenario is named after its file (the k6 dashboard's Scenario variable); the defaults", () => {
    for (const name of ['smoke', 'load', 'spike', 'soak', 'journey', 'api', 'bad-input']) {
      assert.match(scenarioSource(name), new RegExp(`scenario: '${name}'`), `${name}.js`);
    }
    assert.match(scenarioSource('load'), /rampingLoad\('30s:10,1m:10,30s:20,30s:0'\)/, "the report's stages");
    assert.match(scenarioSource('smoke'), /constantLoad\(\{ vus: 1, duration: '30s' \}\)/);
    assert.match(scenarioSource('soak'), /constantLoad\(\{ vus: 5, duration: '30m' \}\)/);
    assert.match(scenarioSource('smoke'), /server_errors: \['count==0'\]/);
    assert.match(scenarioSource('bad-input'), /server_errors: \['count==0'\]/);
  });

  test('thresholds on errors, checks and the p95 of each step; the testid tag', () => {
    const built = options.buildOptions({
      scenario: 'journey',
      load: options.constantLoad({ vus: 2, duration: '1m' }),
      steps: stepsOf(book, 'web-purchase'),
    });
    assert.deepEqual(built.scenarios, { journey: { executor: 'constant-vus', vus: 2, duration: '1m' } });
    assert.deepEqual(built.tags, { testid: 'journey' });
    assert.deepEqual(built.thresholds.http_req_failed, ['rate<0.01']);
    assert.deepEqual(built.thresholds.checks, ['rate>0.99']);
    const latency = Object.keys(built.thresholds).filter((t) => /^http_req_duration\{name:.+\}$/.test(t));
    assert.equal(latency.length, 11); // one per distinct step of web-purchase (registering signs in: no login steps)
    assert.deepEqual(built.thresholds['http_req_duration{name:frontend POST /checkout/process}'], ['p(95)<1500']);
  });

  test('VUS, DURATION, STAGES, TESTID and LATENCY_FACTOR override them; a bad value stops the script', () => {
    const soak = withEnv({ VUS: '3', DURATION: '2m', TESTID: 'my-run', LATENCY_FACTOR: '2' }, () =>
      options.buildOptions({
        scenario: 'soak',
        load: options.constantLoad({ vus: 5, duration: '30m' }),
        steps: stepsOf(book, 'browse'),
      }),
    );
    assert.equal(soak.scenarios.soak.vus, 3);
    assert.equal(soak.scenarios.soak.duration, '2m');
    assert.deepEqual(soak.tags, { testid: 'my-run' });
    assert.deepEqual(
      soak.thresholds['http_req_duration{name:frontend GET /}'],
      ['p(95)<1200'],
      'twice the 600 ms budget',
    );
    const load = withEnv({ STAGES: '10s:5, 20s:5 ,5s:0' }, () => options.rampingLoad('30s:10,1m:10,30s:20,30s:0'));
    assert.deepEqual(load.stages, [
      { duration: '10s', target: 5 },
      { duration: '20s', target: 5 },
      { duration: '5s', target: 0 },
    ]);
    assert.throws(
      () => withEnv({ STAGES: '10s' }, () => options.rampingLoad('30s:10')),
      /STAGES: "10s" is not <duration>:<virtual users>/,
    );
    assert.throws(
      () => withEnv({ VUS: 'abc' }, () => options.constantLoad({ vus: 1, duration: '1m' })),
      /VUS=abc is not a number/,
    );
  });
});

// ---------------------------------------------------------------------------------------
// Every journey, for real.
// ---------------------------------------------------------------------------------------

describe('every journey of the book, run by the journey driver against the live native stack', () => {
  let stack: NativeStack;
  let prom: PrometheusApi;
  let urls: ShopUrls;
  const fatal = () => stack.problem();
  /** Orders placed by the driver so far (the negative control, which places none, runs last). */
  let ordersByDriver = 0;

  before(
    async () => {
      stack = await NativeStack.start(note);
      prom = new PrometheusApi(stack.prometheusUrl);
      urls = shopUrls(stack);
    },
    { timeout: 300_000 },
  );

  after(
    async () => {
      await stack?.stop();
      note('stack stopped');
    },
    { timeout: 120_000 },
  );

  /** Runs a journey; counts its orders. */
  async function journey(name: string, options: Parameters<typeof runJourney>[3] = {}) {
    const result = await runJourney(book, name, urls, options);
    ordersByDriver += result.orders.length;
    return result;
  }

  /** The sum of a PromQL expression's values now (0 when it has no series). */
  async function total(expr: string): Promise<number> {
    return (await prom.samples(expr)).reduce((sum, row) => sum + Number(row.value?.[1]), 0);
  }

  /**
   * Waits until `expr` stops changing and returns its value then: the services export their
   * metrics every METRIC_EXPORT_INTERVAL_MS and the collector batches them, so what a
   * journey did reaches Prometheus a few seconds after it ends.
   */
  async function settled(expr: string): Promise<number> {
    let last = Number.NaN;
    return until(
      `${expr} to stop changing`,
      async () => {
        const now = await total(expr);
        const same = now === last;
        last = now;
        return same ? now : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 2 * METRIC_EXPORT_INTERVAL_MS + 1_000, fatal },
    );
  }

  test('smoke: every page and endpoint answers as documented, the refusals included', {
    timeout: 120_000,
  }, async () => {
    const result = await journey('smoke');
    assert.deepEqual(result.failures, []);
    assert.ok(result.ok);
    assert.ok(result.requests > 60, `${result.requests} requests`);
    assert.equal(result.orders.length, 2, 'a purchase on the web shop and one through the APIs');
    note(`smoke: ${result.requests} requests, orders ${result.orders.join(', ')}`);
  });

  test('web-purchase: new shoppers register and buy through the pages, three at once', {
    timeout: 120_000,
  }, async () => {
    const names: string[] = [];
    const results = await Promise.all(
      [1, 2, 3].map((n) => journey('web-purchase', { onRequest: (step) => n === 1 && names.push(step) })),
    );
    for (const result of results) assert.deepEqual(result.failures, []);
    assert.ok(results.every((r) => r.ok && r.orderId! > 0));
    // One product (12 requests) or two (15): each added from its page, then the confirmation.
    assert.ok(names.length === 12 || names.length === 15, names.join(', '));
    assert.deepEqual(new Set(names), new Set(stepsOf(book, 'web-purchase').map((s) => s.name)));
    note(`web-purchase: orders ${results.map((r) => r.orderId).join(', ')}`);
  });

  test('api-purchase: the same through the JSON APIs, three at once', { timeout: 120_000 }, async () => {
    const results = await Promise.all([1, 2, 3].map(() => journey('api-purchase')));
    for (const result of results) assert.deepEqual(result.failures, []);
    assert.ok(results.every((r) => r.ok && r.requests === 11 && r.orders.length === 1));
  });

  test('browse: visitors look without buying', { timeout: 60_000 }, async () => {
    const results = await Promise.all([1, 2, 3, 4, 5].map(() => journey('browse')));
    for (const result of results) assert.deepEqual(result.failures, []);
    assert.ok(results.every((r) => r.ok && r.orders.length === 0 && r.requests >= 2 && r.requests <= 5));
  });

  test("purchase-signed-in: the benchmark's journey, a returning shopper with session cookies", {
    timeout: 120_000,
  }, async () => {
    const client = await signedInShopper(urls.frontend, uniqueUsername('jrny'));
    const cookies = Object.fromEntries([...client.cookies].map(([name, cookie]) => [name, cookie.value]));
    const seen: [string, number][] = [];
    const agent = new Agent({ connections: 4 });
    try {
      for (let i = 0; i < 2; i++) {
        const result = await journey('purchase-signed-in', {
          cookies,
          dispatcher: agent,
          onRequest: (step, status, ms) => {
            assert.ok(ms >= 0);
            seen.push([step, status]);
          },
        });
        assert.deepEqual(result.failures, []);
        assert.ok(result.ok && result.requests === 6 && result.orderId! > 0);
      }
    } finally {
      await agent.close();
    }
    assert.deepEqual(seen.slice(0, 6), [
      ['frontend GET /', 200],
      ['frontend GET /product/:slug', 200],
      ['frontend POST /product/:slug', 303],
      ['frontend GET /checkout', 200],
      ['frontend POST /checkout/process', 303],
      ['frontend GET /order/thank-you', 200],
    ]);
    // Without the session the shop sends the visitor to sign in: the journey says where it stopped.
    const anonymous = await journey('purchase-signed-in');
    assert.equal(anonymous.ok, false);
    assert.equal(anonymous.failedStep, 'frontend POST /product/:slug');
    assert.match(anonymous.detail ?? '', /add to cart confirms the quantity.*\/login\?/);
  });

  test('bad-input: each malformed request gets its documented 4xx, the valid ones work, the services count no 5xx', {
    timeout: 180_000,
  }, async () => {
    const answered = (pattern: string) =>
      `sum(http_server_request_duration_seconds_count{http_response_status_code=~"${pattern}"})`;
    await settled(answered('.*'));
    const fivesBefore = await total(answered('5..'));
    const foursBefore = await total(answered('4..'));
    const malformed: { info: RequestInfo; status: number }[] = [];
    const result = await journey('bad-input', {
      onRequest: (_step, status, _ms, info) => info.case && malformed.push({ info, status }),
    });
    assert.deepEqual(result.failures, []);
    assert.ok(result.ok);
    assert.equal(malformed.length, 18);
    for (const { info, status } of malformed)
      assert.ok(info.expect.includes(status), `${info.case}: ${status}, expected ${info.expect}`);
    // The services saw them too: at least one 4xx each (a bad API key is also a 401 at
    // user-service, which order-service asks), and no new 5xx.
    await settled(answered('.*'));
    const fours = (await total(answered('4..'))) - foursBefore;
    assert.ok(
      fours >= malformed.length,
      `the services counted ${fours} 4xx for ${malformed.length} malformed requests`,
    );
    assert.equal(await total(answered('5..')), fivesBefore, 'the services answered no 5xx');
    note(
      `bad-input: ${malformed.length} malformed requests of ${result.requests}, each its 4xx; the services counted ${fours} 4xx, no 5xx`,
    );
  });

  test("mixed traffic (load.js's mix): three visitors for 10 s", { timeout: 120_000 }, async () => {
    const mix = await runMixedTraffic(book, urls, { users: 3, durationMs: 10_000 });
    ordersByDriver += mix.orders.length;
    assert.deepEqual(mix.failures, []);
    assert.ok(mix.journeys.browse > 0 && mix.journeys['web-purchase'] > 0, JSON.stringify(mix.journeys));
    note(`mixed traffic: ${JSON.stringify(mix.journeys)}, ${mix.requests} requests, ${mix.orders.length} orders`);
  });

  test("the orders the driver counted are order-service's shopscope_orders_placed_total", {
    timeout: 120_000,
  }, async () => {
    const counted = await settled('sum(shopscope_orders_placed_total)');
    assert.equal(counted, ordersByDriver, `order-service counted ${counted}, the driver ${ordersByDriver}`);
    note(`orders: ${ordersByDriver} by the driver, ${counted} by order-service`);
  });

  test('negative control: smoke fails while product-service fails every request (fault API)', {
    timeout: 120_000,
  }, async () => {
    const product = stack.service('product-service').url;
    const faults = (method: string, body?: unknown) =>
      call(product, method, '/admin/faults', { body, headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    const set = await faults('PUT', { error_rate: 1 });
    assert.equal(set.status, 200, JSON.stringify(set.body));
    const fives: string[] = [];
    let result: Awaited<ReturnType<typeof runJourney>>;
    try {
      result = await journey('smoke', {
        onRequest: (step, status) => status >= 500 && fives.push(`${step} ${status}`),
      });
    } finally {
      assert.equal((await faults('DELETE')).status, 200);
    }
    assert.equal(result.ok, false);
    assert.ok(fives.length > 0, 'the injected 500s (and the pages they break) are answered 5xx');
    assert.ok(
      result.failures.some((f) => f.startsWith('product-service ') && / answered 500/.test(f)),
      result.failures.join('\n'),
    );
    note(`negative control: ${result.failures.length} failures, first: ${result.failures[0]}`);
  });
});
