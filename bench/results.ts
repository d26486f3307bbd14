/**
 * The benchmark's results as data (also written as JSON with --json), the plan that
 * produced them, and the few derived numbers both the report and the budgets use.
 */
import type { LoadResult, Workload } from './load.ts';
import type { ComposeFigures } from '../tools/stack/compose-figures.ts';
import type { LossRow } from './loss.ts';
import type { MachineCpu } from './proc.ts';

/**
 * The telemetry configurations compared, each a restart of the four services with
 * OTEL_SDK_DISABLED and TELEMETRY_BOOTSTRAP (services/telemetry/src/register.ts):
 * - off: OTEL_SDK_DISABLED=true, nothing loaded — the baseline;
 * - shopscope: the product's default, ShopScope's own bootstrap (services/telemetry/src/sdk.ts);
 * - zero-code: the stock `@opentelemetry/auto-instrumentations-node/register` with standard
 *   OTEL_* variables, what a team gets without writing a bootstrap — the yardstick.
 */
export type Telemetry = 'off' | 'shopscope' | 'zero-code';
export const TELEMETRY_CONFIGS: readonly Telemetry[] = ['off', 'shopscope', 'zero-code'];
/** The two configurations the capacity budget compares (also profiled, bench/profile.ts). */
export type CapacityTelemetry = 'shopscope' | 'off';
export const CAPACITY_CONFIGS: readonly CapacityTelemetry[] = ['shopscope', 'off'];

/**
 * `5 s batches`: ShopScope's bootstrap sending its spans and log records every 5 s, zero-code's
 * (the SDK's) batch delay, instead of every second — what ShopScope's added CPU would be
 * without the setting the trace freshness budget (≤ 3 s) asks for, measured beside ShopScope.
 *
 * `spans only`: ShopScope's bootstrap with the least telemetry the design allows (every
 * request traced with its SQL, nothing else sent) — the floor of every budget that compares
 * ShopScope with off, measured beside off (bench/side-by-side.ts) and by its own ladder.
 */
export type SideBySideConfig = Telemetry | 'spans only' | '5 s batches';

/**
 * Whose capacity is found: the budget's two, then spans only, the budget's floor. Spans only
 * comes last because its variables stay set for every later restart (ShopService.with adds
 * to the environment), and nothing restarts the services after the ladders.
 */
export type LadderConfig = CapacityTelemetry | 'spans only';
export const LADDER_CONFIGS: readonly LadderConfig[] = ['shopscope', 'off', 'spans only'];

/** The environment that selects a configuration: both variables always set, so none leaks from the last restart. */
export function telemetryEnv(telemetry: Telemetry): Record<string, string> {
  return {
    OTEL_SDK_DISABLED: telemetry === 'off' ? 'true' : 'false',
    TELEMETRY_BOOTSTRAP: telemetry === 'zero-code' ? 'zero-code' : 'shopscope',
  };
}

/**
 * The environment of any configuration, `spans only` included. Spans only keeps what traces
 * every request with its SQL across the services: the server span (http), the call to
 * another service (undici, which also carries the trace on), the Sequelize query spans
 * (always on); no metrics, no logs sent. Its three variables are not unset by the others'.
 */
export function configEnv(config: SideBySideConfig): Record<string, string> {
  if (config === '5 s batches')
    return { ...telemetryEnv('shopscope'), OTEL_BSP_SCHEDULE_DELAY: '5000', OTEL_BLRP_SCHEDULE_DELAY: '5000' };
  if (config !== 'spans only') return telemetryEnv(config);
  return {
    ...telemetryEnv('shopscope'),
    OTEL_NODE_ENABLED_INSTRUMENTATIONS: 'http,undici',
    OTEL_METRICS_EXPORTER: 'none',
    OTEL_LOGS_EXPORTER: 'none',
  };
}

/** Bumped when the shape of Results changes: `--from-json` renders only results of this shape. */
export const RESULTS_FORMAT = 8;

