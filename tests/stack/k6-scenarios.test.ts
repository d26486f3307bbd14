/**
 * The coursework's k6 scenarios (k6/*.js), each run by the real k6 binary against the
 * native stack (native-stack.ts), the way `docker compose --profile k6 run --rm k6 run
 * /k6/<scenario>.js` runs them: results pushed to Prometheus by remote write, with the
 * compose file's K6_PROMETHEUS_RW_* settings.
 *
 * Each scenario runs with its real thresholds and a few virtual users for a few seconds
 * (its VUS, DURATION, STAGES… set through the environment, as a learner would), one at a
 * time so that they do not slow each other down, and must exit 0: k6 exits 99 when a
 * threshold is crossed, and the failure message shows the end of k6's summary. Beyond the
 * exit code, the test checks against the live system:
 * - the journeys placed real orders: after each run, order-service's own
 *   `shopscope_orders_placed_total` equals the orders k6 counted over the runs so far;
 * - bad-input sent malformed requests and none got a 5xx, by k6's count (`server_errors`)
 *   and by the services' own HTTP metrics (4xx counted, no new 5xx);
 * - every run's metrics reached Prometheus under its `testid` and `scenario` labels (the k6
 *   dashboard's filter), and Prometheus counted as many requests as k6 did;
 * - a negative control: smoke.js against a product-service failing every request (the
 *   fault API) must exit 99, and count the 5xx in `server_errors`.
 * The default options of each scenario (the report's load stages, a 30-minute soak…) are
 * checked with `k6 inspect`, which evaluates a script's options without running it.
 *
 *   scripts/ci/build-tools.sh && npm run build
 *   node --test --test-concurrency=1 --test-timeout=900000 tests/stack/k6-scenarios.test.ts   # Node 24; about 4 minutes
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { call } from '../src/harness/http.ts';
import { requireTool, repoPath, run } from './lib.ts';
import { ADMIN_TOKEN, METRIC_EXPORT_INTERVAL_MS, NativeStack, until } from './native-stack.ts';
import { PrometheusApi } from './stack-api.ts';

const started = Date.now();
function note(message: string): void {
  process.stderr.write(`# [k6-scenarios +${((Date.now() - started) / 1000).toFixed(1)} s] ${message}\n`);
}

/** The scenarios of k6/, each a file `k6/<name>.js` whose k6 scenario has the same name. */
const SCENARIOS = ['smoke', 'load', 'spike', 'soak', 'journey', 'api', 'bad-input'] as const;
type Scenario = (typeof SCENARIOS)[number];

/** Sets this file's runs apart from any earlier ones in the `testid` label. */
const RUN_ID = Date.now().toString(36);

/** A metric of k6's --summary-export file (its legacy format: counters, rates, trends). */
interface SummaryMetric {
  count?: number;
  rate?: number;
  value?: number;
  passes?: number;
  fails?: number;
  [stat: string]: unknown;
}

interface ScenarioRun {
  scenario: Scenario;
  testid: string;
  code: number;
  metrics: Record<string, SummaryMetric>;
  /** The end of what k6 printed: the thresholds and the summary. */
  tail: string;
}

let stack: NativeStack;
let prom: PrometheusApi;
const fatal = () => stack.problem();

/**
 * Runs k6/<scenario>.js with the real k6 binary against the stack; `env` sets its load
 * (VUS, DURATION, STAGES…). Pauses between steps are shortened (THINK_TIME) so that a few
 * seconds hold several iterations.
 */
async function runScenario(scenario: Scenario, env: Record<string, string>, label: string = scenario): Promise<ScenarioRun> {
  const testid = `${label}-${RUN_ID}`;
  const summaryFile = path.join(stack.dir, `k6-${label}-summary.json`);
  const k6 = stack.run(
    `k6-${label}`,
    requireTool('K6'),
    [
      'run',
      '--no-usage-report',
      // No progress bar in the log; the end-of-test summary is still printed.
      '--quiet',
      '-o',
      'experimental-prometheus-rw',
      `--summary-export=${summaryFile}`,
      repoPath('k6', `${scenario}.js`),
    ],
    {
      FRONTEND_URL: stack.service('frontend').url,
      USER_SERVICE_URL: stack.service('user-service').url,
      PRODUCT_SERVICE_URL: stack.service('product-service').url,
      ORDER_SERVICE_URL: stack.service('order-service').url,
      // As docker-compose.yml configures the k6 service.
      K6_PROMETHEUS_RW_SERVER_URL: `${stack.prometheusUrl}/api/v1/write`,
      K6_PROMETHEUS_RW_TREND_STATS: 'p(50),p(95),p(99),avg,max',
      K6_PROMETHEUS_RW_STALE_MARKERS: 'true',
      TESTID: testid,
      THINK_TIME: '0.2',
      ...env,
    },
  );
  const runStarted = Date.now();
  const code = await k6.wait(240_000);
  let metrics: Record<string, SummaryMetric> = {};
  try {
    metrics = JSON.parse(readFileSync(summaryFile, 'utf8')).metrics;
  } catch {
    // No summary: k6 failed before the end of the test; the exit code and the tail say why.
  }
  note(`${label}: exit ${code} after ${((Date.now() - runStarted) / 1000).toFixed(0)} s, ${metrics.http_reqs?.count ?? 0} requests`);
  return { scenario, testid, code, metrics, tail: k6.tail(80) };
}

