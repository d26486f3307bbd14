/**
 * Smoke run of the benchmark (bench/run.ts --quick), so that it cannot rot: the same code
 * path as `npm run bench`, with phases of a few seconds at low rates, its report written to
 * a temporary file (never docs/performance.md). It checks that every section of the report
 * holds numbers and that nothing failed at those low rates. It asserts no budget and no
 * timing: the benchmark reports those, and a shared test machine is not a benchmark.
 *
 *   npm run test:bench      # about 13 minutes (node --test bench/smoke.test.ts)
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { type LoadResult, WORKLOADS } from './load.ts';
import { CAPACITY_CONFIGS, LADDER_CONFIGS, type Results, TELEMETRY_CONFIGS } from './results.ts';
import { repoPath } from '../tools/stack/repo.ts';
import { SERVICE_NAMES } from '../tools/stack/native-stack.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'shopscope-bench-smoke-'));
const reportFile = path.join(dir, 'performance.md');
const resultsFile = path.join(dir, 'results.json');
let report: string;
let results: Results;

/** Runs the benchmark to completion; rejects with its output when it exits non-zero. */
function runBench(args: string[], timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [repoPath('bench/run.ts'), ...args], {
      cwd: repoPath(),
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      process.stderr.write(chunk);
    });
    // SIGTERM lets the benchmark stop the stack it started.
    const timer = setTimeout(() => child.kill('SIGTERM'), timeoutMs);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new Error(`bench/run.ts exited with ${code ?? signal}:\n${stderr.slice(-4000)}`));
    });
  });
}

before(
  async () => {
    // About 13 minutes on a quiet 2-core machine; room for a busy one within --test-timeout.
    await runBench(['--quick', '--out', reportFile, '--json', resultsFile], 1_320_000);
    report = readFileSync(reportFile, 'utf8');
    results = JSON.parse(readFileSync(resultsFile, 'utf8')) as Results;
  },
  { timeout: 1_380_000 },
);

// SHOPSCOPE_FULLSTACK_KEEP=1 (which also keeps the stack's logs) keeps the report and results to read.
after(() => {
  if (process.env.SHOPSCOPE_FULLSTACK_KEEP === '1')
    process.stderr.write(`bench smoke: report and results kept in ${dir}\n`);
  else rmSync(dir, { recursive: true, force: true });
});

const positive = (value: number, what: string) =>
  assert.ok(Number.isFinite(value) && value > 0, `${what} should be a positive number, got ${value}`);

/** A load run measured something and nothing in it failed. */
function assertCleanRun(result: LoadResult, what: string): void {
  positive(result.requests, `${what}: measured requests`);
  for (const [name, value] of Object.entries({ ...result.latencyMs, ...result.journeyMs })) {
    positive(value, `${what}: latency ${name}`);
  }
  assert.equal(result.failedRequests, 0, `${what}: failed requests`);
  assert.equal(result.failedChecks, 0, `${what}: failed checks`);
  assert.equal(result.failedJourneys, 0, `${what}: failed journeys`);
}

test('the report has every section, a machine header and a budget table', () => {
  for (const heading of [
    '## Machine',
    '## Budgets',
    '## 1. Instrumentation overhead',
    '## 2. Capacity',
    '## 3. Freshness',
    '## 4. Footprint',
    '## 5. Loss',
  ]) {
    assert.ok(report.includes(`\n${heading}\n`), `the report has a "${heading}" section`);
  }
  assert.ok(report.includes('Quick mode'), 'a quick run says it is not a measurement');
  assert.ok(
    report.includes('**open model at a fixed arrival rate**') && report.includes('**closed loop**'),
    'the report states how the load was made',
  );
  assert.ok(
    report.includes("\n### The budgets' comparisons, side by side\n") &&
      report.includes('\n#### Means of the rounds\n'),
    'the report compares the configurations',
  );
  assert.match(results.machine.loadGenerator, /undici .* autocannon /, 'the machine header names the generators');
  assert.equal(results.plan.name, 'quick');
  // Every number the report prints was measured: a missing one is printed as n/a.
  assert.ok(!report.includes('n/a'), `no value is missing:\n${report}`);
  const budgetRows =
    report
      .split('## Budgets')[1]
      ?.split('## 1.')[0]
      ?.match(/\| (pass|\*\*FAIL\*\*) \|$/gm) ?? [];
  // CPU ratio and added CPU (3 workloads each), p99 added (2), capacity, RSS, freshness (2), loss.
  assert.equal(budgetRows.length, 13, 'thirteen budgets, each judged pass or fail');
  positive(results.machine.cores, 'CPU cores');
  assert.match(results.machine.commit, /^[0-9a-f]{12}$/);
});