export interface Plan {
  name: 'full' | 'quick';
  /** Signed-in shoppers created before the measurements (each journey in flight uses one, alone). */
  shoppers: number;
  /**
   * Telemetry of each overhead round, in order. Several rounds of a configuration placed
   * symmetrically about the middle of the run (A B C C B A) cancel a linear drift of the
   * machine, not its swings from minute to minute: the budgets' ratios are measured side by
   * side instead (sideBySide).
   */
  rounds: Telemetry[];
  overhead: {
    /**
     * After each restart, before anything is measured, each workload runs once for this
     * long at `warmPassRates`: a freshly started service's CPU per request falls for over a
     * hundred journeys (JIT tiers, pools, caches), far past a run's own warm-up, and the
     * services are restarted for every round.
     */
    warmPassS: number;
    warmPassRates: Record<Workload, number>;
    warmupS: number;
    measureS: number;
    /** Offered load of the latency phase: requests/s (api, catalogue) or journeys/s (journey). */
    rates: Record<Workload, number>;
    /** Closed-loop peak-throughput phase: this many users (connections) looping without pause. */
    peakVus: number;
    peakWarmupS: number;
    peakMeasureS: number;
  };
  capacity: {
    /** First rate of the ladder (journeys/s); doubled until a step fails, then bisected. */
    startRate: number;
    maxRate: number;
    warmupS: number;
    measureS: number;
    /** A step passes with p95 of every request below this, no error and no dropped iteration. */
    p95LimitMs: number;
    /**
     * The confirmation run at the capacity found (the steps are short): the capacity is
     * the rate of the first clean one, and footprint and loss are measured during it. One
     * that is not clean is retried 10 % lower, up to maxHolds runs in all.
     */
    holdS: number;
    maxHolds: number;
  };
  /**
   * The budgets' comparisons (bench/side-by-side.ts): each pair of configurations in two
   * fresh sets of four services at once, every workload offered to both at the overhead's
   * fixed rates, after a warm pass at its warm-pass rates.
   */
  sideBySide: {
    pairs: [SideBySideConfig, SideBySideConfig][];
    warmPassS: number;
    warmupS: number;
    measureS: number;
    rounds: number;
    /**
     * The journey measured once more at this rate, journeys/s per set: at the overhead's 3/s
     * the costs that do not grow with the load (timers, exports every second, code run too
     * rarely to stay optimised) weigh on each journey; busier, they weigh less.
     */
    busyJourneyRate: number;
  };
  /** Where the telemetry cost goes (bench/breakdown.ts): `GET /api/products` at a fixed rate. */
  breakdown: {
    /** requests/s offered to each of the two processes measured side by side. */
    rate: number;
    /** Unmeasured load on the freshly started pair before its rounds. */
    warmPassS: number;
    warmupS: number;
    measureS: number;
    rounds: number;
  };
  /**
   * Where the journey's added CPU goes (bench/profile.ts): the four services profiled by V8's
   * sampling profiler under journeys at a fixed rate, off then shopscope.
   */
  profile: { rate: number; warmupS: number; seconds: number };
  /** Journeys/s of the warm-up before each configuration's idle footprint is read, and how long. */
  idleWarmup: { rate: number; seconds: number };
  freshnessSamples: number;
  /** OTEL_METRIC_EXPORT_INTERVAL of the services (docker-compose.yml: the SDK's 10 s default). */
  metricExportIntervalMs: number;
}

export interface Machine {
  cpu: string;
  cores: number;
  memoryGiB: number;
  os: string;
  kernel: string;
  node: string;
  /** The load generators (bench/load.ts). */
  loadGenerator: string;
  /** Runs made with k6 (before the generator was replaced) said its version here instead. */
  k6?: string;
  collector: string;
  commit: string;
  /** Files under services/ with changes not committed when the run started. */
  uncommittedServiceFiles: number;
  loadAverageAtStart: number[];
  loadAverageAtEnd: number[];
}

export interface OverheadRound {
  round: number;
  telemetry: Telemetry;
  /** Fixed offered rate: latency. */
  fixed: LoadResult;
  /** Closed loop: the most the services did. */
  peak: LoadResult;
  /** CPU of the four services / of the collector per iteration of the fixed-rate run, ms. */
  cpuMsPerIteration: { services: number; collector: number };
  /** The same, service by service (absent in results saved before it was recorded). */
  serviceCpuMsPerIteration?: Record<string, number>;
  /**
   * Journey workload only: what the collector's OTLP receiver accepted between the start of
   * the fixed-rate run and the flush of the SDKs' last batches after it, and the journeys
   * of the run that completed (warm-up included, as the telemetry of the warm-up is counted).
   */
  accepted?: { spans: number; logRecords: number; journeys: number; windowS: number };
}

