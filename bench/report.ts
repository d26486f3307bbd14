/**
 * The benchmark's report: the budgets judged (reported, never asserted) and every table,
 * as Markdown — printed to stdout and written to docs/performance.md (or --out).
 */
import { type LoadResult, WORKLOADS, type Workload } from './load.ts';
import { SDK_LOGS_STAGE, SDK_SPANS_STAGE } from './loss.ts';
import { COLLECTOR } from './proc.ts';
import {
  type CapacityStep,
  failures,
  headlineLatency,
  median,
  overheadMeans,
  type Results,
  type Telemetry,
} from './results.ts';

export interface Budget {
  name: string;
  measured: string;
  limit: string;
  pass: boolean;
}

const SERVICES = ['frontend', 'user-service', 'product-service', 'order-service'];
const MIB = 2 ** 20;

const fixed = (n: number, digits: number) => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');
const ms = (n: number) => fixed(n, n < 10 ? 2 : 1);
const perS = (n: number) => fixed(n, n < 10 ? 2 : 1);
const mib = (bytes: number | undefined) => (bytes === undefined ? 'n/a' : fixed(bytes / MIB, 0));
const seconds = (n: number) => fixed(n, 2);
const signed = (n: number, digits = 2) => (Number.isFinite(n) ? `${n >= 0 ? '+' : ''}${n.toFixed(digits)}` : 'n/a');

const UNIT: Record<Workload, string> = { api: 'req/s', catalogue: 'req/s', journey: 'journeys/s' };
const LABEL: Record<Workload, string> = {
  api: '`GET /api/products` (product-service)',
  catalogue: '`GET /` catalogue page (frontend)',
  journey: 'checkout journey (6 requests)',
};

function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

export function budgets(results: Results): Budget[] {
  const out: Budget[] = [];
  for (const workload of ['api', 'catalogue'] as const) {
    const overhead = results.overhead.find((w) => w.workload === workload);
    if (!overhead) continue;
    const on = overheadMeans(overhead, 'on');
    const off = overheadMeans(overhead, 'off');
    const ratio = on.peakPerS / off.peakPerS;
    out.push({
      name: `${LABEL[workload]}: peak throughput on ≥ 0.85 × off`,
      measured: `${fixed(ratio, 3)} (${perS(on.peakPerS)} / ${perS(off.peakPerS)} ${UNIT[workload]})`,
      limit: '≥ 0.85',
      pass: ratio >= 0.85,
    });
    const added = on.p99 - off.p99;
    out.push({
      name: `${LABEL[workload]}: p99 added at ${results.plan.overhead.rates[workload]} ${UNIT[workload]}`,
      measured: `${signed(added)} ms (${ms(on.p99)} vs ${ms(off.p99)} ms)`,
      limit: '≤ 2 ms',
      pass: added <= 2,
    });
  }
  out.push({
    name: `journey capacity with telemetry on (held ${results.plan.capacity.holdS} s: request p95 < ${results.plan.capacity.p95LimitMs} ms, no error)`,
    measured: `${results.capacity.journeysPerS} journeys/s${results.capacity.offLadderPerS === undefined ? '' : ` (telemetry off, ladder only: ${results.capacity.offLadderPerS})`}`,
    limit: '≥ 100 journeys/s',
    pass: results.capacity.journeysPerS >= 100,
  });
  const traceMax = Math.max(...results.freshness.traceS);
  out.push({
    name: 'trace in Jaeger after the request (max of samples)',
    measured: `${seconds(traceMax)} s`,
    limit: '≤ 5 s',
    pass: traceMax <= 5,
  });
  const metricMax = Math.max(...results.freshness.metricS);
  out.push({
    name: 'metric queryable in Prometheus after the request (max of samples)',
    measured: `${seconds(metricMax)} s`,
    limit: '≤ 15 s',
    pass: metricMax <= 15,
  });
  const heaviest = SERVICES.map((s) => [s, results.footprint.capacityPeak[s] ?? Number.NaN] as const).sort(
    (a, b) => b[1] - a[1],
  )[0];
  out.push({
    name: 'RSS of each service under load (peak at capacity)',
    measured: heaviest ? `${mib(heaviest[1])} MiB (${heaviest[0]}, the largest)` : 'n/a',
    limit: '≤ 150 MiB each',
    pass: SERVICES.every((s) => (results.footprint.capacityPeak[s] ?? Number.POSITIVE_INFINITY) <= 150 * MIB),
  });
  const counted = results.loss.rows.filter((r) => r.dropped !== undefined);
  const dropped = counted.reduce((n, r) => n + (r.dropped ?? 0), 0);
  const uncounted = results.loss.rows.length - counted.length;
  out.push({
    name: `telemetry dropped at capacity load (${results.capacity.holdRate} journeys/s)`,
    measured: `${dropped}${uncounted ? ` (${uncounted} stage${uncounted > 1 ? 's' : ''} not counted)` : ''}`,
    limit: '0',
    pass: dropped === 0,
  });
  return out;
}

