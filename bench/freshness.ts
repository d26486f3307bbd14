/**
 * Freshness: how long after a request its telemetry can be read where a learner reads it.
 *
 * - Traces: a request to product-service carries a W3C traceparent with a trace id made
 *   here (sampled); Jaeger — the endpoint the collector's trace exporter writes to — is
 *   polled every 100 ms for that trace id. Time from the response to the first answer
 *   that holds the trace.
 * - Metrics: the request counter of one route (http.server.request.duration's count for
 *   product-service GET /api/products) is read from Prometheus; one request is made; the
 *   query is repeated every 100 ms until the count has grown by it. Nothing else calls
 *   that route meanwhile. Expect anything from the pipeline's latency up to the SDK's
 *   export interval (OTEL_METRIC_EXPORT_INTERVAL) plus the collector's 1 s batch timeout.
 *
 * Between samples both sleep a random time spread evenly over one batching cycle of their
 * signal (traces: the SDK's and the collector's 1 s; metrics: the export interval), so that
 * the requests fall at random points of the cycle. Without it every metric sample would
 * start just after the export that ended the previous one, and wait a whole interval.
 */
import { randomBytes } from 'node:crypto';
import { type NativeStack, until } from '../tools/stack/native-stack.ts';
import { JaegerApi, PrometheusApi } from '../tools/stack/stack-api.ts';

const POLL_MS = 100;
/** The span batch processor's schedule delay and the collector's batch timeout, both 1 s. */
const TRACE_BATCH_CYCLE_MS = 1_000;
export const FRESHNESS_ROUTE = '/api/products';
/**
 * Per series, not summed: each restart of product-service (the benchmark restarts it between
 * rounds) leaves a series under its own service.instance.id that Prometheus drops from
 * instant queries five minutes after its last sample. A sum would fall when one drops, and
 * could stay below the count read before the request for good.
 */
const COUNT_QUERY = `http_server_request_duration_seconds_count{service_name="product-service", http_route="${FRESHNESS_ROUTE}"}`;

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** One request to product-service; resolves when its answer has been read. */
async function productsRequest(stack: NativeStack, headers: Record<string, string> = {}): Promise<void> {
  const res = await fetch(`${stack.service('product-service').url}${FRESHNESS_ROUTE}`, { headers });
  await res.arrayBuffer();
  if (res.status !== 200) throw new Error(`GET ${FRESHNESS_ROUTE} answered ${res.status}`);
}

/** Seconds from each request's answer to its trace in Jaeger. */
export async function traceFreshness(stack: NativeStack, samples: number): Promise<number[]> {
  const jaeger = new JaegerApi(stack.jaegerUrl);
  const seconds: number[] = [];
  for (let i = 0; i < samples; i++) {
    const traceId = randomBytes(16).toString('hex');
    const parentId = randomBytes(8).toString('hex');
    await productsRequest(stack, { traceparent: `00-${traceId}-${parentId}-01` });
    const answered = performance.now();
    await until(`trace ${traceId} in Jaeger`, async () => (await jaeger.trace(traceId)) !== undefined, {
      timeoutMs: 120_000,
      intervalMs: POLL_MS,
      fatal: () => stack.problem(),
    });
    seconds.push((performance.now() - answered) / 1000);
    await pause(Math.random() * TRACE_BATCH_CYCLE_MS);
  }
  return seconds;
}

/** The route's request count per series, keyed by the series' labels. */
async function requestCounts(prom: PrometheusApi): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const sample of await prom.samples(COUNT_QUERY)) {
    if (sample.value) counts.set(JSON.stringify(sample.metric), Number(sample.value[1]));
  }
  return counts;
}

/** True once some series counts more than it did before (a series new since then counts from 0). */
export function counterGrew(before: ReadonlyMap<string, number>, now: ReadonlyMap<string, number>): boolean {
  for (const [series, count] of now) if (count > (before.get(series) ?? 0)) return true;
  return false;
}

/**
 * Seconds from each request's answer to its count in Prometheus. The caller must have left
 * the route alone for longer than the metric export interval first, so that the count read
 * before the first request is already complete.
 */
export async function metricFreshness(
  stack: NativeStack,
  samples: number,
  exportIntervalMs: number,
): Promise<number[]> {
  const prom = new PrometheusApi(stack.prometheusUrl);
  const seconds: number[] = [];
  for (let i = 0; i < samples; i++) {
    const before = await requestCounts(prom);
    await productsRequest(stack);
    const answered = performance.now();
    await until(
      `the request counter of ${FRESHNESS_ROUTE} to grow`,
      async () => counterGrew(before, await requestCounts(prom)),
      {
        timeoutMs: 120_000,
        intervalMs: POLL_MS,
        fatal: () => stack.problem(),
      },
    );
    seconds.push((performance.now() - answered) / 1000);
    await pause(Math.random() * exportIntervalMs);
  }
  return seconds;
}