test('overhead: every workload ran in the three configurations, without a failure', () => {
  assert.deepEqual(
    results.overhead.map((w) => w.workload),
    ['api', 'catalogue', 'journey'],
  );
  assert.deepEqual([...new Set(results.plan.rounds)].sort(), [...TELEMETRY_CONFIGS].sort(), 'every configuration ran');
  // Every problem of every round in one message, with what the load saw, so that a failure
  // in CI (where only part of the output may be kept) says what went wrong where.
  const problems: string[] = [];
  const check = (ok: boolean, message: string) => {
    if (!ok) problems.push(message);
  };
  const checkClean = (result: LoadResult, what: string) => {
    try {
      assertCleanRun(result, what);
    } catch (error) {
      problems.push(
        `${(error as Error).message.split('\n')[0]}; first failures: ${JSON.stringify(result.failureSamples.slice(0, 3))}`,
      );
    }
  };
  for (const workload of results.overhead) {
    assert.deepEqual(
      workload.rounds.map((r) => r.telemetry),
      results.plan.rounds,
    );
    for (const round of workload.rounds) {
      const what = `${workload.workload} round ${round.round} (${round.telemetry})`;
      checkClean(round.fixed, `${what}, fixed rate`);
      check(
        round.fixed.droppedIterations === 0,
        `${what}: the open model started every iteration, dropped ${round.fixed.droppedIterations}`,
      );
      check(/^open model/.test(round.fixed.generator ?? ''), `${what}: the fixed rate is an open model`);
      // The generator kept its schedule. Loosely: on a busy shared machine its thread waits
      // for a core (tens of ms seen at a load average of 7); a broken schedule is seconds off.
      check(
        (round.fixed.startLateMs?.p99 ?? Number.NaN) < 500,
        `${what}: arrivals on time, got ${JSON.stringify(round.fixed.startLateMs)}`,
      );
      check(/^closed loop/.test(round.peak.generator ?? ''), `${what}: the peak is a closed loop`);
      checkClean(round.peak, `${what}, peak`);
      check(round.peak.okPerS > 0, `${what}: peak throughput, got ${round.peak.okPerS}`);
      check(
        round.cpuMsPerIteration.services > 0,
        `${what}: services CPU per iteration, got ${round.cpuMsPerIteration.services}`,
      );
      check(Number.isFinite(round.cpuMsPerIteration.collector), `${what}: collector CPU measured`);
      const accepted = round.accepted;
      if (workload.workload !== 'journey') {
        check(accepted === undefined, `${what}: telemetry volume is counted for the journey only`);
      } else if (!accepted) {
        problems.push(`${what}: the telemetry the journeys sent was not counted`);
      } else if (round.telemetry === 'off') {
        // The counting window belongs to the configuration: with no SDK, nothing arrives.
        check(
          accepted.spans === 0 && accepted.logRecords === 0,
          `${what}: nothing accepted with telemetry off, got ${JSON.stringify(accepted)}`,
        );
      } else {
        check(
          accepted.journeys > 0 && accepted.spans > 0 && accepted.logRecords > 0,
          `${what}: spans and log records of the journeys accepted, got ${JSON.stringify(accepted)}`,
        );
      }
    }
  }
  assert.deepEqual(problems, [], `problems:\n${problems.join('\n')}`);
});

test('side by side: each pair of configurations, every workload, every round, both sides measured without a failure', () => {
  assert.deepEqual(
    results.sideBySide.map((p) => p.configs.join(' beside ')),
    [
      'shopscope beside off',
      'shopscope beside zero-code',
      'shopscope beside shopscope',
      'spans only beside off',
      '5 s batches beside shopscope',
    ],
  );
  for (const pair of results.sideBySide) {
    assert.deepEqual(
      pair.workloads.map((w) => `${w.workload} at ${w.rate}`),
      [
        ...WORKLOADS.map((w) => `${w} at ${results.plan.overhead.rates[w]}`),
        `journey at ${results.plan.sideBySide.busyJourneyRate}`,
      ],
    );
    for (const w of pair.workloads) {
      const what = `${pair.configs.join(' beside ')}, ${w.workload} at ${w.rate}`;
      for (const side of [0, 1] as const) {
        assert.equal(
          w.cpuMsPerIteration[side].length,
          results.plan.sideBySide.rounds,
          `${what}: one CPU value per round`,
        );
        for (const v of w.cpuMsPerIteration[side]) positive(v, `${what}: side ${side + 1}'s CPU per iteration`);
        for (const v of w.p99Ms[side]) positive(v, `${what}: side ${side + 1}'s p99`);
        assert.equal(w.failures[side], 0, `${what}: side ${side + 1} failed or dropped nothing`);
      }
    }
  }
  assert.ok(report.includes("### The budgets' comparisons, side by side"), 'the report shows the pairs');
});

test('breakdown: product-service CPU per request, measured in every configuration beside its ShopScope twin, every round', () => {
  const breakdown = results.breakdown;
  assert.ok(breakdown, 'the breakdown ran');
  assert.deepEqual(
    breakdown.rows.map((r) => r.name),
    [
      'off',
      'shopscope',
      'zero-code',
      'nothing exported',
      '1 trace in 10',
      'without http',
      'without pino',
      'with express',
      'with mysql2',
      'spans only',
      'SDK only',
    ],
  );
  // Each configuration and its ShopScope twin, measured over the same rounds.
  for (const row of breakdown.rows) {
    for (const [series, values] of Object.entries({
      'CPU per request': row.cpuMsPerRequest,
      "the twin's CPU per request": row.twinCpuMsPerRequest,
      p99: row.p99Ms,
      "the twin's p99": row.twinP99Ms,
    })) {
      assert.equal(values.length, results.plan.breakdown.rounds, `${row.name}: ${series}, one value per round`);
      for (const v of values) positive(v, `${row.name}: ${series}`);
    }
  }
  assert.ok(report.includes('### Where the telemetry cost goes'), 'the report shows the breakdown');
});

