/**
 * Loss: telemetry dropped anywhere between the services and the backends, counted from the
 * counters each stage keeps, as the difference between a snapshot before and one after a
 * load run. Nothing is inferred from missing data.
 *
 * - The services' SDKs: otel.sdk.processor.{span,log}.processed with error.type set
 *   (queue_full: the batch queue overflowed; otherwise the export failed), pushed like
 *   every other metric and read from Prometheus. For metrics, sdk-metrics (3.0, with
 *   `sdkMetricsEnabled`) counts its readers' collections
 *   (otel.sdk.metric_reader.collection.duration, error.type on a failed one) and the OTLP
 *   metric exporter the points it exported or lost
 *   (otel.sdk.exporter.metric_data_point.exported with error.type), because
 *   services/telemetry/src/sdk.ts hands it the meter provider (nothing in the SDK does).
 *   When no service reports a counter (the zero-code setup does not), its row says
 *   "not counted" rather than 0, and counts as soon as one does.
 * - The collector (its own metrics endpoint, read directly): receiver refused/failed
 *   (refused includes memory_limiter's refusals), exporter enqueue_failed (queue full)
 *   and send_failed (retries exhausted). The collector creates a counter's series at its
 *   first increment, so an absent series is a count of 0.
 * - The backends: Jaeger's OTLP receiver and storage exporter (its collector metrics),
 *   Prometheus' rejected samples (out of order/bounds, too old). Loki does not run here:
 *   its stand-in (tools/stack/standins/loki-standin.ts; Loki is AGPL and not built) counts the
 *   lines it received and the requests it refused (their records are also the collector
 *   exporter's send_failed), which is all it can drop: it enforces none of Loki's ingestion
 *   limits, so what Loki itself would discard is measured only where its image runs.
 */
import { type NativeStack, SERVICE_NAMES, until } from '../tools/stack/native-stack.ts';
import { PrometheusApi } from '../tools/stack/stack-api.ts';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Samples of a Prometheus text exposition (comments and histograms' details included as-is). */
export function parseExposition(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!match?.[1] || match[3] === undefined) continue;
    const labels: Record<string, string> = {};
    for (const label of (match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      labels[label[1] ?? ''] = label[2] ?? '';
    }
    samples.push({ name: match[1], labels, value: Number(match[3]) });
  }
  return samples;
}

async function scrape(url: string): Promise<Sample[]> {
  const res = await fetch(url, { signal: AbortSignal.timeout(15_000) });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`${url} answered ${res.status}`);
  return parseExposition(text);
}

/** Sum of every series of `name` whose labels pass `where` (0 when there is none). */
function total(
  samples: Sample[],
  name: string,
  where: (labels: Record<string, string>) => boolean = () => true,
): number {
  return samples.filter((s) => s.name === name && where(s.labels)).reduce((sum, s) => sum + s.value, 0);
}

export interface LossSnapshot {
  collector: Sample[];
  jaeger: Sample[];
  loki: Sample[];
  prometheus: Sample[];
  /** The SDK counters below, summed over the four services; absent when no service reports it. */
  sdk: Map<string, { ok: number; dropped: number }>;
}

/** The SDK's self-metrics that count what it handled, with error.type set on what it lost. */
const SDK_COUNTERS = [
  {
    stage: 'SDK batch span processors (4 services)',
    signal: 'spans',
    metric: 'otel_sdk_processor_span_processed_total',
  },
  {
    stage: 'SDK batch log processors (4 services)',
    signal: 'log records',
    metric: 'otel_sdk_processor_log_processed_total',
  },
  {
    stage: 'SDK metric readers (4 services)',
    signal: 'metric collections',
    metric: 'otel_sdk_metric_reader_collection_duration_seconds_count',
  },
  {
    stage: 'SDK metric exporters (4 services)',
    signal: 'metric points',
    metric: 'otel_sdk_exporter_metric_data_point_exported_total',
  },
] as const;

/** Why no service reports a counter, where known (the row's "not counted" says it). */
const NOT_REPORTED: Partial<Record<string, string>> = {
  otel_sdk_exporter_metric_data_point_exported_total:
    'the OTLP metric exporter counts its points only once given a meter provider (setSelfObsMeterProvider): services/telemetry/src/sdk.ts gives it one, the zero-code setup does not',
};

