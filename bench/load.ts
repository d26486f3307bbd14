/**
 * One load run of the benchmark: a workload (bench/workloads.ts) driven at a fixed rate
 * (open model, bench/open-model.ts) or by N users looping (closed loop: autocannon for the
 * single-request workloads, the same driver for the journey), and its numbers.
 *
 * The generator runs in a worker thread of the benchmark's process: its own event loop and
 * heap, so the stack harness's work in the main thread (reading every service's log lines)
 * never delays an arrival. It still shares the machine's cores with the stack, as any load
 * generator on the same machine does. Each run's result is also written to the stack's
 * directory (`load-<n>-<workload>-<mode>.json`), kept with SHOPSCOPE_FULLSTACK_KEEP=1.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { repoPath } from '../tools/stack/repo.ts';
import type { ShopUrls } from '../tools/stack/journeys.ts';
import type { NativeStack } from '../tools/stack/native-stack.ts';

export type Workload = 'api' | 'catalogue' | 'journey';
export const WORKLOADS: readonly Workload[] = ['api', 'catalogue', 'journey'];

export interface LoadSpec {
  workload: Workload;
  /**
   * rate: `rate` iterations/s offered (open model); vus: `vus` users looping (closed loop).
   * In rate mode `vus` is left out and chosen by vusFor (a result's spec holds the number
   * used: the most iterations in flight at once).
   */
  mode: 'rate' | 'vus';
  rate?: number;
  vus?: number;
  warmupS: number;
  measureS: number;
}

/** What the journey needs besides the stack: the signed-in shoppers (and the products, for the log). */
export interface LoadContext {
  slugs: string[];
  shoppersFile: string;
  /** How many shoppers the file holds: the journey never runs more at once than that. */
  shoppers: number;
}

/**
 * Seconds of iterations in flight that a rate-mode run has room for: with rate × this many
 * slots, an iteration is dropped only when iterations take longer than this on average —
 * for the journey 2 s, above the 6 × 300 ms a passing capacity step allows. (The k6 version
 * of the benchmark had as many pre-allocated VUs, with the same meaning.)
 */
const IN_FLIGHT_S: Record<Workload, number> = { api: 0.5, catalogue: 0.5, journey: 2 };

/** The users of a run: its own in vus mode; in rate mode, room for IN_FLIGHT_S of iterations. */
export function vusFor(spec: LoadSpec, context: LoadContext): number {
  const vus =
    spec.mode === 'vus' ? (spec.vus ?? 0) : Math.max(4, Math.ceil((spec.rate ?? 0) * IN_FLIGHT_S[spec.workload]));
  // Each journey in flight is one shopper, so that no two ever share a session and a cart.
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
  /** What the first failures were (where, status and message), as bench/workloads.ts described them. */
  failureSamples: string[];
  /**
   * How the load was made: `open model` (undici, fixed arrival rate) or `closed loop`
   * (autocannon, or the journey driver's users). Absent in runs made with k6.
   */
  generator?: string;
  /**
   * Open model only: how late iterations started after their due time, ms — the
   * generator's own health (a large value means it did not offer the rate on time).
   */
  startLateMs?: Percentiles;
}

/** What a worker is given: plain data (bench/load-worker.ts runs it through bench/workloads.ts). */
export interface LoadJob {
  spec: LoadSpec & { vus: number };
  urls: ShopUrls;
  /** The signed-in shoppers (JSON, bench/shop-setup.ts): the journey's pool. */
  shoppersFile: string;
}

let runs = 0;

/** Runs one load in a worker thread and waits for its result; throws with the worker's error. */
export async function runLoad(
  stack: NativeStack,
  spec: LoadSpec,
  context: LoadContext,
  /** Other addresses for some services (e.g. a second product-service process beside the stack's). */
  urls: Partial<ShopUrls> = {},
): Promise<LoadResult> {
  runs += 1;
  const name = `load-${runs}-${spec.workload}-${spec.mode}`;
  const job: LoadJob = {
    spec: { ...spec, vus: vusFor(spec, context) },
    urls: {
      frontend: stack.service('frontend').url,
      user: stack.service('user-service').url,
      product: stack.service('product-service').url,
      order: stack.service('order-service').url,
      ...urls,
    },
    shoppersFile: context.shoppersFile,
  };
  const worker = new Worker(new URL('./load-worker.ts', import.meta.url), { workerData: job, name });
  // The run itself, the grace time of iterations in flight at its end (30 s), and slack.
  const limitMs = (spec.warmupS + spec.measureS + 30 + 60) * 1000;
  const result = await new Promise<LoadResult>((resolve, reject) => {
    let settled = false;
    const timer = setTimeout(() => {
      settled = true;
      void worker.terminate();
      reject(new Error(`load ${name} did not end within ${limitMs / 1000} s`));
    }, limitMs);
    worker.once('message', (message: LoadResult) => {
      settled = true;
      clearTimeout(timer);
      resolve(message);
    });
    worker.once('error', (error) => {
      settled = true;
      clearTimeout(timer);
      reject(new Error(`load ${name} failed: ${error.stack ?? error.message}`));
    });
    worker.once('exit', (code) => {
      clearTimeout(timer);
      if (!settled) reject(new Error(`load ${name}: the worker exited with ${code} before its result`));
    });
  });
  await worker.terminate();
  writeFileSync(path.join(stack.dir, `${name}.json`), `${JSON.stringify(result, null, 2)}\n`);
  return result;
}

/** The generators' names and versions, for the report's machine header. */
export function loadGeneratorVersion(): string {
  const version = (pkg: string) => {
    try {
      return (JSON.parse(readFileSync(repoPath('node_modules', pkg, 'package.json'), 'utf8')) as { version: string })
        .version;
    } catch {
      return 'unknown';
    }
  };
  return `undici ${version('undici')} (open model) + autocannon ${version('autocannon')} (closed loop), in a worker thread`;
}
