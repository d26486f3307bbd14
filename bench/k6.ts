/**
 * Runs bench/workloads.k6.js with the real k6 binary under the stack (its output in the
 * stack's directory) and turns k6's end-of-test summary into the numbers the report uses.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { repoPath, toolPath } from '../tests/stack/lib.ts';
import type { NativeStack } from '../tests/stack/native-stack.ts';

export type Workload = 'api' | 'catalogue' | 'journey';
export const WORKLOADS: readonly Workload[] = ['api', 'catalogue', 'journey'];

export interface LoadSpec {
  workload: Workload;
  /**
   * rate: `rate` iterations/s offered (open model); vus: `vus` users looping (closed model).
   * In rate mode `vus` is left out and chosen by vusFor (a result's spec holds the number used).
   */
  mode: 'rate' | 'vus';
  rate?: number;
  vus?: number;
  warmupS: number;
  measureS: number;
}

/** What the journey needs besides the stack: the products and the signed-in shoppers. */
export interface LoadContext {
  slugs: string[];
  shoppersFile: string;
  /** How many shoppers the file holds: the journey never runs more VUs than that. */
  shoppers: number;
}

/**
 * Seconds of iterations in flight that a rate-mode run has VUs for. k6 starts all of them
 * before the run (preAllocatedVUs = maxVUs): a VU started on demand mid-run takes long
 * enough that k6 drops iterations meanwhile, drops of k6's making rather than the shop's.
 * With rate × this many VUs, an iteration is dropped only when iterations take longer than
 * this on average — for the journey 2 s, above the 6 × 300 ms a passing capacity step allows.
 */
const IN_FLIGHT_S: Record<Workload, number> = { api: 0.5, catalogue: 0.5, journey: 2 };

/** The VUs of a run: its own in vus mode; in rate mode, enough for IN_FLIGHT_S of iterations. */
export function vusFor(spec: LoadSpec, context: LoadContext): number {
  const vus =
    spec.mode === 'vus' ? (spec.vus ?? 0) : Math.max(4, Math.ceil((spec.rate ?? 0) * IN_FLIGHT_S[spec.workload]));
  // Each journey VU is one shopper, so that no two VUs ever share a session and a cart.
  return spec.workload === 'journey' ? Math.min(vus, context.shoppers) : vus;
}

export interface Percentiles {
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export interface LoadResult {
  spec: LoadSpec;
  /**
   * Measured phase: requests, iterations (a request, or a whole journey) started, and those
   * of them that succeeded (every check passed) — the throughput — with their rates.
   */
  requests: number;
  requestsPerS: number;
  iterations: number;
  iterationsPerS: number;
  okIterations: number;
  okPerS: number;
  /** Measured phase, per HTTP request, in ms. */
  latencyMs: Percentiles;
  /** Measured phase, per completed journey, in ms (journey only). */
  journeyMs: Percentiles | undefined;
  /** Whole run, warm-up included: any of these makes the run "not clean". */
  failedRequests: number;
  failedChecks: number;
  failedJourneys: number;
  droppedIterations: number;
  /** Whole run, warm-up included (for CPU per request). */
  totalRequests: number;
  totalIterations: number;
  /** What the first failures were (status and message), as workloads.k6.js described them. */
  failureSamples: string[];
}

let runs = 0;

/** Runs k6 once and waits for it; throws with k6's output when it fails to run. */
export async function runLoad(stack: NativeStack, spec: LoadSpec, context: LoadContext): Promise<LoadResult> {
  runs += 1;
  const name = `k6-${runs}-${spec.workload}-${spec.mode}`;
  const summaryFile = path.join(stack.dir, `${name}.summary.json`);
  const env: Record<string, string> = {
    WORKLOAD: spec.workload,
    MODE: spec.mode,
    RATE: String(spec.rate ?? 0),
    VUS: String(vusFor(spec, context)),
    WARMUP_S: String(spec.warmupS),
    MEASURE_S: String(spec.measureS),
    SUMMARY_FILE: summaryFile,
    FRONTEND_URL: stack.service('frontend').url,
    PRODUCT_SERVICE_URL: stack.service('product-service').url,
    SLUGS: context.slugs.join(','),
    SHOPPERS_FILE: context.shoppersFile,
  };
  const k6 = stack.run(name, toolPath('K6'), ['run', '--no-usage-report', '--quiet', repoPath('bench/workloads.k6.js')], env);
  // The run itself, the 30 s k6 grants iterations to finish, and start-up on a busy machine.
  const code = await k6.wait((spec.warmupS + spec.measureS + 30 + 120) * 1000);
  if (code !== 0) throw new Error(`k6 (${name}) exited with ${code}:\n${k6.tail(40)}`);
  const result = parseSummary({ ...spec, vus: vusFor(spec, context) }, JSON.parse(readFileSync(summaryFile, 'utf8')));
  result.failureSamples = failureSamples(readFileSync(k6.logFile, 'utf8'));
  return result;
}

/** The distinct failures workloads.k6.js described (console.warn lines marked "bench-failure:"). */
export function failureSamples(k6Output: string, max = 10): string[] {
  const samples = new Set<string>();
  for (const line of k6Output.split('\n')) {
    // k6 logs `level=warning msg="…" source=console`, with quotes in the message escaped.
    const message = /msg="((?:[^"\\]|\\.)*)"/.exec(line)?.[1]?.replace(/\\(.)/g, '$1');
    if (message?.startsWith('bench-failure: ')) samples.add(message.slice('bench-failure: '.length));
    if (samples.size >= max) break;
  }
  return [...samples];
}

interface SummaryMetric {
  values: Record<string, number>;
}

/** The numbers of one k6 summary (handleSummary's `data`, k6's default summary format). */
export function parseSummary(spec: LoadSpec, data: { metrics: Record<string, SummaryMetric> }): LoadResult {
  const metric = (name: string) => data.metrics[name]?.values ?? {};
  const measured = (name: string) => metric(`${name}{phase:measure}`);
  const percentiles = (values: Record<string, number>): Percentiles => ({
    p50: values.med ?? Number.NaN,
    p95: values['p(95)'] ?? Number.NaN,
    p99: values['p(99)'] ?? Number.NaN,
    max: values.max ?? Number.NaN,
  });
  const requests = measured('http_reqs').count ?? 0;
  const iterations = measured('iterations').count ?? 0;
  const okIterations = measured('iterations_ok').count ?? 0;
  return {
    spec,
    requests,
    requestsPerS: requests / spec.measureS,
    iterations,
    iterationsPerS: iterations / spec.measureS,
    okIterations,
    okPerS: okIterations / spec.measureS,
    latencyMs: percentiles(measured('http_req_duration')),
    journeyMs: spec.workload === 'journey' ? percentiles(measured('journey_duration')) : undefined,
    // A Rate metric's `passes` are its true samples: for http_req_failed, the failed requests.
    failedRequests: metric('http_req_failed').passes ?? 0,
    failedChecks: metric('checks').fails ?? 0,
    failedJourneys: metric('journeys_failed').count ?? 0,
    // k6 reports the metric only once an iteration has been dropped.
    droppedIterations: metric('dropped_iterations').count ?? 0,
    totalRequests: metric('http_reqs').count ?? 0,
    totalIterations: metric('iterations').count ?? 0,
    failureSamples: [],
  };
}