/** k6 exited 0 (every threshold held), its metrics are in Prometheus, its orders are real. */
async function assertPassed(result: ScenarioRun): Promise<void> {
  assert.equal(result.code, 0, `k6 ${result.scenario}.js exited ${result.code} (99: thresholds crossed):\n${result.tail}`);
  assert.ok((result.metrics.http_reqs?.count ?? 0) > 0, `${result.scenario}: no request in the summary`);
  await assertInPrometheus(result);
  await assertOrdersMatch(result);
}

/** The sum of a PromQL expression's values now (0 when it has no series). */
async function total(expr: string): Promise<number> {
  return (await prom.samples(expr)).reduce((sum, row) => sum + Number(row.value?.[1]), 0);
}

/**
 * The run's k6 metrics reached Prometheus under its testid and scenario labels, with as
 * many requests as k6 itself counted. The series are ended by stale markers when the run
 * stops, so the last value is read over a window.
 */
async function assertInPrometheus(result: ScenarioRun): Promise<void> {
  const expected = result.metrics.http_reqs?.count ?? 0;
  // Every request of the run, setup() included (which belongs to no scenario).
  let pushed = 0;
  await until(
    `${expected} k6_http_reqs_total with testid ${result.testid} in Prometheus`,
    async () => {
      pushed = await total(`sum(max_over_time(k6_http_reqs_total{testid="${result.testid}"}[30m]))`);
      return pushed === expected;
    },
    { timeoutMs: 30_000, intervalMs: 1_000, fatal },
  ).catch((err: Error) => {
    throw new Error(`${err.message}: Prometheus holds ${pushed}`);
  });
  const selector = `testid="${result.testid}", scenario="${result.scenario}"`;
  const inScenario = await total(`sum(max_over_time(k6_http_reqs_total{${selector}}[30m]))`);
  assert.ok(inScenario > 0 && inScenario <= expected, `k6_http_reqs_total{${selector}}: ${inScenario}`);
  // What the k6 dashboard's panels read: checks, failures, and the p95 of each named step.
  for (const metric of ['k6_checks_rate', 'k6_http_req_failed_rate', 'k6_iterations_total']) {
    const rows = await prom.samples(`last_over_time(${metric}{${selector}}[30m])`);
    assert.ok(rows.length > 0, `${metric}{${selector}} in Prometheus`);
  }
  const named = await prom.samples(`last_over_time(k6_http_req_duration_p95{${selector}, name!=""}[30m])`);
  assert.ok(named.length > 0, `k6_http_req_duration_p95 by request name for ${result.testid}`);
}

/**
 * Waits until `expr` stops changing, and returns its value then: the services export their
 * metrics every METRIC_EXPORT_INTERVAL_MS and the collector batches them for up to 1 s, so
 * what a run did reaches Prometheus a few seconds after it ends.
 */