test("profile: the four services' journeys profiled off and with ShopScope's telemetry, each service's samples read", () => {
  for (const telemetry of CAPACITY_CONFIGS) {
    const profile = results.profile[telemetry];
    assert.equal(profile.telemetry, telemetry);
    assert.ok(profile.iterations > 0, `${telemetry}: journeys were profiled`);
    for (const service of ['frontend', 'user-service', 'product-service', 'order-service']) {
      positive(profile.services[service]?.totalMs ?? Number.NaN, `${telemetry}: ${service}'s profiled CPU`);
    }
  }
  const telemetryPackages = Object.values(results.profile.shopscope.services).flatMap((s) =>
    Object.keys(s.byOwner).filter((owner) => owner.startsWith('@opentelemetry/')),
  );
  assert.ok(telemetryPackages.length > 0, 'with telemetry, the OpenTelemetry packages show in the profile');
  assert.ok(report.includes("### Where the journey's added CPU goes"), 'the report shows the profile');
});

test('freshness: each sample found its trace in Jaeger and its metric in Prometheus', () => {
  assert.equal(results.freshness.traceS.length, results.plan.freshnessSamples);
  assert.equal(results.freshness.metricS.length, results.plan.freshnessSamples);
  for (const s of [...results.freshness.traceS, ...results.freshness.metricS]) positive(s, 'freshness sample');
});

test('capacity: with shopscope, off and spans only, the ladder and the confirmation run made journeys without an error', () => {
  assert.deepEqual(Object.keys(results.capacity), [...LADDER_CONFIGS]);
  for (const telemetry of LADDER_CONFIGS) {
    const { steps, holds, journeysPerS, holdRate } = results.capacity[telemetry];
    assert.ok(steps.length >= 1, `${telemetry}: at least one step`);
    for (const step of steps) assertCleanRun(step.result, `${telemetry}: capacity step ${step.rate}/s`);
    assert.ok(holds.length >= 1, `${telemetry}: at least one confirmation run`);
    for (const hold of holds) assertCleanRun(hold.result, `${telemetry}: confirmation run at ${hold.rate}/s`);
    assert.ok(Number.isInteger(journeysPerS) && journeysPerS >= 0);
    assert.equal(holdRate, holds[holds.length - 1]?.rate, `${telemetry}: footprint (and loss) come from the last run`);
  }
});

test('footprint: the RSS of the four services and the collector in each configuration, idle and under load', () => {
  const { idle, overheadPeak, capacityPeak, memoryLimitBytes } = results.footprint;
  for (const name of [...SERVICE_NAMES, 'otel-collector']) {
    for (const telemetry of TELEMETRY_CONFIGS) {
      positive(idle[telemetry]?.[name] ?? Number.NaN, `${name} idle RSS, ${telemetry}`);
      positive(overheadPeak[telemetry]?.[name] ?? Number.NaN, `${name} peak RSS in the overhead rounds, ${telemetry}`);
    }
    for (const telemetry of CAPACITY_CONFIGS) {
      positive(capacityPeak[telemetry]?.[name] ?? Number.NaN, `${name} RSS at saturation, ${telemetry}`);
    }
    // docker-compose.yml's limit, read by tools/stack/compose-args.ts.
    positive(memoryLimitBytes[name] ?? Number.NaN, `${name} memory limit`);
  }
});

test('loss: every stage is counted (or says it is not), and telemetry flowed through each', () => {
  const rows = results.loss.rows;
  // Only the services' metric exporters may lack a drop counter: services/telemetry/src/sdk.ts
  // decides whether the OTLP metric exporter counts its points (see bench/loss.ts).
  const uncounted = rows.filter((r) => r.dropped === undefined).map((r) => r.stage);
  assert.ok(
    uncounted.every((stage) => stage.startsWith('SDK metric exporters')),
    `stages without a count: ${uncounted.join(', ')}`,
  );
  assert.equal(rows.length, 13, 'SDK (4), collector (6), Jaeger, Loki stand-in and Prometheus stages');
  positive(
    rows.find((r) => r.stage.startsWith('Loki stand-in'))?.handled ?? Number.NaN,
    'log lines received by the Loki stand-in',
  );
  for (const row of rows.filter((r) => r.dropped !== undefined)) {
    const what = `${row.stage} (${row.signal})`;
    assert.ok(Number.isInteger(row.dropped) && (row.dropped ?? -1) >= 0, `${what}: dropped is a count`);
    // Something went through every counted stage during the hold run, so a count of zero
    // drops means "none dropped", not "nothing seen".
    positive(row.handled ?? Number.NaN, `${what}: handled`);
  }
});
