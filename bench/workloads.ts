/**
 * The benchmark's three workloads and how each is driven (bench/load.ts runs this in a
 * worker thread, through bench/load-worker.ts):
 *
 *   api        GET /api/products on product-service (the DB-backed API): answered 200 with
 *              a `"results"` list
 *   catalogue  GET / on the frontend (the catalogue page; frontend → product-service):
 *              answered 200 with products (`data-slug=`)
 *   journey    a signed-in shopper's purchase through the web shop's pages, run by the
 *              journey driver of the stack tests (tools/stack/journeys.ts, its steps data
 *              in k6/lib/): catalogue → product page → add to cart (form POST + CSRF) →
 *              cart page → checkout (form POST + CSRF) → thank-you page, every step checked
 *
 * rate mode  open model (bench/open-model.ts): iterations at a fixed arrival rate, sent
 *            with undici; at most spec.vus in flight, more are dropped and counted
 * vus mode   closed loop: spec.vus users looping without pause — for api and catalogue
 *            autocannon with spec.vus connections and no rate limit (each connection sends
 *            its next request when its answer has arrived), for the journey spec.vus
 *            users of the same driver
 *
 * Redirects are never followed: the journey checks each form POST's 303 where it points.
 * A request fails (failedRequests) when it got no answer or one outside 200–399; an
 * iteration fails its check (failedChecks) when any answer is not exactly what it expects.
 */
import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';
import { Agent, request } from 'undici';
import { type JourneyBook, loadJourneyBook, runJourney, type ShopUrls } from '../tools/stack/journeys.ts';
import type { LoadJob, LoadResult, Workload } from './load.ts';
import {
  type DriverStats,
  type IterationContext,
  type Phase,
  phaseAt,
  runClosedLoop,
  runOpenModel,
  Samples,
} from './open-model.ts';

/** The journey of the book (k6/lib/journeys.json) that the benchmark runs: a purchase as a signed-in shopper. */
export const PURCHASE_JOURNEY = 'purchase-signed-in';

/** Time granted to iterations in flight at the end of a run, s (then they are aborted). */
const GRACE_S = { rate: 30, vus: 10 };
/** An answer not complete after this long is a failed request, ms. */
const REQUEST_TIMEOUT_MS = 60_000;
/** How many distinct failures a run describes (every failure is counted). */
const FAILURES_DESCRIBED = 10;

interface Shopper {
  username: string;
  cookies: Record<string, string>;
}

/** The counts and samples of one run, by phase; `result()` turns them into a LoadResult. */
export class Recorder {
  private requests = 0;
  private totalRequests = 0;
  private iterations = 0;
  private totalIterations = 0;
  private okIterations = 0;
  private failedRequests = 0;
  private failedChecks = 0;
  private failedJourneys = 0;
  private readonly latency = new Samples();
  private readonly journey = new Samples();
  private readonly described = new Set<string>();

  /** An iteration began (counted by the phase it is tagged with). */
  started(phase: Phase): void {
    this.totalIterations += 1;
    if (phase === 'measure') this.iterations += 1;
  }

  /** One HTTP answer (status 0: none). Answered requests' durations are the latency samples. */
  request(phase: Phase, status: number, ms: number): void {
    this.totalRequests += 1;
    if (!(status >= 200 && status < 400)) this.failedRequests += 1;
    if (phase !== 'measure') return;
    this.requests += 1;
    if (status > 0) this.latency.add(ms);
  }

  /** An iteration that did all it set out to (every check passed); `ms`: a journey's duration. */
  ok(phase: Phase, journeyMs?: number): void {
    if (phase !== 'measure') return;
    this.okIterations += 1;
    if (journeyMs !== undefined) this.journey.add(journeyMs);
  }

  /** An iteration whose check failed: counted, and the first distinct ones described. */
  failed(what: string, journey: boolean): void {
    this.failedChecks += 1;
    if (journey) this.failedJourneys += 1;
    if (this.described.size < FAILURES_DESCRIBED) this.described.add(what);
  }