export interface WorkloadOverhead {
  workload: Workload;
  rounds: OverheadRound[];
}

/** Two configurations measured at the same moment (bench/side-by-side.ts), side 0 and side 1. */
export interface SideBySidePair {
  configs: [SideBySideConfig, SideBySideConfig];
  workloads: {
    workload: Workload;
    /** Offered to each side, iterations/s. */
    rate: number;
    /** Per side, one value per round: the four services' CPU per iteration (warm-up included), ms. */
    cpuMsPerIteration: [number[], number[]];
    /** Per side, one value per round: p99 of each request (warm-up excluded), ms. */
    p99Ms: [number[], number[]];
    /** Per side, over the rounds: failed requests or checks and dropped iterations. */
    failures: [number, number];
  }[];
}

export interface BreakdownResult {
  /** requests/s offered to each of the two processes. */
  rate: number;
  /**
   * One row per configuration, in bench/breakdown.ts's order: the configuration's own
   * product-service process and a ShopScope twin beside it, measured over the same windows,
   * one value per round: CPU per request, and the p99 latency (warm-up excluded).
   */
  rows: {
    name: string;
    what: string;
    cpuMsPerRequest: number[];
    twinCpuMsPerRequest: number[];
    p99Ms: number[];
    twinP99Ms: number[];
  }[];
}

/** A profile of the four services under one workload (bench/profile.ts): CPU by owner, summed over the window. */
export interface ServicesProfile {
  telemetry: Telemetry;
  workload: Workload;
  rate: number;
  seconds: number;
  /** Iterations started in the profiled window: divide by these for "per iteration". */
  iterations: number;
  /** Per service: ms of CPU in the window, in total and by owner (a package, "GC", "Node/V8"). */
  services: Record<string, { totalMs: number; byOwner: Record<string, number> }>;
  /** ms by function (`service: owner name file:line`), for the top list. */
  byFunction: Record<string, number>;
}

/** The profiles of section 1: the journey with telemetry off and with ShopScope's. */
export type ProfileResult = Record<CapacityTelemetry, ServicesProfile>;

export interface CapacityStep {
  rate: number;
  result: LoadResult;
  pass: boolean;
  /** Why it failed, or "" when it passed. */
  why: string;
  /** The CPU of every process of the stack and of the machine during the run (warm-up included). */
  cpu?: MachineCpu;
  /** The second run of a rate whose first run failed (findCapacity retries a failure once). */
  retry?: boolean;
}

/** One configuration's capacity: the ladder, then its confirmation runs. */
export interface CapacityRun {
  /** The ladder: short steps. */
  steps: CapacityStep[];
  /** Highest rate whose step passed, journeys/s (0 when none did). */
  ladderPerS: number;
  /** The confirmation runs, in order. */
  holds: CapacityStep[];
  /** The capacity: the rate of the clean confirmation run, journeys/s (0 when none was clean). */
  journeysPerS: number;
  /** The last confirmation run (the clean one, if any): footprint (and, for shopscope, loss) measured there. */
  holdRate: number;
  hold: LoadResult;
}

export interface Results {
  /** RESULTS_FORMAT of the benchmark that wrote them. */
  format: number;
  plan: Plan;
  machine: Machine;
  startedAt: string;
  durationS: number;
  overhead: WorkloadOverhead[];
  sideBySide: SideBySidePair[];
  breakdown: BreakdownResult;
  profile: ProfileResult;
  /** Measured with the shopscope configuration. */
  freshness: { traceS: number[]; metricS: number[] };
  /** The same ladder and confirmation, judged the same way, for each configuration. */
  capacity: Record<LadderConfig, CapacityRun>;
  footprint: {
    /** RSS in bytes by process, per configuration, after a warm-up and a quiet period. */
    idle: Record<Telemetry, Record<string, number>>;
    /** Highest RSS by process during the overhead rounds of each configuration. */
    overheadPeak: Record<Telemetry, Record<string, number>>;
    /** Highest RSS by process during the last confirmation run of each capacity ladder (saturation). */
    capacityPeak: Record<LadderConfig, Record<string, number>>;
    /** Each service's container memory limit (docker-compose.yml, deploy.resources.limits.memory), bytes. */
    memoryLimitBytes: Record<string, number>;
  };
  /** Counted during the shopscope confirmation run. */
  loss: { rows: LossRow[] };
  /** The last compose rehearsal's figures on this machine (tools/stack/compose-figures.ts), if one ran. */
  containers?: ComposeFigures;
}