function machineSection(results: Results): string {
  const m = results.machine;
  return table(
    ['', ''],
    [
      ['date', results.startedAt],
      ['CPU', `${m.cpu} × ${m.cores} cores`],
      ['memory', `${fixed(m.memoryGiB, 1)} GiB`],
      ['OS', `${m.os} (kernel ${m.kernel})`],
      ['Node.js', m.node],
      ['load generator / collector', `${m.loadGenerator ?? `k6 ${m.k6 ?? 'unknown'}`} / ${m.collector}`],
      [
        'commit',
        `${m.commit}${m.uncommittedServiceFiles ? ` + ${m.uncommittedServiceFiles} uncommitted file(s) under services/` : ''}`,
      ],
      [
        'load average (1/5/15 min) at start → end',
        `${m.loadAverageAtStart.map((l) => l.toFixed(2)).join(' ')} → ${m.loadAverageAtEnd.map((l) => l.toFixed(2)).join(' ')}`,
      ],
      ['run time', `${fixed(results.durationS / 60, 1)} min`],
    ],
  );
}

/** What failed, where: the failures the load described, for whoever has to find out why. */
function failureNotes(runs: [string, LoadResult][]): string {
  const lines = runs.flatMap(([where, result]) => result.failureSamples.map((sample) => `- ${where}: ${sample}`));
  return lines.length === 0
    ? ''
    : ['', 'Failures seen (the first distinct ones of each run; every one is counted above):', '', ...lines].join('\n');
}