  result(spec: LoadJob['spec'], stats: DriverStats, generator: string): LoadResult {
    return {
      spec,
      requests: this.requests,
      requestsPerS: this.requests / spec.measureS,
      iterations: this.iterations,
      iterationsPerS: this.iterations / spec.measureS,
      okIterations: this.okIterations,
      okPerS: this.okIterations / spec.measureS,
      latencyMs: this.latency.percentiles(),
      journeyMs: spec.workload === 'journey' ? this.journey.percentiles() : undefined,
      failedRequests: this.failedRequests,
      // An iteration aborted at the end of the run has recorded its own failure (its request
      // or journey ended with the abort), so these count it already.
      failedChecks: this.failedChecks,
      failedJourneys: this.failedJourneys,
      droppedIterations: stats.dropped,
      totalRequests: this.totalRequests,
      totalIterations: this.totalIterations,
      failureSamples: [
        ...this.described,
        ...(stats.interrupted > 0
          ? [`${stats.interrupted} iteration(s) still running ${GRACE_S[spec.mode]} s after the end, interrupted`]
          : []),
      ],
      generator,
      ...(stats.lateMs ? { startLateMs: stats.lateMs } : {}),
    };
  }
}

/** What an answer said, briefly: the web shop's error page says it in its lead paragraph, the APIs in JSON. */
export function describeAnswer(status: number, body: string): string {
  const said = /<p class="lead">([^<]*)<\/p>/.exec(body)?.[1] ?? body;
  return `status ${status}: ${said.replace(/\s+/g, ' ').trim().slice(0, 160)}`;
}

function errorMessage(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return `${error.message}${typeof code === 'string' ? ` (${code})` : ''}`;
  }
  return String(error);
}

interface Target {
  label: string;
  url: string;
  /** What a good answer's body holds, besides its status 200. */
  expect: string;
}

function targetOf(workload: Exclude<Workload, 'journey'>, urls: LoadJob['urls']): Target {
  return workload === 'api'
    ? { label: 'products API', url: `${urls.product}/api/products`, expect: '"results"' }
    : { label: 'catalogue page', url: `${urls.frontend}/`, expect: 'data-slug=' };
}

/** Keep-alive connections, opened as iterations in flight need them; no redirect followed. */
function newAgent(): Agent {
  return new Agent({ headersTimeout: REQUEST_TIMEOUT_MS, bodyTimeout: REQUEST_TIMEOUT_MS, keepAliveTimeout: 30_000 });
}

/** One GET of a single-request workload, timed from sending it to the end of its answer's body. */
async function getOnce(target: Target, agent: Agent, recorder: Recorder, context: IterationContext): Promise<void> {
  recorder.started(context.phase);
  const sent = performance.now();
  let status: number;
  let body: string;
  try {
    const answer = await request(target.url, { dispatcher: agent, signal: context.signal });
    status = answer.statusCode;
    body = await answer.body.text();
  } catch (error) {
    recorder.request(context.phase, 0, performance.now() - sent);
    recorder.failed(`${target.label}: no answer (${errorMessage(error)})`, false);
    return;
  }
  recorder.request(context.phase, status, performance.now() - sent);
  if (status === 200 && body.includes(target.expect)) recorder.ok(context.phase);
  else recorder.failed(`${target.label}: ${describeAnswer(status, body)}`, false);
}

/**
 * The closed loop of a single-request workload: autocannon, spec.vus connections, no rate
 * limit, for warmupS + measureS (+ up to 1 s: it stops at its next one-second tick; the
 * requests started after the end are tagged `tail`). Each answer is tagged with the phase
 * of the moment its request was written; its duration is autocannon's own (request written
 * → answer complete). Requests still unanswered when it stops are discarded by autocannon:
 * at most one per connection, at the end, in the tail.
 */
