/**
 * The benchmark's results as data (also written as JSON with --json), the plan that
 * produced them, and the few derived numbers both the report and the budgets use.
 */
import type { LoadResult, Workload } from './load.ts';
import type { LossRow } from './loss.ts';

export type Telemetry = 'on' | 'off';

export interface Plan {
  name: 'full' | 'quick';
  /** Signed-in shoppers created before the measurements (each journey in flight uses one, alone). */
  shoppers: number;
  /** Telemetry of each overhead round, in order: A/B/A/B so drift of the machine cancels. */
  rounds: Telemetry[];
  overhead: {
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
  /** Where the telemetry cost goes (bench/breakdown.ts): `GET /api/products` at a fixed rate. */
  breakdown: { rate: number; warmupS: number; measureS: number; rounds: number };
  /** Journeys/s of the warm-up before the idle footprint is read, and how long. */
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
}

export interface WorkloadOverhead {
  workload: Workload;
  rounds: OverheadRound[];
}

export interface BreakdownResult {
  /** requests/s offered. */
  rate: number;
  /** One row per configuration, in bench/breakdown.ts's order; CPU of product-service, one value per round. */
  rows: { name: string; what: string; cpuMsPerRequest: number[] }[];
}

export interface CapacityStep {
  rate: number;
  result: LoadResult;
  pass: boolean;
  /** Why it failed, or "" when it passed. */
  why: string;
}

export interface Results {
  plan: Plan;
  machine: Machine;
  startedAt: string;
  durationS: number;
  overhead: WorkloadOverhead[];
  /** Absent in runs made before it existed. */
  breakdown?: BreakdownResult;
  freshness: { traceS: number[]; metricS: number[] };
  capacity: {
    /** The ladder: short steps. */
    steps: CapacityStep[];
    /** Highest rate whose step passed, journeys/s (0 when none did). */
    ladderPerS: number;
    /** The confirmation runs, in order. */
    holds: CapacityStep[];
    /** The capacity: the rate of the clean confirmation run, journeys/s (0 when none was clean). */
    journeysPerS: number;
    /** The last confirmation run (the clean one, if any), where footprint and loss were measured. */
    holdRate: number;
    hold: LoadResult;
    /**
     * The same ladder with telemetry off (no confirmation run): what the shop itself
     * sustains on this machine, for scale. Absent in runs made before it existed.
     */
    offSteps?: CapacityStep[];
    offLadderPerS?: number;
  };
  footprint: {
    /** RSS in bytes by process. */
    idle: Record<string, number>;
    overheadPeak: Record<Telemetry, Record<string, number>>;
    capacityPeak: Record<string, number>;
  };
  loss: { rows: LossRow[] };
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

/** Mean over the rounds of one telemetry setting (A/B/A/B: each setting's rounds). */
export function overheadMeans(workload: WorkloadOverhead, telemetry: Telemetry) {
  const rounds = workload.rounds.filter((r) => r.telemetry === telemetry);
  const of = (pick: (r: OverheadRound) => number) => mean(rounds.map(pick));
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
  };
}
