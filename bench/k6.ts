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
  /** rate: `rate` iterations/s offered (open model); vus: `vus` users looping (closed model). */
  mode: 'rate' | 'vus';
  rate?: number;
  vus?: number;
  warmupS: number;
  measureS: number;
  /** Most VUs k6 may use in rate mode (the journey needs one shopper per VU). */
  maxVus: number;
}

/** What the journey needs besides the stack: the products and the signed-in shoppers. */
export interface LoadContext {
  slugs: string[];
  shoppersFile: string;
}

export interface Percentiles {
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export interface LoadResult {
  spec: LoadSpec;
  /** Measured phase: requests, iterations (a request, or a whole journey) and their rates. */
  requests: number;
  requestsPerS: number;
  iterations: number;
  iterationsPerS: number;
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
    VUS: String(spec.vus ?? 0),
    MAX_VUS: String(spec.maxVus),
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
  return parseSummary(spec, JSON.parse(readFileSync(summaryFile, 'utf8')));
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
  return {
    spec,
    requests,
    requestsPerS: requests / spec.measureS,
    iterations,
    iterationsPerS: iterations / spec.measureS,
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
  };
}

/** True when nothing failed and every offered iteration ran. */
export function clean(result: LoadResult): boolean {
  return (
    result.failedRequests === 0 &&
    result.failedChecks === 0 &&
    result.failedJourneys === 0 &&
    result.droppedIterations === 0 &&
    result.requests > 0
  );
}