export const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[mid] ?? Number.NaN)
    : ((sorted[mid - 1] ?? Number.NaN) + (sorted[mid] ?? Number.NaN)) / 2;
}

/** The latency a workload is judged by: per request, or per whole journey. */
export function headlineLatency(result: LoadResult) {
  return result.journeyMs ?? result.latencyMs;
}

/**
 * Failed answers in a run. bench/workloads.ts checks every answer, so a request that failed
 * (an error status) also failed its check: the failed checks are the count, and the failed
 * requests only a part of them (kept as the larger, should a request ever go unchecked).
 */
export function failures(result: LoadResult): number {
  return Math.max(result.failedRequests, result.failedChecks);
}

/** Mean over the rounds of one configuration. */
export function overheadMeans(workload: WorkloadOverhead, telemetry: Telemetry) {
  const rounds = workload.rounds.filter((r) => r.telemetry === telemetry);
  const of = (pick: (r: OverheadRound) => number) => mean(rounds.map(pick));
  // Totals over the rounds, then divided: each journey weighs the same.
  const accepted = rounds.flatMap((r) => (r.accepted ? [r.accepted] : []));
  const journeys = accepted.reduce((n, a) => n + a.journeys, 0);
  const perJourney = (pick: (a: NonNullable<OverheadRound['accepted']>) => number) =>
    accepted.length === 0 ? Number.NaN : accepted.reduce((n, a) => n + pick(a), 0) / journeys;
  return {
    achievedPerS: of((r) => r.fixed.okPerS),
    p50: of((r) => headlineLatency(r.fixed).p50),
    p95: of((r) => headlineLatency(r.fixed).p95),
    p99: of((r) => headlineLatency(r.fixed).p99),
    requestP99: of((r) => r.fixed.latencyMs.p99),
    peakPerS: of((r) => r.peak.okPerS),
    cpuServices: of((r) => r.cpuMsPerIteration.services),
    cpuCollector: of((r) => r.cpuMsPerIteration.collector),
    /** Failed requests or checks and dropped iterations at the fixed load, summed over the rounds. */
    fixedFailures: rounds.reduce((n, r) => n + failures(r.fixed) + r.fixed.droppedIterations, 0),
    /** Failed requests or checks in the peak runs, summed over the rounds. */
    peakFailures: rounds.reduce((n, r) => n + failures(r.peak), 0),
    /** Journey only: spans and log records the collector accepted per journey (NaN otherwise). */
    spansPerJourney: perJourney((a) => a.spans),
    logRecordsPerJourney: perJourney((a) => a.logRecords),
  };
}

export type OverheadMeans = ReturnType<typeof overheadMeans>;

/**
 * One workload's three configurations side by side, with what the budgets compare: CPU per
 * iteration relative to off, the CPU each bootstrap adds to off, and ShopScope's added CPU
 * as a fraction of zero-code's.
 */
export function compareConfigs(workload: WorkloadOverhead) {
  const means = Object.fromEntries(TELEMETRY_CONFIGS.map((t) => [t, overheadMeans(workload, t)])) as Record<
    Telemetry,
    OverheadMeans
  >;
  const off = means.off;
  const vsOff = (t: Telemetry) => ({
    cpuRatio: means[t].cpuServices / off.cpuServices,
    cpuAdded: means[t].cpuServices - off.cpuServices,
    p99Added: means[t].p99 - off.p99,
    peakRatio: means[t].peakPerS / off.peakPerS,
  });
  const shopscope = vsOff('shopscope');
  const zeroCode = vsOff('zero-code');
  return {
    means,
    vsOff: { off: vsOff('off'), shopscope, 'zero-code': zeroCode } as Record<Telemetry, ReturnType<typeof vsOff>>,
    /** ShopScope's added CPU per iteration over zero-code's (the budget: ≤ 0.5). */
    addedRatio: shopscope.cpuAdded / zeroCode.cpuAdded,
  };
}