function overheadSection(results: Results): string {
  const plan = results.plan.overhead;
  const latencyRows: string[][] = [];
  const throughputRows: string[][] = [];
  const roundRows: string[][] = [];
  for (const workload of WORKLOADS) {
    const overhead = results.overhead.find((w) => w.workload === workload);
    if (!overhead) continue;
    const on = overheadMeans(overhead, 'on');
    const off = overheadMeans(overhead, 'off');
    latencyRows.push([
      LABEL[workload],
      `${plan.rates[workload]} ${UNIT[workload]}`,
      `${perS(on.achievedPerS)} / ${perS(off.achievedPerS)}`,
      `${ms(on.p50)} / ${ms(off.p50)}`,
      `${ms(on.p95)} / ${ms(off.p95)}`,
      `${ms(on.p99)} / ${ms(off.p99)}`,
      signed(on.p99 - off.p99),
      `${on.fixedFailures} / ${off.fixedFailures}`,
    ]);
    throughputRows.push([
      LABEL[workload],
      `${perS(on.peakPerS)} / ${perS(off.peakPerS)} ${UNIT[workload]}`,
      fixed(on.peakPerS / off.peakPerS, 3),
      `${on.peakFailures} / ${off.peakFailures}`,
      `${ms(on.cpuServices)} / ${ms(off.cpuServices)}`,
      fixed(on.cpuServices / off.cpuServices, 2),
      `${ms(on.cpuCollector)} / ${ms(off.cpuCollector)}`,
    ]);
    for (const round of overhead.rounds) {
      const latency = headlineLatency(round.fixed);
      roundRows.push([
        workload,
        `${round.round} (${round.telemetry})`,
        ms(latency.p50),
        ms(latency.p95),
        ms(latency.p99),
        ms(round.fixed.latencyMs.p99),
        perS(round.peak.okPerS),
        ms(round.cpuMsPerIteration.services),
      ]);
    }
  }
  return [
    `Each round restarts the four services with telemetry on (the product's configuration: traces, metrics and logs exported over OTLP/gRPC to the collector) or off (\`OTEL_SDK_DISABLED=true\`: the SDK is not even loaded), on the same ports, the rest of the stack unchanged. Rounds alternate ${results.plan.rounds.join('/')} so that a drift of the machine during the run weighs on both settings alike; each value below is the mean of the rounds of that setting. In each round and for each workload, the load first arrives at a fixed rate (open model: iteration n starts n / rate s after the start whether or not earlier ones were answered, so the load is the same whatever the services do) for ${plan.warmupS} s of warm-up and ${plan.measureS} s measured, then ${plan.peakVus} users loop without pause (closed loop: autocannon's connections, or journey users) for ${plan.peakWarmupS} s + ${plan.peakMeasureS} s measured: the peak throughput. For the journey, latencies are of the whole journey (six requests); for the other two, of the request.`,
    '',
    '**Latency at a fixed load** (on / off, ms)',
    '',
    table(
      ['workload', 'offered', 'succeeded per s', 'p50', 'p95', 'p99', 'p99 added', 'failed or dropped'],
      latencyRows,
    ),
    '',
    '**Peak throughput and CPU** (on / off). Throughput counts successful iterations only (a request that passed its checks, a journey that reached the thank-you page): a journey cut short by an error would otherwise count, and be quicker. CPU is the user + system time of the four services (and of the collector) during the fixed-load run, divided by the iterations it served, in ms.',
    '',
    table(
      [
        'workload',
        'peak throughput',
        'ratio on/off',
        'failed at peak',
        'services CPU per iteration',
        'CPU ratio',
        'collector CPU per iteration',
      ],
      throughputRows,
    ),
    '',
    failureNotes(
      results.overhead.flatMap((w) =>
        w.rounds.flatMap((r): [string, LoadResult][] => [
          [`${w.workload}, round ${r.round} (${r.telemetry}), fixed load`, r.fixed],
          [`${w.workload}, round ${r.round} (${r.telemetry}), peak`, r.peak],
        ]),
      ),
    ),
    '',
    '<details><summary>Every round (fixed load: latency in ms; peak in iterations/s)</summary>',
    '',
    table(['workload', 'round', 'p50', 'p95', 'p99', 'request p99', 'peak', 'services CPU ms/iteration'], roundRows),
    '',
    '</details>',
  ].join('\n');
}

function breakdownSection(results: Results): string {
  const b = results.breakdown;
  if (!b) return 'Not measured in this run.';
  const cost = (name: string) => median(b.rows.find((r) => r.name === name)?.cpuMsPerRequest ?? []);
  const off = cost('off');
  const on = cost('on');
  const rows = b.rows.map((r) => {
    const value = median(r.cpuMsPerRequest);
    return [
      r.name,
      r.what,
      r.cpuMsPerRequest.map((v) => fixed(v, 3)).join(', '),
      fixed(value, 3),
      r.name === 'off' ? '' : signed(value - off, 3),
      r.name === 'off' || r.name === 'on' ? '' : signed(value - on, 3),
    ];
  });
  return [
    `product-service's own CPU time (user + system, from /proc, its helper threads included) per \`GET /api/products\` request, with the open model offering ${b.rate} requests/s (a fixed arrival rate: the rest of the machine is equally busy in every configuration). Each configuration restarts the services with standard OTEL_* variables (bench/breakdown.ts); they run in one order, then in reverse, and the median is shown. Taking a part away shows what that part costs, including the garbage it leaves for the collector of the V8 heap; the parts overlap (no server span also means no child spans under it), so the savings do not add up to the whole.`,
    '',
    table(['configuration', 'what it is', 'CPU ms per request, each round', 'median', 'vs off', 'vs on'], rows),
    '',
    `With everything on, telemetry adds ${signed(on - off, 3)} ms of CPU to a request that costs ${fixed(off, 3)} ms without it (×${fixed(on / off, 2)}). ${spreadNote(b)}`,
  ].join('\n');
}

