/**
 * The benchmark's report: the budgets judged (reported, never asserted) and every table,
 * as Markdown — printed to stdout and written to docs/performance.md (or --out).
 */
import { type LoadResult, WORKLOADS, type Workload } from './load.ts';
import { BATCH_FLUSH_MS, SDK_LOGS_STAGE, SDK_SPANS_STAGE } from './loss.ts';
import { isTelemetryOwner } from './profile.ts';
import { COLLECTOR, LOAD_GENERATOR, type MachineCpu, REST_OF_MACHINE } from './proc.ts';
import {
  CAPACITY_CONFIGS,
  type CapacityRun,
  type CapacityStep,
  compareConfigs,
  compareSideBySide,
  failures,
  headlineLatency,
  LADDER_CONFIGS,
  type LadderConfig,
  median,
  type Results,
  type ServicesProfile,
  TELEMETRY_CONFIGS,
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
/** CPU per iteration: a request costs a fraction of a millisecond. */
const cpuMs = (n: number) => fixed(n, 3);
const percent = (share: number) => `${fixed(share * 100, 0)} %`;
const sum = (values: (number | undefined)[]) => values.reduce<number>((n, v) => n + (v ?? Number.NaN), 0);

const UNIT: Record<Workload, string> = { api: 'req/s', catalogue: 'req/s', journey: 'journeys/s' };
const PER: Record<Workload, string> = { api: 'request', catalogue: 'request', journey: 'journey' };
const SHORT: Record<Workload, string> = { api: '`GET /api/products`', catalogue: '`GET /`', journey: 'journey' };
const LABEL: Record<Workload, string> = {
  api: '`GET /api/products` (product-service)',
  catalogue: '`GET /` catalogue page (frontend)',
  journey: 'checkout journey (6 requests)',
};

function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/** The budgets' limits (docs/performance.md states each next to its measurement). */
const LIMITS = {
  /** Services' CPU per iteration, shopscope / off. */
  cpuRatio: { api: 1.25, catalogue: 1.2, journey: 1.25 } as Record<Workload, number>,
  /** ShopScope's added CPU per iteration over zero-code's. */
  addedVsZeroCode: 0.5,
  /** p99 added by shopscope at the fixed rates of the single-request workloads, ms. */
  p99AddedMs: 3,
  /** Journey capacity, shopscope / off. */
  capacityVsOff: 0.8,
  /** Each service's peak RSS at saturation over its container memory limit. */
  rssShareOfLimit: 0.85,
  traceS: 3,
  metricS: 12,
};

export function budgets(results: Results): Budget[] {
  const out: Budget[] = [];
  // The CPU and latency budgets are judged on the pairs measured side by side (section 1).
  const rates = results.plan.overhead.rates;
  const compared = WORKLOADS.map((w) => [w, compareSideBySide(results.sideBySide, w, rates[w])] as const);
  // The journey is judged at the overhead's rate; the busy rate beside it shows the part of
  // the cost that does not grow with the load (section 1).
  const busyRate = results.plan.sideBySide.busyJourneyRate;
  const busy = compareSideBySide(results.sideBySide, 'journey', busyRate);
  const atBusyRate = (workload: Workload, value: number, digits: number) =>
    workload === 'journey' && Number.isFinite(value) ? `; at ${busyRate}/s ${fixed(value, digits)}` : '';
  for (const [workload, c] of compared) {
    const limit = LIMITS.cpuRatio[workload];
    out.push({
      name: `${LABEL[workload]}: services' CPU per ${PER[workload]}, shopscope / off (side by side)`,
      // The floor beside it: the least telemetry the design allows (section 1).
      measured: `${fixed(c.cpuRatio, 3)} (${cpuMs(c.cpu.shopscope)} / ${cpuMs(c.cpu.off)} ms); spans only ${fixed(c.spansOnlyRatio, 3)}${atBusyRate(workload, busy.cpuRatio, 3)}`,
      limit: `≤ ${limit.toFixed(2)}`,
      pass: c.cpuRatio <= limit,
    });
  }
  for (const [workload, c] of compared) {
    out.push({
      name: `${LABEL[workload]}: CPU ShopScope adds per ${PER[workload]} ≤ ${LIMITS.addedVsZeroCode} × what zero-code adds (side by side)`,
      // Beside it, the same with zero-code's 5 s batch delay: the trace freshness budget's price (section 1).
      measured: `${fixed(c.addedRatio, 2)} (${signed(c.added, 3)} vs ${signed(c.zeroCodeAdded, 3)} ms)${atBusyRate(workload, busy.addedRatio, 2)}; with 5 s batches ${fixed(c.slowBatchesAddedRatio, 2)}${workload === 'journey' ? ` (at ${busyRate}/s ${fixed(busy.slowBatchesAddedRatio, 2)})` : ''}`,
      limit: `≤ ${LIMITS.addedVsZeroCode.toFixed(2)}`,
      // A zero-code cost of 0 or less leaves nothing to compare with: not met.
      pass: c.zeroCodeAdded > 0 && c.added <= LIMITS.addedVsZeroCode * c.zeroCodeAdded,
    });
  }
  for (const [workload, c] of compared) {
    if (workload === 'journey') continue;
    out.push({
      name: `${LABEL[workload]}: p99 added by shopscope at ${rates[workload]} ${UNIT[workload]} (side by side)`,
      measured: `${signed(c.p99Added)} ms (${ms(c.p99.shopscope)} vs ${ms(c.p99.off)} ms)`,
      limit: `≤ ${LIMITS.p99AddedMs} ms`,
      pass: c.p99Added <= LIMITS.p99AddedMs,
    });
  }
  const { shopscope, off, 'spans only': spansOnly } = results.capacity;
  const plan = results.plan.capacity;
  out.push({
    name: `journey capacity, shopscope ≥ ${LIMITS.capacityVsOff} × off (each confirmed by a ${plan.holdS} s run: request p95 < ${plan.p95LimitMs} ms, no error)`,
    measured: `${fixed(shopscope.journeysPerS / off.journeysPerS, 3)} (${shopscope.journeysPerS} / ${off.journeysPerS} journeys/s); spans only ${fixed(spansOnly.journeysPerS / off.journeysPerS, 3)} (${spansOnly.journeysPerS})`,
    limit: `≥ ${LIMITS.capacityVsOff.toFixed(2)}`,
    pass: off.journeysPerS > 0 && shopscope.journeysPerS >= LIMITS.capacityVsOff * off.journeysPerS,
  });
  const peaks = results.footprint.capacityPeak.shopscope;
  const limits = results.footprint.memoryLimitBytes;
  const shares = SERVICES.map((name) => {
    const peak = peaks[name] ?? Number.NaN;
    const limit = limits[name] ?? Number.NaN;
    return { name, peak, limit, share: peak / limit };
  });
  // The highest share first; a missing value (NaN) first of all.
  const worst = [...shares].sort((a, b) =>
    Number.isNaN(a.share) ? -1 : Number.isNaN(b.share) ? 1 : b.share - a.share,
  )[0];
  const sameLimit = new Set(shares.map((s) => s.limit)).size === 1;
  out.push({
    name: `each service's peak RSS at saturation (the shopscope confirmation run, ${shopscope.holdRate} journeys/s) against its container memory limit (docker-compose.yml)`,
    measured: worst
      ? `${mib(worst.peak)} MiB = ${percent(worst.share)} of ${mib(worst.limit)} MiB (${worst.name}, the highest share)`
      : 'n/a',
    limit:
      sameLimit && shares[0]
        ? `≤ ${percent(LIMITS.rssShareOfLimit)} (${mib(LIMITS.rssShareOfLimit * shares[0].limit)} of ${mib(shares[0].limit)} MiB)`
        : `≤ ${percent(LIMITS.rssShareOfLimit)} of each service's limit`,
    pass: shares.every((s) => s.share <= LIMITS.rssShareOfLimit),
  });
  const traceMax = Math.max(...results.freshness.traceS);
  out.push({
    name: 'trace in Jaeger after the request (max of samples)',
    measured: `${seconds(traceMax)} s`,
    limit: `≤ ${LIMITS.traceS} s`,
    pass: traceMax <= LIMITS.traceS,
  });
  const metricMax = Math.max(...results.freshness.metricS);
  out.push({
    name: 'metric queryable in Prometheus after the request (max of samples)',
    measured: `${seconds(metricMax)} s`,
    limit: `≤ ${LIMITS.metricS} s`,
    pass: metricMax <= LIMITS.metricS,
  });
  const counted = results.loss.rows.filter((r) => r.dropped !== undefined);
  const dropped = counted.reduce((n, r) => n + (r.dropped ?? 0), 0);
  const uncounted = results.loss.rows.filter((r) => r.dropped === undefined);
  out.push({
    name: `telemetry dropped at capacity (the shopscope confirmation run, ${shopscope.holdRate} journeys/s), at every stage from the services' SDKs to the backends`,
    measured:
      uncounted.length === 0
        ? `${dropped}, every stage counted`
        : `${dropped} where counted; not counted: ${uncounted.map((r) => `${r.stage}, ${r.signal} — ${r.counters.replace(/^not counted: /, '')}`).join('; ')}`,
    limit: '0, every stage counted',
    pass: dropped === 0 && uncounted.length === 0,
  });
  return out;
}

/** Each workload's configurations compared (results.ts), in WORKLOADS' order. */
function comparisons(results: Results): [Workload, ReturnType<typeof compareConfigs>][] {
  return WORKLOADS.flatMap((workload) => {
    const overhead = results.overhead.find((w) => w.workload === workload);
    return overhead ? [[workload, compareConfigs(overhead)] as [Workload, ReturnType<typeof compareConfigs>]] : [];
  });
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
  const compared = comparisons(results);
  const latencyRows: string[][] = [];
  const roundRows: string[][] = [];
  for (const [workload, c] of compared) {
    for (const telemetry of TELEMETRY_CONFIGS) {
      const m = c.means[telemetry];
      latencyRows.push([
        LABEL[workload],
        `${plan.rates[workload]} ${UNIT[workload]}`,
        telemetry,
        perS(m.achievedPerS),
        ms(m.p50),
        ms(m.p95),
        ms(m.p99),
        telemetry === 'off' ? '—' : signed(c.vsOff[telemetry].p99Added),
        String(m.fixedFailures),
        String(m.peakFailures),
      ]);
    }
  }
  for (const overhead of results.overhead) {
    for (const round of overhead.rounds) {
      const latency = headlineLatency(round.fixed);
      const accepted = round.accepted;
      roundRows.push([
        overhead.workload,
        `${round.round} (${round.telemetry})`,
        ms(latency.p50),
        ms(latency.p95),
        ms(latency.p99),
        ms(round.fixed.latencyMs.p99),
        perS(round.peak.okPerS),
        cpuMs(round.cpuMsPerIteration.services),
        cpuMs(round.cpuMsPerIteration.collector),
        accepted
          ? `${fixed(accepted.spans / accepted.journeys, 1)} / ${fixed(accepted.logRecords / accepted.journeys, 1)}`
          : '',
      ]);
    }
  }
  return [
    `Each round restarts the four services in one of three configurations, on the same ports, the rest of the stack unchanged (\`OTEL_SDK_DISABLED\` and \`TELEMETRY_BOOTSTRAP\` are both set at every restart, so nothing is left over from the previous one):`,
    '',
    '- **off**: `OTEL_SDK_DISABLED=true`, no SDK loaded at all — the baseline;',
    "- **shopscope**: the product's default, ShopScope's own bootstrap (services/telemetry/src/sdk.ts): traces, metrics and logs over OTLP/gRPC to the collector, the instrumentations the services use, redaction, process metrics, the SDK's own counters;",
    "- **zero-code**: `TELEMETRY_BOOTSTRAP=zero-code`, the stock `@opentelemetry/auto-instrumentations-node/register` with standard OTEL_* variables — the same collector, protocol, resource and metric export interval as shopscope, everything else the bundle's defaults (its default instrumentations, batch settings and resource detectors as services/telemetry/src/settings.ts sets them). What a team gets without writing a bootstrap: the yardstick for what ShopScope's adds.",
    '',
    `Rounds ran in the order ${results.plan.rounds.join(', ')}${results.plan.rounds.length > TELEMETRY_CONFIGS.length ? ": each configuration's rounds lie symmetrically about the middle of the run, so a linear drift of the machine adds the same to each configuration's mean" : ' (one round each: a drift of the machine is not cancelled)'}; each value below is the mean over the rounds of that configuration. Each round restarts the services, then warms them: each workload for ${plan.warmPassS} s at ${plan.warmPassRates.api} requests/s, ${plan.warmPassRates.catalogue} pages/s and ${plan.warmPassRates.journey} journeys/s, unmeasured (a restarted service's CPU per journey keeps falling for a hundred journeys and more). Then, for each workload, the load first arrives at a fixed rate (open model: iteration n starts n / rate s after the start whether or not earlier ones were answered, so the load is the same whatever the services do) for ${plan.warmupS} s of warm-up and ${plan.measureS} s measured, then ${plan.peakVus} users loop without pause (closed loop: autocannon's connections, or journey users) for ${plan.peakWarmupS} s + ${plan.peakMeasureS} s measured: the peak throughput. For the journey, latencies are of the whole journey (six requests); for the other two, of the request.`,
    '',
    '#### Means of the rounds',
    '',
    `CPU is the user + system time (from /proc) of the four services, or of the collector, during the fixed-rate run (its warm-up included, on services already warmed), divided by the iterations started in it (a request, or a whole journey), in ms; "added" is the configuration's minus off's. p99 is of the fixed-rate run; peak counts successful iterations only (a request that passed its checks, a journey that reached the thank-you page). Spans and log records per journey: what the collector's OTLP receiver accepted (\`otelcol_receiver_accepted_{spans,log_records}_total\`) from the start of the journey's fixed-rate run until ${BATCH_FLUSH_MS / 1000} s after its end (the SDKs' last batches; every fixed-rate run also starts ${BATCH_FLUSH_MS / 1000} s after the previous run, so that the previous run's telemetry has left and counts neither here nor in the CPU), divided by the journeys of the run that completed, warm-up included; it also holds whatever else the services sent in that window, notably the collector's \`/readyz\` probe of each service every 10 s, which zero-code traces and ShopScope's bootstrap does not. RSS: the four services' resident memory added up — idle (after a short warm-up and a quiet period), and the sum of each service's peak during that configuration's overhead rounds (see Footprint).`,
    '',
    table(['', ...TELEMETRY_CONFIGS], sideBySideRows(results)),
    '',
    roundSpreadNote(results),
    '',
    '#### Latency at the fixed rate',
    '',
    table(
      [
        'workload',
        'offered',
        'configuration',
        'succeeded per s',
        'p50 (ms)',
        'p95 (ms)',
        'p99 (ms)',
        'p99 added to off (ms)',
        'failed or dropped',
        'failed at peak',
      ],
      latencyRows,
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
    '<details><summary>Every round (fixed load: latency and CPU in ms; peak in iterations/s)</summary>',
    '',
    table(
      [
        'workload',
        'round',
        'p50',
        'p95',
        'p99',
        'request p99',
        'peak',
        'services CPU per iteration',
        'collector CPU per iteration',
        'spans / log records per journey',
      ],
      roundRows,
    ),
    '',
    '</details>',
  ].join('\n');
}

/** The budgets' comparisons, measured side by side (bench/side-by-side.ts). */
function sideBySideSection(results: Results): string {
  const plan = results.plan.sideBySide;
  const pairRows: string[][] = [];
  for (const pair of results.sideBySide) {
    for (const w of pair.workloads) {
      const [a, b] = pair.configs;
      const cpu = w.cpuMsPerIteration;
      pairRows.push([
        `${a} beside ${b}`,
        `${SHORT[w.workload]} at ${w.rate} ${UNIT[w.workload]}`,
        cpu[0].map(cpuMs).join(', '),
        cpu[1].map(cpuMs).join(', '),
        cpu[0].map((v, i) => fixed((cpu[1][i] ?? Number.NaN) / v, 3)).join(', '),
        `${w.p99Ms[0].map(ms).join(', ')} / ${w.p99Ms[1].map(ms).join(', ')}`,
        `${w.failures[0]} / ${w.failures[1]}`,
      ]);
    }
  }
  const loads = (results.sideBySide[0]?.workloads ?? []).map(({ workload, rate }) => ({ workload, rate }));
  const rows = loads.map(({ workload, rate }) => {
    const c = compareSideBySide(results.sideBySide, workload, rate);
    return [
      `${SHORT[workload]} at ${rate} ${UNIT[workload]}`,
      `${cpuMs(c.cpu.shopscope)} / ${cpuMs(c.cpu.off)}`,
      fixed(c.cpuRatio, 3),
      signed(c.added, 3),
      fixed(c.zeroCodeOverShopscope, 3),
      signed(c.zeroCodeAdded, 3),
      fixed(c.addedRatio, 2),
      workload === 'journey' ? '—' : signed(c.p99Added),
      fixed(c.twinRatio, 3),
      workload === 'journey' ? '—' : signed(c.twinP99Gap),
      fixed(c.spansOnlyRatio, 3),
      fixed(c.slowBatchesOverShopscope, 3),
      fixed(c.slowBatchesAddedRatio, 2),
    ];
  });
  return [
    `The budgets' CPU and p99 comparisons. Configurations measured one after another (the rounds below) differ by the machine's drift between those minutes: two full runs of the same product code gave the API's ratio to off as 1.22 and 1.43, the journey's as 1.32 and 1.80. Here two configurations run at the same moment, each in a fresh set of four services of its own (beside the stack's, on its database and collector; each set's frontend calls its own APIs, and each set has its own half of the shoppers). ${plan.rounds} round${plan.rounds === 1 ? '' : 's'} of each pair, each on freshly started sets with the sides swapped from the last (which set starts first and is loaded first: in a run where they were not swapped, the first set of the pair ShopScope beside ShopScope used 1 to 6 % more CPU than its twin). Each round warms both sets (every workload for ${plan.warmPassS} s at the warm-pass rates, unmeasured), then offers each workload to both at once at the overhead's fixed rate (${plan.warmupS} s warm-up, ${plan.measureS} s measured), the four services' CPU of each set read over the same window and divided by the iterations started in it. Both sides feel the same drift; the pair ShopScope beside ShopScope shows how closely two identical sets agree, spans only beside off what the least telemetry costs, and ShopScope with 5 s batches beside ShopScope what sending every second costs. Zero-code is measured beside ShopScope and carried to the first pair's scale through their ratio. Each set runs beside the other's load: its p99 is that of a machine about twice as busy as in the rounds below, alike for both sides.`,
    '',
    table(
      [
        'workload',
        'CPU per iteration, shopscope / off (ms)',
        'ratio',
        'added (ms)',
        'zero-code / shopscope',
        'zero-code added (ms)',
        'added / zero-code added',
        'p99 added (ms)',
        'shopscope twin / shopscope',
        'twin p99 gap (ms)',
        'spans only / off',
        '5 s batches / shopscope',
        '5 s batches added / zero-code added',
      ],
      rows,
    ),
    '',
    floorNote(results),
    '',
    journeyRatesNote(results),
    '',
    '<details><summary>Every pair and round (CPU per iteration in ms, one value per round)</summary>',
    '',
    table(
      [
        'pair',
        'workload',
        'first side',
        'second side',
        'second / first',
        'p99 first / second (ms)',
        'failed or dropped',
      ],
      pairRows,
    ),
    '',
    '</details>',
  ].join('\n');
}

/** The least telemetry the design allows against each CPU budget: what no choice of ShopScope's can go below. */
function floorNote(results: Results): string {
  const rates = results.plan.overhead.rates;
  const parts = WORKLOADS.map((workload) => {
    const c = compareSideBySide(results.sideBySide, workload, rates[workload]);
    const limit = LIMITS.cpuRatio[workload];
    return `${SHORT[workload]} ×${fixed(c.spansOnlyRatio, 3)} (budget ≤ ${limit}, ShopScope ×${fixed(c.cpuRatio, 3)})`;
  });
  return `**Spans only** is ShopScope's bootstrap keeping only what traces every request with its SQL across the services — the http server spans, the undici client spans that also carry the trace to the next service, the Sequelize query spans — with no metrics and no logs sent: the least telemetry the design allows ("every request traced"). Beside off, at the same rates: ${parts.join('; ')}. Where spans only is above a budget, no choice of what ShopScope records meets it; what remains is the upstream instrumentations' and SDK's own cost per span (see the breakdown and the profile below).`;
}

/**
 * The journey at two rates: the budget is judged at the overhead's, where the telemetry's
 * costs that do not grow with the load weigh on each journey; the busier rate shows how much.
 */
function journeyRatesNote(results: Results): string {
  const rate = results.plan.overhead.rates.journey;
  const busy = results.plan.sideBySide.busyJourneyRate;
  const at = (r: number) => compareSideBySide(results.sideBySide, 'journey', r);
  const slow = at(rate);
  const fast = at(busy);
  // Added CPU per journey at a rate r taken as a / r + b: a, ms per second whatever the load;
  // b, ms per journey. Two rates, two unknowns.
  const split = (atSlow: number, atFast: number) => {
    const perSecond = (atSlow - atFast) / (1 / rate - 1 / busy);
    return { perSecond, perJourney: atSlow - perSecond / rate };
  };
  const ours = split(slow.added, fast.added);
  const stock = split(slow.zeroCodeAdded, fast.zeroCodeAdded);
  const batchesNote = (c: ReturnType<typeof at>, r: number) =>
    `at ${r}/s ×${fixed(c.slowBatchesOverShopscope, 3)} ShopScope's CPU, adding ${fixed(c.slowBatchesAddedRatio, 2)} × what zero-code adds (ShopScope: ${fixed(c.addedRatio, 2)})`;
  return `The journey's budget is judged at ${rate} journeys/s, the overhead's fixed rate. There, what telemetry costs whatever the load (each service's timers and exports every second, telemetry code run too rarely to stay optimised) is shared by few journeys: ShopScope adds ${signed(slow.added, 1)} ms per journey (×${fixed(slow.cpuRatio, 3)}). At ${busy} journeys/s per set it adds ${signed(fast.added, 1)} ms (×${fixed(fast.cpuRatio, 3)}): the difference is the part of the cost that does not grow with the load. Taking the added CPU at a rate r as a part per second over r plus a part per journey, the two rates give: ShopScope ${fixed(ours.perSecond, 1)} ms per second (the four services) and ${fixed(ours.perJourney, 1)} ms per journey; zero-code ${fixed(stock.perSecond, 1)} ms per second and ${fixed(stock.perJourney, 1)} ms per journey (per journey, ShopScope adds ${fixed(ours.perJourney / stock.perJourney, 2)} × what zero-code adds). Two points and two unknowns: each part carries the noise of both rates (see the pair ShopScope beside ShopScope). Of the settings that act per second, ShopScope sends each service's spans every second (\`OTEL_BSP_SCHEDULE_DELAY=1000\`, for the trace freshness budget of 3 s, section 3) where zero-code keeps the SDK's 5 s. ShopScope with 5 s batches (\`OTEL_BSP_SCHEDULE_DELAY\` and \`OTEL_BLRP_SCHEDULE_DELAY\` 5000, nothing else changed), measured beside ShopScope: ${batchesNote(slow, rate)}; ${batchesNote(fast, busy)}. The difference is what the trace freshness budget costs at that rate; the 5 s delay would leave a span up to 5 s in its service, above that budget.`;
}

/**
 * How far apart the rounds of one configuration are, per workload: the machine's own noise,
 * against which a ratio's distance to its budget is to be read.
 */
function roundSpreadNote(results: Results): string {
  const parts: string[] = [];
  for (const { workload, rounds } of results.overhead) {
    const off = rounds.filter((r) => r.telemetry === 'off').map((r) => r.cpuMsPerIteration.services);
    const offMean = sum(off) / off.length;
    let widest = 0;
    for (const telemetry of TELEMETRY_CONFIGS) {
      const values = rounds.filter((r) => r.telemetry === telemetry).map((r) => r.cpuMsPerIteration.services);
      if (values.length > 1) widest = Math.max(widest, Math.max(...values) - Math.min(...values));
    }
    if (widest > 0 && offMean > 0) {
      parts.push(`${SHORT[workload]} ${fixed(widest, 3)} ms (${fixed((100 * widest) / offMean, 0)} % of off's CPU)`);
    }
  }
  if (parts.length === 0) return 'One round per configuration: the run does not show its own noise.';
  return `The rounds of one configuration differ in services' CPU by up to: ${parts.join('; ')}. A ratio to off moves by about that share from one round to the next, with nothing changed.`;
}

/** The side-by-side table: per workload CPU, its ratio and addition to off, collector CPU, p99, peak; then volume and memory. */
function sideBySideRows(results: Results): string[][] {
  const rows: string[][] = [];
  const each = (pick: (t: Telemetry) => string) => TELEMETRY_CONFIGS.map(pick);
  let journey: ReturnType<typeof compareConfigs> | undefined;
  for (const [workload, c] of comparisons(results)) {
    if (workload === 'journey') journey = c;
    const w = SHORT[workload];
    rows.push(
      [`${w}: services' CPU per ${PER[workload]} (ms)`, ...each((t) => cpuMs(c.means[t].cpuServices))],
      [`${w}: CPU ratio to off`, ...each((t) => fixed(c.vsOff[t].cpuRatio, 2))],
      [`${w}: CPU added to off (ms)`, ...each((t) => (t === 'off' ? '—' : signed(c.vsOff[t].cpuAdded, 3)))],
      [`${w}: collector CPU per ${PER[workload]} (ms)`, ...each((t) => cpuMs(c.means[t].cpuCollector))],
      [
        `${w}: p99 at ${results.plan.overhead.rates[workload]} ${UNIT[workload]} (ms)`,
        ...each((t) => ms(c.means[t].p99)),
      ],
      [`${w}: peak (${UNIT[workload]})`, ...each((t) => perS(c.means[t].peakPerS))],
    );
  }
  if (journey) {
    const j = journey;
    rows.push(
      ['spans per journey', ...each((t) => fixed(j.means[t].spansPerJourney, 1))],
      ['log records per journey', ...each((t) => fixed(j.means[t].logRecordsPerJourney, 1))],
    );
  }
  const f = results.footprint;
  rows.push(
    ['idle RSS, four services (MiB)', ...each((t) => mib(sum(SERVICES.map((s) => f.idle[t]?.[s]))))],
    [
      'peak RSS in the overhead rounds, four services (MiB)',
      ...each((t) => mib(sum(SERVICES.map((s) => f.overheadPeak[t]?.[s])))),
    ],
  );
  return rows;
}

function breakdownSection(results: Results): string {
  const b = results.breakdown;
  const plan = results.plan.breakdown;
  const row = (name: string) => b.rows.find((r) => r.name === name);
  const rows = b.rows.map((r) => {
    const pair = pairOf(r);
    return [
      r.name,
      r.what,
      r.cpuMsPerRequest.map((v) => fixed(v, 3)).join(', '),
      r.twinCpuMsPerRequest.map((v) => fixed(v, 3)).join(', '),
      signed(pair.own - pair.twin, 3),
      `×${fixed(pair.own / pair.twin, 2)}`,
      ms(median(r.p99Ms)),
      ms(median(r.twinP99Ms)),
    ];
  });
  return [
    `product-service's own CPU time (user + system, from /proc, its helper threads included) per \`GET /api/products\` request, and the p99 latency of those requests (warm-up excluded), in eleven configurations. This machine's speed drifts by a fifth and more between minutes, so configurations measured one after another differ by as much as they differ from each other. Here each configuration runs instead in a product-service process of its own, started beside the stack's (same database, collector and settings), next to a **twin** with ShopScope's bootstrap, both fresh: the open model offers ${b.rate} requests/s to each at once, first for ${plan.warmPassS} s unmeasured, then ${plan.rounds} round${plan.rounds === 1 ? '' : 's'} of ${plan.warmupS} s + ${plan.measureS} s, and both processes' CPU is read over the same window, so both feel the same drift and their difference holds. The configuration is set by \`OTEL_SDK_DISABLED\`, \`TELEMETRY_BOOTSTRAP\` and standard OTEL_* variables at the process's start (bench/breakdown.ts). The difference to the twin is what the change costs or saves against ShopScope's bootstrap, including the garbage it leaves for the collector of the V8 heap; the parts overlap (no server span also means no child spans under it), so the savings do not add up to the whole. The \`shopscope\` row is ShopScope beside ShopScope: how closely a pair agrees with nothing changed.`,
    '',
    table(
      [
        'configuration',
        'what it is',
        'CPU ms per request, each round',
        'its shopscope twin, each round',
        'difference to the twin',
        'ratio to the twin',
        'p99 (ms), median',
        "twin's p99 (ms)",
      ],
      rows,
    ),
    '',
    breakdownNotes(row),
  ].join('\n');
}

/** A breakdown row's CPU per request, its own and its twin's, each as the mean of its rounds (equal requests per round). */
function pairOf(r: Results['breakdown']['rows'][number]): { own: number; twin: number } {
  const mean = (values: number[]) => values.reduce((sum, v) => sum + v, 0) / values.length;
  return { own: mean(r.cpuMsPerRequest), twin: mean(r.twinCpuMsPerRequest) };
}

/**
 * What the breakdown shows, in words: ShopScope's added cost (the off row's twin minus
 * off), zero-code's against ShopScope, what taking each part away saves, the budget's
 * allowance against the least telemetry the design allows, and the pair's agreement.
 */
function breakdownNotes(row: (name: string) => Results['breakdown']['rows'][number] | undefined): string {
  const found = (name: string) => {
    const r = row(name);
    return r ? pairOf(r) : undefined;
  };
  const off = found('off');
  if (!off) return '';
  const added = off.twin - off.own;
  const parts = [
    `ShopScope's bootstrap adds ${signed(added, 3)} ms of CPU to a request that costs ${fixed(off.own, 3)} ms without telemetry, measured side by side (×${fixed(off.twin / off.own, 2)}).`,
  ];
  const zeroCode = found('zero-code');
  if (zeroCode)
    parts.push(
      `The zero-code setup costs ${signed(zeroCode.own - zeroCode.twin, 3)} ms more than ShopScope's beside it (×${fixed(zeroCode.own / zeroCode.twin, 2)}).`,
    );
  const saving = (name: string) => {
    const pair = found(name);
    return pair ? `${name} ${signed(pair.own - pair.twin, 3)} ms` : undefined;
  };
  const savings = ['nothing exported', '1 trace in 10', 'without http', 'without pino', 'spans only', 'SDK only']
    .map(saving)
    .filter((text): text is string => text !== undefined);
  if (savings.length > 0) parts.push(`Against ShopScope's bootstrap beside it: ${savings.join('; ')}.`);
  const spansOnly = found('spans only');
  if (spansOnly) {
    const allowed = (LIMITS.cpuRatio.api - 1) * off.own;
    const floor = added + (spansOnly.own - spansOnly.twin);
    parts.push(
      `The budget of \`GET /api/products\` (≤ ${LIMITS.cpuRatio.api} × off) allows ${signed(allowed, 3)} ms here; the least telemetry the design allows, spans only (a server span and its SQL span per request, exported; no metrics, no logs), adds about ${signed(floor, 3)} ms (ShopScope's added cost, then the difference spans only makes to it).`,
    );
  }
  const same = row('shopscope');
  if (same && same.cpuMsPerRequest.length > 0) {
    const gaps = same.cpuMsPerRequest.map((v, i) => Math.abs(v - (same.twinCpuMsPerRequest[i] ?? Number.NaN)));
    parts.push(
      `ShopScope beside ShopScope, the two processes differed by up to ${fixed(Math.max(...gaps), 3)} ms per request in a round: a difference to the twin smaller than that is within the measurement's noise.`,
    );
  }
  return parts.join(' ');
}

/** The owner rows of the profile section: telemetry packages one by one, then GC, Node/V8, the shop's own. */
const SHOP_OWN = "the shop's code and its libraries";
const NODE_OWN = 'Node/V8';

/** CPU per journey by owner group, the four services summed. */
function profileByGroup(profile: ServicesProfile): Map<string, number> {
  const groups = new Map<string, number>();
  for (const { byOwner } of Object.values(profile.services)) {
    for (const [owner, ms] of Object.entries(byOwner)) {
      const group = isTelemetryOwner(owner) || owner === 'GC' || owner === NODE_OWN ? owner : SHOP_OWN;
      groups.set(group, (groups.get(group) ?? 0) + ms / profile.iterations);
    }
  }
  return groups;
}

export function profileSection(results: Results): string {
  const { off, shopscope } = results.profile;
  const plan = results.plan.profile;
  const offGroups = profileByGroup(off);
  const onGroups = profileByGroup(shopscope);
  const get = (groups: Map<string, number>, name: string) => groups.get(name) ?? 0;
  const total = (groups: Map<string, number>) => sum([...groups.values()]);
  const offTotal = total(offGroups);
  const onTotal = total(onGroups);
  const added = onTotal - offTotal;
  const telemetryOwners = [...new Set([...offGroups.keys(), ...onGroups.keys()])]
    .filter(isTelemetryOwner)
    .sort((a, b) => get(onGroups, b) - get(onGroups, a));
  // Packages under 0.05 ms per journey rest on a handful of samples: one row for them.
  const small = telemetryOwners.filter((o) => get(onGroups, o) < 0.05);
  const row = (name: string, offMs: number, onMs: number) => [
    name,
    cpuMs(offMs),
    cpuMs(onMs),
    signed(onMs - offMs, 3),
    added > 0 ? percent((onMs - offMs) / added) : '',
  ];
  const sumOf = (groups: Map<string, number>, owners: string[]) => sum(owners.map((o) => get(groups, o)));
  const telemetryAdded = sumOf(onGroups, telemetryOwners) - sumOf(offGroups, telemetryOwners);
  const oursAdded = get(onGroups, '@shopscope/telemetry') - get(offGroups, '@shopscope/telemetry');
  const gcAdded = get(onGroups, 'GC') - get(offGroups, 'GC');
  const nodeAdded = get(onGroups, NODE_OWN) - get(offGroups, NODE_OWN);
  const shopAdded = get(onGroups, SHOP_OWN) - get(offGroups, SHOP_OWN);
  const rows = [
    ...telemetryOwners
      .filter((o) => !small.includes(o))
      .map((o) =>
        row(`\`${o}\`${o === '@shopscope/telemetry' ? " (ShopScope's own)" : ''}`, get(offGroups, o), get(onGroups, o)),
      ),
    ...(small.length > 0
      ? [
          row(
            `other telemetry packages (${small.length}, each under 0.05 ms)`,
            sumOf(offGroups, small),
            sumOf(onGroups, small),
          ),
        ]
      : []),
    row('**telemetry packages**', sumOf(offGroups, telemetryOwners), sumOf(onGroups, telemetryOwners)),
    row('GC (whoever made the garbage)', get(offGroups, 'GC'), get(onGroups, 'GC')),
    row(
      `${NODE_OWN} (work no package asked for: microtasks, timers, V8's own)`,
      get(offGroups, NODE_OWN),
      get(onGroups, NODE_OWN),
    ),
    row(`${SHOP_OWN} (Express, Sequelize, mysql2, EJS, …)`, get(offGroups, SHOP_OWN), get(onGroups, SHOP_OWN)),
    row('**the four services**', offTotal, onTotal),
  ];
  const perService = SERVICES.map((service) => {
    const o = off.services[service];
    const s = shopscope.services[service];
    const telemetryMs = (p: typeof s) =>
      p
        ? sum(
            Object.entries(p.byOwner)
              .filter(([owner]) => isTelemetryOwner(owner))
              .map(([, v]) => v),
          )
        : Number.NaN;
    return [
      service,
      cpuMs((o?.totalMs ?? Number.NaN) / off.iterations),
      cpuMs((s?.totalMs ?? Number.NaN) / shopscope.iterations),
      signed((s?.totalMs ?? Number.NaN) / shopscope.iterations - (o?.totalMs ?? Number.NaN) / off.iterations, 3),
      cpuMs(telemetryMs(s) / shopscope.iterations),
    ];
  });
  const allowed = (LIMITS.cpuRatio.journey - 1) * offTotal;
  const upstream = telemetryAdded - oursAdded;
  return [
    `The four services profiled by V8's sampling profiler (\`--cpu-prof\`, one sample every 500 µs; bench/profile.ts) under journeys offered at ${plan.rate}/s, ${plan.warmupS} s of warm-up, then ${plan.seconds} s profiled: once with telemetry off (${off.iterations} journeys), once with ShopScope's (${shopscope.iterations}). Each sample is charged to the innermost frame that belongs to a package or to the shop's code, so the work Node does on a package's behalf (an http2 write for gRPC, a socket write for mysql2) is that package's; garbage collection is its own row. In ms of CPU per journey, the four services summed. A sampling profile says where the time goes, not how much there is: the CPU figures above (from /proc) are the measure, and the profiler's own cost weighs on both runs.`,
    '',
    table(['where', 'off', 'shopscope', 'added', 'share of the added'], rows),
    '',
    table(['service', 'off (ms per journey)', 'shopscope', 'added', 'of which telemetry packages'], perService),
    '',
    `Of the ${signed(added, 1)} ms per journey that telemetry adds in this profile (×${fixed(onTotal / offTotal, 2)}), ${fixed(telemetryAdded, 1)} ms is the telemetry packages' own code: ${fixed(upstream, 1)} ms upstream (the OpenTelemetry SDK, its instrumentations, exporters and gRPC) and ${fixed(oursAdded, 1)} ms ShopScope's own (\`@shopscope/telemetry\`: the redaction processors and the process metrics). ${fixed(gcAdded, 1)} ms is more garbage collection (the spans, attributes, log records and export messages), ${fixed(nodeAdded, 1)} ms more of Node's and V8's own work, and ${fixed(shopAdded, 1)} ms more in the shop's own code and libraries, which run inside the instrumentations' wrappers and carry the trace context (the profile cannot tell that apart from run-to-run noise). The journey budget (≤ ${LIMITS.cpuRatio.journey} × off) would allow ${fixed(allowed, 1)} ms here; the upstream packages' own code and the garbage collection it adds come to ${fixed(upstream + gcAdded, 1)} ms.`,
  ].join('\n');
}

/** What a configuration's ladder and confirmation found, in one sentence. */
function capacityFound(run: CapacityRun, telemetry: LadderConfig, holdS: number): string {
  if (run.journeysPerS > 0) {
    let found = `**Capacity, ${telemetry}: ${run.journeysPerS} journeys/s** (${run.journeysPerS * 6} requests/s at the frontend), held for ${holdS} s.`;
    if (run.journeysPerS < run.ladderPerS)
      found += ` The ladder's steps passed up to ${run.ladderPerS} journeys/s, which did not hold for ${holdS} s.`;
    return found;
  }
  if (run.ladderPerS > 0)
    return `**Capacity, ${telemetry}: not established** — the steps passed up to ${run.ladderPerS} journeys/s, but no confirmation run held down to ${run.holdRate} journeys/s.`;
  return `**Capacity, ${telemetry}: below ${Math.min(...run.steps.map((s) => s.rate))} journeys/s** — no step passed.`;
}

function capacitySection(results: Results): string {
  const plan = results.plan.capacity;
  const row = (telemetry: LadderConfig, run: string, step: CapacityStep, passed: string) => [
    telemetry,
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
  const rows = LADDER_CONFIGS.flatMap((telemetry) => {
    const c = results.capacity[telemetry];
    return [
      ...c.steps.map((step) =>
        row(telemetry, `${step.retry ? 'step again' : 'step'} (${plan.measureS} s)`, step, 'pass'),
      ),
      ...c.holds.map((hold) => row(telemetry, `confirmation (${plan.holdS} s)`, hold, 'held')),
    ];
  });
  const { shopscope, off, 'spans only': spansOnly } = results.capacity;
  return [
    `The journey of a signed-in shopper, through the web shop's pages with the shopper's session cookie: catalogue → product page → add to cart (form POST with the page's CSRF token, 303) → cart page → checkout (form POST, 303) → thank-you page. ${results.plan.shoppers} shoppers are registered and signed in before any measurement (each journey in flight has one to itself, so no two journeys share a cart), and every product is restocked to 1 000 000 units first (product_db.products.stock; the API has no restock call and the seed's 10 000 could run out), so stock never limits the result.`,
    '',
    `The capacity is found three times, the same way: with ShopScope's telemetry (shopscope), with none (off), and with the least telemetry the design allows (spans only, section 1: every request traced with its SQL, no metrics, no logs), each on freshly restarted services, so that their ratios compare like with like. The open model offers a fixed rate of journeys (journey n starts n / rate s after the start, whatever the answers): each step of the ladder is ${plan.warmupS} s of warm-up and ${plan.measureS} s measured. A step **passes** when the p95 of every request of the measured phase is below ${plan.p95LimitMs} ms, no request or check failed and no iteration was dropped, so the rate was really offered and served: the generator allows rate × 2 s of journeys in flight (one shopper each) and drops an arrival only when all are busy, that is when journeys take over 2 s on average. The ladder doubles from ${plan.startRate} journeys/s until a step fails, then bisects between the last pass and the first failure to within 10 %; a rate whose step fails is run once more ("step again") and counts as a failure only if that fails too, since one stall of the shared cores can drop a few journeys. The highest passing rate is then confirmed by a ${plan.holdS} s run judged the same way, during which the footprint at saturation is read (and, for shopscope, the loss); if it does not hold, it is retried 10 % lower, up to ${plan.maxHolds} runs. The capacity is the rate of the run that held.`,
    '',
    table(
      [
        'configuration',
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
      rows,
    ),
    '',
    capacityFound(shopscope, 'shopscope', plan.holdS),
    '',
    capacityFound(off, 'off', plan.holdS),
    '',
    capacityFound(spansOnly, 'spans only', plan.holdS),
    '',
    `With ShopScope's telemetry the shop sustains ${fixed(shopscope.journeysPerS / off.journeysPerS, 3)} × the journeys it sustains without (${shopscope.journeysPerS} / ${off.journeysPerS} journeys/s). With spans only, ${fixed(spansOnly.journeysPerS / off.journeysPerS, 3)} × (${spansOnly.journeysPerS} / ${off.journeysPerS}): the most any choice of what ShopScope records could reach while every request is traced, measured the same way.`,
    failureNotes(
      LADDER_CONFIGS.flatMap((telemetry) => [
        ...results.capacity[telemetry].steps.map((step): [string, LoadResult] => [
          `${telemetry}, step ${step.rate} journeys/s`,
          step.result,
        ]),
        ...results.capacity[telemetry].holds.map((hold): [string, LoadResult] => [
          `${telemetry}, confirmation ${hold.rate} journeys/s`,
          hold.result,
        ]),
      ]),
    ),
  ].join('\n');
}

/** Processes of the machine's CPU split that are neither a service nor shared by both configurations. */
const NOT_TELEMETRY_BACKENDS = new Set([...SERVICES, 'mariadb', LOAD_GENERATOR, REST_OF_MACHINE]);

/**
 * Where the machine's CPU goes per journey, with and without telemetry, at the highest rate
 * both ladders passed (the same offered load, below saturation for both), and what that
 * split allows the capacity ratio to be: the measured argument of the capacity budget.
 */
export function capacityCpuSection(results: Results): string {
  const { shopscope, off } = results.capacity;
  const passed = (steps: CapacityStep[]) => new Map(steps.filter((s) => s.pass && s.cpu).map((s) => [s.rate, s]));
  const shopSteps = passed(shopscope.steps);
  const offSteps = passed(off.steps);
  const common = Math.max(0, ...[...shopSteps.keys()].filter((rate) => offSteps.has(rate)));
  const shopStep = shopSteps.get(common);
  const offStep = offSteps.get(common);
  if (!shopStep?.cpu || !offStep?.cpu) return 'No rate passed in both ladders with its CPU recorded: no split to show.';
  const perJourney = (step: CapacityStep, cpu: MachineCpu) => (name: string) =>
    ((cpu.byProcessS[name] ?? 0) * 1000) / step.result.totalIterations;
  const shopMs = perJourney(shopStep, shopStep.cpu);
  const offMs = perJourney(offStep, offStep.cpu);
  // The floor at the same rate, when its ladder passed that step too.
  const spansStep = passed(results.capacity['spans only']?.steps ?? []).get(common);
  const spansMs = spansStep?.cpu ? perJourney(spansStep, spansStep.cpu) : undefined;
  const names = [...new Set([...Object.keys(shopStep.cpu.byProcessS), ...Object.keys(offStep.cpu.byProcessS)])];
  const backends = names.filter((n) => !NOT_TELEMETRY_BACKENDS.has(n)).sort((a, b) => shopMs(b) - shopMs(a));
  const order = [...SERVICES, ...backends, 'mariadb', LOAD_GENERATOR, REST_OF_MACHINE].filter((n) => names.includes(n));
  const total = (of: (name: string) => number, which: string[]) => which.reduce((n, name) => n + of(name), 0);
  const machineShop = total(shopMs, order);
  const machineOff = total(offMs, order);
  const added = (which: string[]) => total(shopMs, which) - total(offMs, which);
  const machineSpans = spansMs ? total(spansMs, order) : Number.NaN;
  const servicesAdded = added(SERVICES);
  const backendsAdded = added(backends);
  const row = (name: string, bold = false) => {
    const cells = [
      cpuMs(shopMs(name)),
      cpuMs(offMs(name)),
      signed(shopMs(name) - offMs(name), 3),
      ...(spansMs ? [cpuMs(spansMs(name))] : []),
    ];
    return [bold ? `**${name}**` : name, ...(bold ? cells.map((c) => `**${c}**`) : cells)];
  };
  const busy = (cpu: MachineCpu | undefined) => (cpu && cpu.totalS > 0 ? percent(cpu.busyS / cpu.totalS) : 'n/a');
  const holdOf = (run: CapacityRun) => run.holds.at(-1);
  const measuredRatio = off.journeysPerS > 0 ? shopscope.journeysPerS / off.journeysPerS : Number.NaN;
  return [
    `Everything runs on the machine's ${results.machine.cores} cores: the services, MariaDB, the backends that take in the telemetry (the collector, Jaeger, Prometheus, the Loki stand-in…) and the load generator. CPU time (user + system, from /proc) of each process over the ladder's step at ${common} journeys/s — the highest rate both configurations passed, so the same load, below saturation for both — divided by the journeys of the step, in ms; "${REST_OF_MACHINE}" is the machine's busy time (/proc/stat) that none of these processes used.`,
    '',
    table(
      [
        'process',
        `shopscope at ${common}/s (ms per journey)`,
        `off at ${common}/s (ms per journey)`,
        'added',
        ...(spansMs ? [`spans only at ${common}/s`] : []),
      ],
      [
        ...order.map((name) => row(name)),
        [
          '**the machine**',
          `**${cpuMs(machineShop)}**`,
          `**${cpuMs(machineOff)}**`,
          `**${signed(machineShop - machineOff, 3)}**`,
          ...(spansMs ? [`**${cpuMs(machineSpans)}**`] : []),
        ],
      ],
    ),
    '',
    `With ShopScope's telemetry a journey costs the machine ${cpuMs(machineShop)} ms of CPU instead of ${cpuMs(machineOff)} (×${fixed(machineShop / machineOff, 2)}): the services add ${signed(servicesAdded, 3)} ms, the telemetry backends ${signed(backendsAdded, 3)} ms (${backends.join(', ')}). When the cores are what runs out, the capacity falls in that proportion: ${fixed(machineOff / machineShop, 2)} × off's by this split, ${fixed(measuredRatio, 3)} measured. During the confirmation runs the machine was ${busy(holdOf(shopscope)?.cpu)} busy with shopscope at ${shopscope.holdRate} journeys/s and ${busy(holdOf(off)?.cpu)} with off at ${off.holdRate}. Even if ShopScope's bootstrap cost the services nothing, the backends' share alone would leave shopscope at most ${fixed(machineOff / (machineOff + backendsAdded), 2)} × off's capacity on this machine; the rest of the gap is the services' own telemetry CPU (section 1).${
      spansMs
        ? ` With spans only a journey costs the machine ${cpuMs(machineSpans)} ms (×${fixed(machineSpans / machineOff, 2)} off's): the services ${signed(total(spansMs, SERVICES) - total(offMs, SERVICES), 3)} ms, the backends ${signed(total(spansMs, backends) - total(offMs, backends), 3)} ms; by this split its capacity is at most ${fixed(machineOff / machineSpans, 2)} × off's.`
        : ''
    }`,
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
    `Measured with shopscope, on a quiet stack. Traces: a request to product-service carries a W3C \`traceparent\` with a trace id made by the benchmark; Jaeger (where the collector's trace exporter sends spans) is polled every 100 ms for that id, from the moment the answer was read. Metrics: the count of \`http_server_request_duration_seconds\` for product-service \`GET /api/products\` is read from Prometheus, one request is made, and the query repeats every 100 ms until the count includes it. The services export metrics every ${results.plan.metricExportIntervalMs / 1000} s (\`OTEL_METRIC_EXPORT_INTERVAL\`), spans in batches every 1 s; the collector batches for up to 1 s. Between samples the benchmark waits a random time spread over one such cycle (1 s for traces, the export interval for metrics), so the requests fall at random points of it: a metric's freshness is expected anywhere between the pipeline's latency and one export interval more.`,
    '',
    table(
      ['signal', 'samples', 'median (s)', 'max (s)', 'each sample (s)'],
      [row('trace in Jaeger', traceS), row('metric in Prometheus', metricS)],
    ),
  ].join('\n');
}

function footprintSection(results: Results): string {
  const f = results.footprint;
  const three = (byConfig: Record<Telemetry, Record<string, number>>, name: string) =>
    TELEMETRY_CONFIGS.map((t) => mib(byConfig[t]?.[name])).join(' / ');
  const rows = [...SERVICES, COLLECTOR].map((name) => {
    const limit = f.memoryLimitBytes[name];
    return [
      name,
      three(f.idle, name),
      three(f.overheadPeak, name),
      CAPACITY_CONFIGS.map((t) => mib(f.capacityPeak[t]?.[name])).join(' / '),
      mib(limit),
      limit === undefined ? 'n/a' : percent((f.capacityPeak.shopscope?.[name] ?? Number.NaN) / limit),
    ];
  });
  const { shopscope, off } = results.capacity;
  return [
    `Resident memory (VmRSS from /proc, MiB) of each service process and of the collector (MariaDB, one server for the three databases here, is not counted). Idle: each configuration on freshly restarted services, after ${results.plan.idleWarmup.seconds} s of journeys at ${results.plan.idleWarmup.rate}/s and a quiet period of one metric export interval and 5 s. Peaks are the highest of samples taken every 500 ms: during the overhead rounds of each configuration, and at saturation, during the last confirmation run of each capacity ladder (shopscope at ${shopscope.holdRate}, off at ${off.holdRate} journeys/s; see Capacity). The memory limit is the container's in docker-compose.yml (\`deploy.resources.limits.memory\`), which the budget compares the shopscope peak at saturation with.`,
    '',
    table(
      [
        'process',
        `idle (${TELEMETRY_CONFIGS.join(' / ')})`,
        `peak in the overhead rounds (${TELEMETRY_CONFIGS.join(' / ')})`,
        `peak at saturation (${CAPACITY_CONFIGS.join(' / ')})`,
        'memory limit',
        'shopscope peak at saturation, of the limit',
      ],
      rows,
    ),
  ].join('\n');
}

/**
 * The stack as learners run it, `docker compose up`, beside the native figures above: the
 * last compose rehearsal on this machine (tests/compose/rehearsal.test.ts), which is a
 * separate run (its commit and day are given), so the two sides compare as orders of
 * magnitude and shares of the limits, not to the MiB.
 */
export function containersSection(results: Results): string {
  const c = results.containers;
  if (!c) {
    return 'No compose rehearsal has run on this machine (`npm run test:compose`, part of the test command), so there are no container figures to show: its last figures are read from the tool cache (tools/stack/compose-figures.ts) when the benchmark ends.';
  }
  const f = results.footprint;
  const idle = new Map((c.idle ?? []).map((s) => [s.name, s]));
  const load = new Map((c.load?.containers ?? []).map((s) => [s.name, s]));
  const names = [...new Set([...idle.keys(), ...load.keys()])].sort(
    (a, b) => Number(!SERVICES.includes(a)) - Number(!SERVICES.includes(b)) || a.localeCompare(b),
  );
  const rows = names.map((name) => {
    const i = idle.get(name);
    const l = load.get(name);
    const limit = l?.limitMiB ?? i?.limitMiB;
    const nativeIdle = f.idle.shopscope?.[name];
    const nativePeak = f.capacityPeak.shopscope?.[name];
    return [
      name,
      nativeIdle === undefined ? '—' : mib(nativeIdle),
      i ? fixed(i.usedMiB, 0) : 'n/a',
      nativePeak === undefined ? '—' : mib(nativePeak),
      l ? fixed(l.peakMiB, 0) : 'n/a',
      limit === undefined ? 'n/a' : fixed(limit, 0),
      l && limit ? percent(l.peakMiB / limit) : 'n/a',
      i ? fixed(i.cpuPercent, 1) : 'n/a',
      l ? fixed(l.cpuMeanPercent, 1) : 'n/a',
    ];
  });
  const total = (values: (number | undefined)[]) => fixed(sum(values), 0);
  rows.push([
    '**whole stack**',
    '',
    total((c.idle ?? []).map((s) => s.usedMiB)),
    '',
    total((c.load?.containers ?? []).map((s) => s.peakMiB)),
    total((c.load?.containers ?? []).map((s) => s.limitMiB)),
    '',
    fixed(sum((c.idle ?? []).map((s) => s.cpuPercent)), 1),
    fixed(sum((c.load?.containers ?? []).map((s) => s.cpuMeanPercent)), 1),
  ]);
  const timing = (s: number | undefined) => (s === undefined ? 'n/a' : `${fixed(s, 0)} s`);
  return [
    `From the compose rehearsal of commit ${c.commit} on ${c.at.slice(0, 10)} on this machine (tests/compose/rehearsal.test.ts; the images are this project's look-alikes of the upstream ones, and the Loki and Grafana containers stand-ins, tests/compose/images): the repository's docker-compose.yml with the defaults of .env.example on Debian's Docker Engine, every container with its memory limit. From \`docker compose up -d\` (images present, empty volumes) to every container healthy: **${timing(c.upToHealthyS)}**; to the first trace of a web shop page in Jaeger, the page asked for as soon as the frontend answered: **${timing(c.upToFirstTraceS)}**${c.buildS === undefined ? '' : ` (\`docker compose build\` of the four services before it: ${timing(c.buildS)})`}. Natively, a trace is in Jaeger ${seconds(Math.max(...results.freshness.traceS))} s after its request at most (Freshness).`,
    '',
    `Memory (MiB) and CPU (% of one core) per container from \`docker stats\`: idle, once healthy after the first checks; under load, the mean of the CPU samples and the peak of the memory samples taken every 2 s during ${c.load ? `${c.load.what} (${c.load.requests} requests, ${c.load.orders} orders, ${c.load.failedJourneys} failed journeys)` : 'a load that did not run'}. Beside them, the same services natively (RSS with shopscope: idle, and the peak at saturation of section 4 — a far heavier load than the rehearsal's). A container's memory is its cgroup's (the process and the page cache it uses), a native figure the process's RSS; MariaDB runs one server for the three databases natively, one container per database here.`,
    '',
    table(
      [
        'container',
        'native idle RSS',
        'idle',
        'native peak at saturation',
        'peak under load',
        'limit',
        'peak of the limit',
        'idle CPU %',
        'CPU % under load',
      ],
      rows,
    ),
  ].join('\n');
}

/** How much telemetry one journey makes, from the same window (for whoever tunes its volume). */
function perJourney(results: Results): string {
  const journeys = results.capacity.shopscope.hold.totalIterations;
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
    `Counted over the ${results.plan.capacity.holdS} s confirmation run of shopscope at ${results.capacity.shopscope.holdRate} journeys/s (see Capacity): each stage's own counters are read before the run and again once the collector's exporter queues are empty and one more metric export interval has passed, and subtracted. "Handled" is what the same stage processed in that window, for scale. The collector creates a drop counter's series at its first increment, so a series that does not exist counts 0. A stage that keeps no counter of what it drops says "not counted", with why: nothing is inferred from missing data.`,
    '',
    table(['stage', 'signal', 'dropped', 'handled', 'counters'], rows),
    '',
    perJourney(results),
  ].join('\n');
}

/**
 * How closely the open model kept its schedule: how late its arrivals started, worst over
 * the fixed-rate runs of the report.
 */
function arrivalNote(results: Results): string {
  const runs = [
    ...results.overhead.flatMap((w) => w.rounds.map((r) => r.fixed)),
    ...LADDER_CONFIGS.flatMap((t) => [
      ...results.capacity[t].steps.map((s) => s.result),
      ...results.capacity[t].holds.map((s) => s.result),
    ]),
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
      `The stack ran natively on this machine, as \`npm run bench\` starts it (tools/stack/native-stack.ts): MariaDB, the four services on Node.js (\`services/*/dist\`), the OpenTelemetry Collector on \`otel-collector/config.yaml\`, Jaeger, Prometheus and Alertmanager, and a stand-in for Loki (tools/stack/standins/loki-standin.ts: Loki is AGPL and not built, so no number here is Loki's), all on loopback, with the services' product settings (\`OTEL_METRIC_EXPORT_INTERVAL=${results.plan.metricExportIntervalMs}\`, \`LOG_LEVEL=info\`). The services run in three telemetry configurations, compared in one run: **off** (no SDK), **shopscope** (ShopScope's bootstrap, the product's default) and **zero-code** (the stock OpenTelemetry auto-instrumentations, \`TELEMETRY_BOOTSTRAP=zero-code\`) — the budgets' CPU and latency comparisons with two configurations running at the same moment, each in a set of four services of its own; freshness and loss are measured with shopscope, capacity with shopscope, off and spans only (the least telemetry the design allows). Load comes from the benchmark's own generator (bench/load.ts, in a worker thread of \`npm run bench\`): an **open model at a fixed arrival rate** (undici; each arrival at its scheduled time whatever the services answer) for every fixed-load run, and a **closed loop** for the peak (autocannon's connections for single requests, journey users for the journey). It runs on the same machine and competes for the same CPU cores as everything it measures, equally in every phase.${arrivalNote(results)} See bench/README.md for how to run it and why it measures this way.`,
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
      "### The budgets' comparisons, side by side",
      '',
      sideBySideSection(results),
      '',
      '### The three configurations, round by round',
      '',
      overheadSection(results),
      '',
      '### Where the telemetry cost goes',
      '',
      breakdownSection(results),
      '',
      "### Where the journey's added CPU goes",
      '',
      profileSection(results),
      '',
      '## 2. Capacity',
      '',
      capacitySection(results),
      '',
      "### Where the machine's CPU goes",
      '',
      capacityCpuSection(results),
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
      '## 6. In containers',
      '',
      containersSection(results),
      '',
    ]
      .join('\n')
      // Optional parts (failure notes) leave blank lines behind when empty: one is enough.
      .replace(/\n{3,}/g, '\n\n')
  );
}