async function closedLoopWithAutocannon(job: LoadJob, target: Target, recorder: Recorder): Promise<DriverStats> {
  const { spec } = job;
  // autocannon calls a request's onResponse with the body, then emits `response` with the
  // duration, synchronously for the same answer: the check waits here for its duration.
  let check: { ok: boolean; what: string } | undefined;
  const t0 = performance.now();
  const instance = autocannon({
    url: target.url,
    connections: spec.vus,
    pipelining: 1,
    duration: spec.warmupS + spec.measureS,
    timeout: REQUEST_TIMEOUT_MS / 1000,
    requests: [
      {
        method: 'GET',
        onResponse: (status, body) => {
          check =
            status === 200 && body.includes(target.expect)
              ? { ok: true, what: '' }
              : { ok: false, what: `${target.label}: ${describeAnswer(status, body)}` };
        },
      },
    ],
  });
  let started = 0;
  instance.on('response', (_client, status, _bytes, ms) => {
    const phase = phaseAt((performance.now() - ms - t0) / 1000, spec);
    started += 1;
    recorder.started(phase);
    recorder.request(phase, status, ms);
    if (check?.ok) recorder.ok(phase);
    else recorder.failed(check?.what ?? `${target.label}: status ${status}, body not seen`, false);
    check = undefined;
  });
  instance.on('reqError', (error) => {
    const phase = phaseAt((performance.now() - t0) / 1000, spec);
    started += 1;
    recorder.started(phase);
    recorder.request(phase, 0, Number.NaN);
    recorder.failed(`${target.label}: no answer (${errorMessage(error)})`, false);
  });
  await instance;
  return { started, dropped: 0, interrupted: 0, lateMs: undefined, elapsedS: (performance.now() - t0) / 1000 };
}

/** One purchase by the shopper of the iteration's slot, with that shopper's session cookies. */
function journeyIteration(urls: ShopUrls, book: JourneyBook, shoppers: Shopper[], agent: Agent, recorder: Recorder) {
  return async (context: IterationContext): Promise<void> => {
    const shopper = shoppers[context.slot];
    if (!shopper) throw new Error(`no shopper for slot ${context.slot} (${shoppers.length} shoppers)`);
    recorder.started(context.phase);
    const began = performance.now();
    const outcome = await runJourney(book, PURCHASE_JOURNEY, urls, {
      shopper: shopper.username,
      cookies: shopper.cookies,
      dispatcher: agent,
      signal: context.signal,
      onRequest: (_step, status, ms) => recorder.request(context.phase, status, ms),
    });
    if (outcome.ok) recorder.ok(context.phase, performance.now() - began);
    else recorder.failed(`${outcome.failedStep ?? 'journey'}: ${outcome.detail ?? 'failed'}`, true);
  };
}

/** Runs one load job to its end and returns its numbers. */
export async function runWorkload(job: LoadJob): Promise<LoadResult> {
  const { spec } = job;
  const recorder = new Recorder();
  const onCrash = (error: unknown) =>
    recorder.failed(`${spec.workload}: the iteration threw (${errorMessage(error)})`, spec.workload === 'journey');
  const agent = newAgent();
  try {
    if (spec.workload === 'journey') {
      const shoppers = (JSON.parse(readFileSync(job.shoppersFile, 'utf8')) as Shopper[]).slice(0, spec.vus);
      if (shoppers.length < spec.vus)
        throw new Error(`${spec.vus} journeys at once need as many shoppers; the file has ${shoppers.length}`);
      const iteration = journeyIteration(job.urls, loadJourneyBook(), shoppers, agent, recorder);
      const stats =
        spec.mode === 'rate'
          ? await runOpenModel({
              ...spec,
              rate: spec.rate ?? 0,
              slots: spec.vus,
              iteration,
              graceS: GRACE_S.rate,
              onCrash,
            })
          : await runClosedLoop({ ...spec, users: spec.vus, iteration, graceS: GRACE_S.vus, onCrash });
      return recorder.result(
        spec,
        stats,
        spec.mode === 'rate' ? 'open model (undici)' : 'closed loop (journey driver, undici)',
      );
    }
    const target = targetOf(spec.workload, job.urls);
    if (spec.mode === 'rate') {
      const iteration = (context: IterationContext) => getOnce(target, agent, recorder, context);
      const stats = await runOpenModel({
        ...spec,
        rate: spec.rate ?? 0,
        slots: spec.vus,
        iteration,
        graceS: GRACE_S.rate,
        onCrash,
      });
      return recorder.result(spec, stats, 'open model (undici)');
    }
    return recorder.result(spec, await closedLoopWithAutocannon(job, target, recorder), 'closed loop (autocannon)');
  } finally {
    await agent.close();
  }
}