/** One workload (at `rate`) of the side-by-side pair `a` beside `b` (either order), with `a`'s side first. */
function sideBySideOf(
  pairs: SideBySidePair[],
  a: SideBySideConfig,
  b: SideBySideConfig,
  workload: Workload,
  rate: number,
) {
  for (const pair of pairs) {
    const w = pair.workloads.find((x) => x.workload === workload && x.rate === rate);
    if (!w) continue;
    if (pair.configs[0] === a && pair.configs[1] === b)
      return {
        a: { cpu: w.cpuMsPerIteration[0], p99: w.p99Ms[0] },
        b: { cpu: w.cpuMsPerIteration[1], p99: w.p99Ms[1] },
      };
    if (pair.configs[0] === b && pair.configs[1] === a)
      return {
        a: { cpu: w.cpuMsPerIteration[1], p99: w.p99Ms[1] },
        b: { cpu: w.cpuMsPerIteration[0], p99: w.p99Ms[0] },
      };
  }
  return undefined;
}

/**
 * What the budgets compare, from the side-by-side pairs, for one workload: ShopScope's CPU
 * per iteration against off's beside it; zero-code's against ShopScope's beside it, carried
 * to the first pair's scale (zero-code = ShopScope × their ratio, a ratio being what holds
 * from one minute to the next); and ShopScope against ShopScope, the pairs' precision.
 * Means over the rounds. NaN where a pair was not measured.
 */
export function compareSideBySide(pairs: SideBySidePair[], workload: Workload, rate: number) {
  const vsOff = sideBySideOf(pairs, 'shopscope', 'off', workload, rate);
  const vsZeroCode = sideBySideOf(pairs, 'shopscope', 'zero-code', workload, rate);
  const twins = sideBySideOf(pairs, 'shopscope', 'shopscope', workload, rate);
  const least = sideBySideOf(pairs, 'spans only', 'off', workload, rate);
  const slowBatches = sideBySideOf(pairs, '5 s batches', 'shopscope', workload, rate);
  const m = (values: number[] | undefined) => (values && values.length > 0 ? mean(values) : Number.NaN);
  const shopscope = m(vsOff?.a.cpu);
  const off = m(vsOff?.b.cpu);
  const zeroCodeOverShopscope = m(vsZeroCode?.b.cpu) / m(vsZeroCode?.a.cpu);
  const zeroCode = shopscope * zeroCodeOverShopscope;
  // ShopScope with 5 s batches carried to the first pair's scale, as zero-code is.
  const slowBatchesOverShopscope = m(slowBatches?.a.cpu) / m(slowBatches?.b.cpu);
  const slowBatchesAdded = shopscope * slowBatchesOverShopscope - off;
  return {
    /** ms per iteration, in the ShopScope-beside-off pair (zero-code carried to its scale). */
    cpu: { shopscope, off, zeroCode },
    cpuRatio: shopscope / off,
    added: shopscope - off,
    zeroCodeAdded: zeroCode - off,
    addedRatio: (shopscope - off) / (zeroCode - off),
    zeroCodeOverShopscope,
    /** The second ShopScope set's CPU over the first's: 1 if the method were exact. */
    twinRatio: m(twins?.b.cpu) / m(twins?.a.cpu),
    /** ShopScope with zero-code's 5 s batch delay over ShopScope beside it. */
    slowBatchesOverShopscope,
    /** What ShopScope would add with 5 s batches, over what zero-code adds (the trace freshness budget's price: the gap to addedRatio). */
    slowBatchesAddedRatio: slowBatchesAdded / (zeroCode - off),
    /** Spans only over off beside it: what the least telemetry the design allows costs. */
    spansOnlyRatio: m(least?.a.cpu) / m(least?.b.cpu),
    p99: { shopscope: m(vsOff?.a.p99), off: m(vsOff?.b.p99) },
    p99Added: m(vsOff?.a.p99) - m(vsOff?.b.p99),
    twinP99Gap: m(twins?.b.p99) - m(twins?.a.p99),
  };
}