/** How far apart the rounds of one configuration are: differences below that are noise. */
function spreadNote(b: NonNullable<Results['breakdown']>): string {
  const spreads = b.rows.map((r) => Math.max(...r.cpuMsPerRequest) - Math.min(...r.cpuMsPerRequest));
  const widest = Math.max(...spreads);
  if (!Number.isFinite(widest) || b.rows.every((r) => r.cpuMsPerRequest.length < 2)) return '';
  return `The rounds of one configuration differ by up to ${fixed(widest, 3)} ms: a difference between configurations smaller than that is within this machine's noise.`;
}

function capacitySection(results: Results): string {
  const c = results.capacity;
  const plan = results.plan.capacity;
  const row = (run: string, step: CapacityStep, passed: string) => [
    run,
    String(step.rate),
    perS(step.result.okPerS),
    ms(step.result.latencyMs.p95),
    ms(step.result.latencyMs.p99),
    step.result.journeyMs ? ms(step.result.journeyMs.p95) : 'n/a',
    String(failures(step.result)),
    String(step.result.droppedIterations),
    step.pass ? passed : `fail: ${step.why}`,
  ];
  const rows = [
    ...c.steps.map((step) => row(`step (${plan.measureS} s)`, step, 'pass')),
    ...c.holds.map((hold) => row(`confirmation (${plan.holdS} s)`, hold, 'held')),
  ];
  let found: string;
  if (c.journeysPerS > 0) {
    found = `**Capacity: ${c.journeysPerS} journeys/s** (${c.journeysPerS * 6} requests/s at the frontend) with telemetry on, held for ${plan.holdS} s.`;
    if (c.journeysPerS < c.ladderPerS)
      found += ` The ladder's steps passed up to ${c.ladderPerS} journeys/s, which did not hold for ${plan.holdS} s.`;
  } else if (c.ladderPerS > 0) {
    found = `**Capacity: not established** — the steps passed up to ${c.ladderPerS} journeys/s, but no confirmation run held down to ${c.holdRate} journeys/s.`;
  } else {
    found = `**Capacity: below ${Math.min(...c.steps.map((s) => s.rate))} journeys/s** — no step passed.`;
  }
  const offRows = (c.offSteps ?? []).map((step) => row(`step, telemetry off (${plan.measureS} s)`, step, 'pass'));
  const offFound =
    c.offSteps === undefined
      ? ''
      : `**With telemetry off**, the same ladder (no confirmation run) passed up to **${c.offLadderPerS} journeys/s**: what the shop's own code sustains on this machine, the ceiling any telemetry change could approach.`;
  return [
    `The journey of a signed-in shopper, through the web shop's pages with the shopper's session cookie: catalogue → product page → add to cart (form POST with the page's CSRF token, 303) → cart page → checkout (form POST, 303) → thank-you page. ${results.plan.shoppers} shoppers are registered and signed in before any measurement (each journey in flight has one to itself, so no two journeys share a cart), and every product is restocked to 1 000 000 units first (product_db.products.stock; the API has no restock call and the seed's 10 000 could run out), so stock never limits the result.`,
    '',
    `The open model offers a fixed rate of journeys (journey n starts n / rate s after the start, whatever the answers): each step of the ladder is ${plan.warmupS} s of warm-up and ${plan.measureS} s measured. A step **passes** when the p95 of every request of the measured phase is below ${plan.p95LimitMs} ms, no request or check failed and no iteration was dropped, so the rate was really offered and served: the generator allows rate × 2 s of journeys in flight (one shopper each) and drops an arrival only when all are busy, that is when journeys take over 2 s on average. The ladder doubles from ${plan.startRate} journeys/s until a step fails, then bisects between the last pass and the first failure to within 10 %. The highest passing rate is then confirmed by a ${plan.holdS} s run judged the same way (footprint and loss are measured during it); if it does not hold, it is retried 10 % lower, up to ${plan.maxHolds} runs. The capacity is the rate of the run that held.`,
    '',
    table(
      [
        'run',
        'journeys/s offered',
        'succeeded per s',
        'request p95 (ms)',
        'request p99 (ms)',
        'journey p95 (ms)',
        'errors',
        'dropped',
        'result',
      ],
      [...rows, ...offRows],
    ),
    '',
    found,
    '',
    offFound,
    failureNotes([
      ...c.steps.map((step): [string, LoadResult] => [`step ${step.rate} journeys/s`, step.result]),
      ...c.holds.map((hold): [string, LoadResult] => [`confirmation ${hold.rate} journeys/s`, hold.result]),
      ...(c.offSteps ?? []).map((step): [string, LoadResult] => [
        `telemetry off, step ${step.rate} journeys/s`,
        step.result,
      ]),
    ]),
  ].join('\n');
}