export const SDK_SPANS_STAGE = SDK_COUNTERS[0].stage;
export const SDK_LOGS_STAGE = SDK_COUNTERS[1].stage;

const SERVICES = SERVICE_NAMES.join('|');

/**
 * Reads every stage's counters. `freshWithinS`: only service instances that pushed their
 * SDK counters this recently count — the processes running now. Instances replaced by a
 * restart keep answering queries for 5 minutes (pushed series get no staleness marker),
 * and one leaving that window between two snapshots would look like a negative count.
 */
export async function lossSnapshot(stack: NativeStack, freshWithinS: number): Promise<LossSnapshot> {
  const prom = new PrometheusApi(stack.prometheusUrl);
  const sdk = new Map<string, { ok: number; dropped: number }>();
  for (const { metric } of SDK_COUNTERS) {
    const series = `${metric}{service_name=~"${SERVICES}"}`;
    const running = `${series} and on (instance) (time() - timestamp(${series}) < ${freshWithinS})`;
    const samples = await prom.samples(`sum by (error_type) (${running})`);
    if (samples.length === 0) continue;
    const counts = { ok: 0, dropped: 0 };
    for (const sample of samples) counts[sample.metric.error_type ? 'dropped' : 'ok'] += Number(sample.value?.[1] ?? 0);
    sdk.set(metric, counts);
  }
  const [collector, jaeger, loki, prometheus] = await Promise.all([
    scrape(`http://127.0.0.1:${stack.ports.collectorMetrics}/metrics`),
    scrape(`http://127.0.0.1:${stack.ports.jaegerMetrics}/metrics`),
    scrape(`${stack.lokiUrl}/metrics`),
    scrape(`${stack.prometheusUrl}/metrics`),
  ]);
  return { collector, jaeger, loki, prometheus, sdk };
}

export interface LossRow {
  stage: string;
  signal: string;
  /** Where the count comes from. */
  counters: string;
  /** Items dropped during the window; undefined when this stage does not count them. */
  dropped: number | undefined;
  /** Items the stage handled in the window (the denominator), when it counts them. */
  handled: number | undefined;
}

const COLLECTOR_SIGNALS = { spans: 'spans', 'metric points': 'metric_points', 'log records': 'log_records' } as const;