async function settled(expr: string): Promise<number> {
  // `until` probes at once, then every interval: the first probe only takes the first reading.
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

/** Orders placed by all the runs so far, by k6's count (`orders_placed` of lib/journeys.js). */
let ordersByK6 = 0;

/**
 * Every order k6 counted is real, and k6 counted every real one: order-service's own
 * `shopscope_orders_placed_total` equals the sum of k6's counts over the runs so far (the
 * stack is this file's alone; the negative control, where no order can be placed, runs last).
 */
async function assertOrdersMatch(result: ScenarioRun): Promise<void> {
  ordersByK6 += result.metrics.orders_placed?.count ?? 0;
  const counted = await settled('sum(shopscope_orders_placed_total)');
  assert.equal(counted, ordersByK6, `orders: order-service counted ${counted}, k6 ${ordersByK6} (after ${result.scenario})`);
}

before(
  async () => {
    stack = await NativeStack.start(note);
    prom = new PrometheusApi(stack.prometheusUrl);
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

describe('the scenarios options (k6 inspect)', () => {
  /** A scenario's options as k6 evaluates them, with `env` as the only environment. */
  function inspect(scenario: Scenario, env: Record<string, string> = {}): any {
    const args = ['inspect', '--include-system-env-vars=false'];
    for (const [name, value] of Object.entries(env)) args.push('-e', `${name}=${value}`);
    const result = run(requireTool('K6'), [...args, repoPath('k6', `${scenario}.js`)]);
    assert.equal(result.status, 0, `k6 inspect ${scenario}.js:\n${result.stderr}`);
    return JSON.parse(result.stdout);
  }

  test('every scenario: named after its file, tagged testid, thresholds on errors, checks and the p95 of each step', () => {
    for (const scenario of SCENARIOS) {
      const options = inspect(scenario);
      assert.deepEqual(Object.keys(options.scenarios), [scenario], `${scenario}: the scenario tag the dashboard filters on`);
      assert.deepEqual(options.tags, { testid: scenario });
      const thresholds = Object.keys(options.thresholds);
      assert.ok(thresholds.includes('http_req_failed'), `${scenario}: an error-rate threshold`);
      assert.ok(thresholds.includes('checks'), `${scenario}: a checks threshold`);
      const latency = thresholds.filter((t) => /^http_req_duration\{name:.+\}$/.test(t));
      assert.ok(latency.length >= 5, `${scenario}: p95 thresholds per step (${latency.length})`);
      for (const name of latency) assert.match(options.thresholds[name][0], /^p\(95\)<\d+$/);
    }
  });

  test('the defaults: the report stages for load, 1 VU smoke, a spike, a 30-minute soak', () => {
    const stages = (options: any, name: string) =>
      options.scenarios[name].stages.map((s: { duration: string; target: number }) => `${s.duration}:${s.target}`);
    assert.deepEqual(stages(inspect('load'), 'load'), ['30s:10', '1m0s:10', '30s:20', '30s:0']);
    const smoke = inspect('smoke').scenarios.smoke;
    assert.equal(smoke.vus, 1);
    assert.deepEqual(inspect('smoke').thresholds.server_errors, ['count==0']);
    const spike = stages(inspect('spike'), 'spike');
    assert.deepEqual(spike, ['10s:2', '30s:2', '10s:50', '1m0s:50', '10s:2', '30s:2', '10s:0']);
    const soak = inspect('soak').scenarios.soak;
    assert.equal(soak.executor, 'constant-vus');
    assert.equal(soak.duration, '30m0s');
    assert.deepEqual(inspect('bad-input').thresholds.server_errors, ['count==0']);
  });

  test('VUS, DURATION, STAGES, TESTID and LATENCY_FACTOR override them; a bad value stops k6', () => {
    const soak = inspect('soak', { VUS: '3', DURATION: '2m', TESTID: 'my-run', LATENCY_FACTOR: '2' });
    assert.equal(soak.scenarios.soak.vus, 3);
    assert.equal(soak.scenarios.soak.duration, '2m0s');
    assert.deepEqual(soak.tags, { testid: 'my-run' });
    const plain = inspect('soak');
    const step = 'http_req_duration{name:frontend GET /}';
    const budget = (options: any) => Number(/<(\d+)$/.exec(options.thresholds[step][0])?.[1]);
    assert.equal(budget(soak), 2 * budget(plain));
    const load = inspect('load', { STAGES: '10s:5, 20s:5 ,5s:0' });
    assert.deepEqual(
      load.scenarios.load.stages.map((s: any) => [s.duration, s.target]),
      [
        ['10s', 5],
        ['20s', 5],
        ['5s', 0],
      ],
    );
    const bad = run(requireTool('K6'), ['inspect', '--include-system-env-vars=false', '-e', 'STAGES=10s', repoPath('k6/load.js')]);
    assert.notEqual(bad.status, 0);
    assert.match(bad.stderr, /STAGES: \\?"10s\\?" is not <duration>:<virtual users>/);
  });
});

describe('every scenario passes its thresholds against the live stack', () => {
  test('smoke.js: every page and endpoint answers as documented', { timeout: 300_000 }, async () => {
    const result = await runScenario('smoke', { VUS: '1', DURATION: '10s' });
    await assertPassed(result);
    assert.equal(result.metrics.server_errors?.count, 0);
    assert.ok((result.metrics.checks?.passes ?? 0) > 50, 'smoke checks many things');
  });

  test('journey.js: shoppers register, buy through the web pages, and the orders are real', { timeout: 300_000 }, async () => {
    const result = await runScenario('journey', { VUS: '2', DURATION: '15s' });
    await assertPassed(result);
    assert.ok((result.metrics.orders_placed?.count ?? 0) > 0, 'the journey placed orders');
    note(`journey: ${result.metrics.orders_placed?.count} orders placed, counted by order-service too`);
  });

  test('api.js: the same journey through the JSON APIs', { timeout: 300_000 }, async () => {
    const result = await runScenario('api', { VUS: '2', DURATION: '15s' });
    await assertPassed(result);
    assert.ok((result.metrics.orders_placed?.count ?? 0) > 0, 'the API journey placed orders');
    note(`api: ${result.metrics.orders_placed?.count} orders placed, counted by order-service too`);
  });

  test('load.js: ramping stages of the mixed traffic', { timeout: 300_000 }, async () => {
    // The report's shape, shortened: up, hold, higher, down.
    const result = await runScenario('load', { STAGES: '5s:4,10s:4,5s:8,5s:0' });
    await assertPassed(result);
    assert.equal(result.metrics.vus_max?.value, 8);
  });

  test('spike.js: a sudden jump of virtual users and back', { timeout: 300_000 }, async () => {
    const result = await runScenario('spike', { VUS: '1', SPIKE_VUS: '10', RAMP: '2s', DURATION: '8s', QUIET: '4s' });
    await assertPassed(result);
    assert.equal(result.metrics.vus_max?.value, 10);
  });

  test('soak.js: constant load', { timeout: 300_000 }, async () => {
    const result = await runScenario('soak', { VUS: '2', DURATION: '15s' });
    await assertPassed(result);
  });

  test('bad-input.js: malformed requests get their 4xx, never a 5xx; valid ones succeed', { timeout: 300_000 }, async () => {
    // The services' own count of answers by status class, once the earlier runs' are all in.
    const answered = (pattern: string) =>
      `sum(http_server_request_duration_seconds_count{http_response_status_code=~"${pattern}"})`;
    await settled(answered('.*'));
    const fivesBefore = await total(answered('5..'));
    const foursBefore = await total(answered('4..'));
    const result = await runScenario('bad-input', { VUS: '2', DURATION: '15s', THINK_TIME: '0.05' });
    await assertPassed(result);
    const { malformed_requests: malformed, server_errors: serverErrors, malformed_rejected: rejected } = result.metrics;
    assert.ok((malformed?.count ?? 0) > 0, 'malformed requests were sent');
    assert.ok(serverErrors, 'server_errors is in the summary');
    assert.equal(serverErrors.count, 0, 'no 5xx answer');
    assert.equal(rejected?.value, 1, 'every malformed request got its documented 4xx');
    assert.equal(rejected?.passes, malformed?.count);
    // The services saw them too: at least one 4xx per malformed request (a bad API key is
    // also a 401 at user-service, which order-service asks), and no new 5xx.
    await settled(answered('.*'));
    const fours = (await total(answered('4..'))) - foursBefore;
    assert.ok(fours >= (malformed?.count ?? 0), `the services counted ${fours} 4xx for ${malformed?.count} malformed requests`);
    assert.equal(await total(answered('5..')), fivesBefore, 'the services answered no 5xx during bad-input');
    note(`bad-input: ${malformed?.count} malformed requests of ${result.metrics.http_reqs?.count}, all 4xx; services counted ${fours} 4xx, no 5xx`);
  });
});

describe('negative control: the thresholds do fail', () => {
  test('smoke.js exits 99 while product-service fails every request (fault API)', { timeout: 300_000 }, async () => {
    const product = stack.service('product-service').url;
    const faults = (method: string, body?: unknown) =>
      call(product, method, '/admin/faults', { body, headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    const set = await faults('PUT', { error_rate: 1 });
    assert.equal(set.status, 200, JSON.stringify(set.body));
    let result: ScenarioRun;
    try {
      result = await runScenario('smoke', { VUS: '1', DURATION: '5s' }, 'smoke-faulty');
    } finally {
      const reset = await faults('DELETE');
      assert.equal(reset.status, 200);
    }
    assert.equal(result.code, 99, `k6 must exit 99 (thresholds crossed), exited ${result.code}:\n${result.tail}`);
    assert.match(result.tail, /thresholds on metrics .* have been crossed/);
    assert.ok((result.metrics.server_errors?.count ?? 0) > 0, 'the injected 500s are counted in server_errors');
    assert.ok((result.metrics.http_req_failed?.value ?? 0) > 0);
  });
});