function freshnessSection(results: Results): string {
  const { traceS, metricS } = results.freshness;
  const row = (what: string, samples: number[]) => [
    what,
    String(samples.length),
    seconds(median(samples)),
    seconds(Math.max(...samples)),
    samples.map(seconds).join(', '),
  ];
  return [
    `Traces: a request to product-service carries a W3C \`traceparent\` with a trace id made by the benchmark; Jaeger (where the collector's trace exporter sends spans) is polled every 100 ms for that id, from the moment the answer was read. Metrics: the count of \`http_server_request_duration_seconds\` for product-service \`GET /api/products\` is read from Prometheus, one request is made, and the query repeats every 100 ms until the count includes it. The services export metrics every ${results.plan.metricExportIntervalMs / 1000} s (\`OTEL_METRIC_EXPORT_INTERVAL\`), spans in batches every 1 s; the collector batches for up to 1 s. Between samples the benchmark waits a random time spread over one such cycle (1 s for traces, the export interval for metrics), so the requests fall at random points of it: a metric's freshness is expected anywhere between the pipeline's latency and one export interval more.`,
    '',
    table(
      ['signal', 'samples', 'median (s)', 'max (s)', 'each sample (s)'],
      [row('trace in Jaeger', traceS), row('metric in Prometheus', metricS)],
    ),
  ].join('\n');
}

function footprintSection(results: Results): string {
  const f = results.footprint;
  const peak = (telemetry: Telemetry, name: string) => mib(f.overheadPeak[telemetry][name]);
  const rows = [...SERVICES, COLLECTOR].map((name) => [
    name,
    mib(f.idle[name]),
    `${peak('on', name)} / ${peak('off', name)}`,
    mib(f.capacityPeak[name]),
  ]);
  return [
    `Resident memory (VmRSS from /proc, MiB) of each service process and of the collector (MariaDB, one server for the three databases here, is not counted). Idle: telemetry on, after ${results.plan.idleWarmup.seconds} s of journeys at ${results.plan.idleWarmup.rate}/s and a quiet period. Peaks are the highest of samples taken every 500 ms: during the overhead rounds (on / off), and during the ${results.plan.capacity.holdS} s confirmation run at ${results.capacity.holdRate} journeys/s (telemetry on; see Capacity).`,
    '',
    table(['process', 'idle', 'peak in overhead rounds (on / off)', 'peak at capacity'], rows),
  ].join('\n');
}

/** How much telemetry one journey makes, from the same window (for whoever tunes its volume). */
function perJourney(results: Results): string {
  const journeys = results.capacity.hold.totalIterations;
  const handled = (stage: string) => results.loss.rows.find((r) => r.stage === stage)?.handled ?? Number.NaN;
  const each = (n: number) => fixed(n / journeys, 1);
  return `The window held ${journeys} journeys: ${each(handled(SDK_SPANS_STAGE))} spans and ${each(handled(SDK_LOGS_STAGE))} log records per journey left the services' SDKs.`;
}

function lossSection(results: Results): string {
  const rows = results.loss.rows.map((r) => [
    r.stage,
    r.signal,
    r.dropped === undefined ? 'not counted' : String(r.dropped),
    r.handled === undefined ? '' : String(r.handled),
    `\`${r.counters}\``,
  ]);
  return [
    `Counted over the ${results.plan.capacity.holdS} s confirmation run at ${results.capacity.holdRate} journeys/s (telemetry on; see Capacity): each stage's own counters are read before the run and again once the collector's exporter queues are empty and one more metric export interval has passed, and subtracted. "Handled" is what the same stage processed in that window, for scale. The collector creates a drop counter's series at its first increment, so a series that does not exist counts 0.`,
    '',
    table(['stage', 'signal', 'dropped', 'handled', 'counters'], rows),
    '',
    perJourney(results),
  ].join('\n');
}