/** The drop counts of every stage between two snapshots. */
export function lossRows(before: LossSnapshot, after: LossSnapshot): LossRow[] {
  const delta = (pick: (s: LossSnapshot) => number) => pick(after) - pick(before);
  const rows: LossRow[] = [];
  for (const { stage, signal, metric } of SDK_COUNTERS) {
    const counted = before.sdk.has(metric) || after.sdk.has(metric);
    const count = (s: LossSnapshot) => s.sdk.get(metric) ?? { ok: 0, dropped: 0 };
    rows.push({
      stage,
      signal,
      counters: counted
        ? `${metric}{error_type!=""}`
        : `not counted: no service reports ${metric}${NOT_REPORTED[metric] ? `; ${NOT_REPORTED[metric]}` : ''}`,
      dropped: counted ? delta((s) => count(s).dropped) : undefined,
      handled: counted ? delta((s) => count(s).dropped + count(s).ok) : undefined,
    });
  }
  for (const [signal, suffix] of Object.entries(COLLECTOR_SIGNALS)) {
    const otlp = (labels: Record<string, string>) => labels.receiver === 'otlp';
    rows.push({
      stage: 'Collector OTLP receiver',
      signal,
      counters: `otelcol_receiver_{refused,failed}_${suffix}_total`,
      dropped: delta(
        (s) =>
          total(s.collector, `otelcol_receiver_refused_${suffix}_total`, otlp) +
          total(s.collector, `otelcol_receiver_failed_${suffix}_total`, otlp),
      ),
      handled: delta((s) => total(s.collector, `otelcol_receiver_accepted_${suffix}_total`, otlp)),
    });
    rows.push({
      stage: 'Collector exporters',
      signal,
      counters: `otelcol_exporter_{enqueue_failed,send_failed}_${suffix}_total`,
      dropped: delta(
        (s) =>
          total(s.collector, `otelcol_exporter_enqueue_failed_${suffix}_total`) +
          total(s.collector, `otelcol_exporter_send_failed_${suffix}_total`),
      ),
      handled: delta((s) => total(s.collector, `otelcol_exporter_sent_${suffix}_total`)),
    });
  }
  rows.push({
    stage: 'Jaeger (OTLP receiver, storage)',
    signal: 'spans',
    counters: 'otelcol_receiver_{refused,failed}_spans_total, otelcol_exporter_send_failed_spans_total',
    dropped: delta(
      (s) =>
        total(s.jaeger, 'otelcol_receiver_refused_spans_total') +
        total(s.jaeger, 'otelcol_receiver_failed_spans_total') +
        total(s.jaeger, 'otelcol_exporter_send_failed_spans_total'),
    ),
    handled: delta((s) => total(s.jaeger, 'otelcol_receiver_accepted_spans_total')),
  });
  rows.push({
    stage: 'Loki stand-in (tools/stack/standins/loki-standin.ts)',
    signal: 'log records',
    // Requests, not records: a refused request's records are the collector exporter's send_failed.
    counters:
      "loki_standin_requests_refused_total (requests refused; it enforces none of Loki's ingestion limits), loki_distributor_lines_received_total",
    dropped: delta((s) => total(s.loki, 'loki_standin_requests_refused_total')),
    handled: delta((s) => total(s.loki, 'loki_distributor_lines_received_total')),
  });
  rows.push({
    stage: 'Prometheus TSDB',
    signal: 'metric points',
    counters: 'prometheus_tsdb_{out_of_order,out_of_bound,too_old}_samples_total',
    dropped: delta(
      (s) =>
        total(s.prometheus, 'prometheus_tsdb_out_of_order_samples_total') +
        total(s.prometheus, 'prometheus_tsdb_out_of_bound_samples_total') +
        total(s.prometheus, 'prometheus_tsdb_too_old_samples_total'),
    ),
    handled: delta((s) => total(s.prometheus, 'prometheus_tsdb_head_samples_appended_total')),
  });
  return rows;
}

/**
 * How long after a load run the services' last batches take to reach the collector: the
 * longest batch delay of the configurations compared (the stock OTEL_BSP_SCHEDULE_DELAY,
 * 5 s, under zero-code; ShopScope's is 1 s) and 2 s for the export itself.
 */
export const BATCH_FLUSH_MS = 7_000;

/** Spans and log records the collector's OTLP receiver has accepted since it started. */
export async function collectorAccepted(stack: NativeStack): Promise<{ spans: number; logRecords: number }> {
  const samples = await scrape(`http://127.0.0.1:${stack.ports.collectorMetrics}/metrics`);
  const otlp = (labels: Record<string, string>) => labels.receiver === 'otlp';
  return {
    spans: total(samples, 'otelcol_receiver_accepted_spans_total', otlp),
    logRecords: total(samples, 'otelcol_receiver_accepted_log_records_total', otlp),
  };
}

/** Waits until the collector's exporter queues are empty: what reached it has been sent on. */
export async function collectorDrained(stack: NativeStack): Promise<void> {
  await until(
    'the collector exporter queues to drain',
    async () =>
      total(await scrape(`http://127.0.0.1:${stack.ports.collectorMetrics}/metrics`), 'otelcol_exporter_queue_size') ===
      0,
    { timeoutMs: 180_000, intervalMs: 500, fatal: () => stack.problem() },
  );
}

/**
 * Waits until what the services sent has gone through: the collector's exporter queues
 * are empty and one more SDK metric export (which carries the SDK's own counters) has had
 * time to arrive.
 */
export async function settle(stack: NativeStack, metricExportIntervalMs: number): Promise<void> {
  await collectorDrained(stack);
  // The export interval, the collector's 1 s batch timeout, and margin for a loaded machine.
  await new Promise((resolve) => setTimeout(resolve, metricExportIntervalMs + 5_000));
}