/**
 * How closely the open model kept its schedule: how late its arrivals started, worst over
 * the fixed-rate runs of the report (runs made with k6 have no such record: nothing is said).
 */
function arrivalNote(results: Results): string {
  const runs = [
    ...results.overhead.flatMap((w) => w.rounds.map((r) => r.fixed)),
    ...results.capacity.steps.map((s) => s.result),
    ...results.capacity.holds.map((s) => s.result),
    ...(results.capacity.offSteps ?? []).map((s) => s.result),
  ].filter((r) => r.startLateMs !== undefined);
  if (runs.length === 0) return '';
  const worst = (pick: (p: NonNullable<LoadResult['startLateMs']>) => number) =>
    Math.max(...runs.map((r) => (r.startLateMs ? pick(r.startLateMs) : Number.NaN)));
  return ` How closely the open model kept its schedule: over the ${runs.length} fixed-rate runs of overhead and capacity, the 99th percentile of how late an arrival started after its due time (warm-up excluded) was at most ${ms(worst((p) => p.p99))} ms in any run, the latest arrival ${ms(worst((p) => p.max))} ms late (about 1 ms is the timers' resolution; more is time its thread waited for a core; every run's figure is in the --json results, \`startLateMs\`).`;
}

export function renderReport(results: Results): string {
  const budgetRows = budgets(results).map((b) => [b.name, b.measured, b.limit, b.pass ? 'pass' : '**FAIL**']);
  const quick =
    results.plan.name === 'quick'
      ? [
          '> **Quick mode** (`--quick`, the smoke run of the test suite): phases of a few seconds, low rates, a 2 s metric export interval. These numbers check that the instrument works; they are not a measurement.',
          '',
        ]
      : [];
  return (
    [
      '# ShopScope performance',
      '',
      '<!-- Generated by `npm run bench` (bench/run.ts): edit bench/report.ts, not this file. -->',
      '',
      ...quick,
      `The stack ran natively on this machine, as \`npm run bench\` starts it (tools/stack/native-stack.ts): MariaDB, the four services on Node.js (\`services/*/dist\`), the OpenTelemetry Collector on \`otel-collector/config.yaml\`, Jaeger, Prometheus and Alertmanager, and a stand-in for Loki (tools/stack/standins/loki-standin.ts: Loki is AGPL and not built, so no number here is Loki's), all on loopback, with the services' product settings (\`OTEL_METRIC_EXPORT_INTERVAL=${results.plan.metricExportIntervalMs}\`, \`LOG_LEVEL=info\`). Load comes from the benchmark's own generator (bench/load.ts, in a worker thread of \`npm run bench\`): an **open model at a fixed arrival rate** (undici; each arrival at its scheduled time whatever the services answer) for every fixed-load run, and a **closed loop** for the peak (autocannon's connections for single requests, journey users for the journey). It runs on the same machine and competes for the same CPU cores as everything it measures, equally in every phase.${arrivalNote(results)} See bench/README.md for how to run it and why it measures this way.`,
      '',
      '## Machine',
      '',
      machineSection(results),
      '',
      '## Budgets',
      '',
      'Reported, not enforced: the benchmark never fails on a budget.',
      '',
      table(['budget', 'measured', 'limit', 'result'], budgetRows),
      '',
      '## 1. Instrumentation overhead',
      '',
      overheadSection(results),
      '',
      '### Where the telemetry cost goes',
      '',
      breakdownSection(results),
      '',
      '## 2. Capacity',
      '',
      capacitySection(results),
      '',
      '## 3. Freshness',
      '',
      freshnessSection(results),
      '',
      '## 4. Footprint',
      '',
      footprintSection(results),
      '',
      '## 5. Loss',
      '',
      lossSection(results),
      '',
    ]
      .join('\n')
      // Optional parts (failure notes) leave blank lines behind when empty: one is enough.
      .replace(/\n{3,}/g, '\n\n')
  );
}
