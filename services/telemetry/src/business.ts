import {
  type Attributes,
  type AttributeValue,
  type Counter,
  type Histogram,
  metrics,
  type Span,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';
import { catalogueEntries, type METRIC_CATALOGUE, type MetricDefinition, type MetricKey } from './metric-catalogue';

/**
 * Business telemetry: the instruments of the metric catalogue (metric-catalogue.ts), where
 * ShopScope's business metrics are declared — name, unit, description, attributes and their
 * values, buckets, recording services — so dashboards, alert rules and tests have a single
 * source. Add a metric there; it appears here as `businessMetrics.<key>`.
 */
const meter = metrics.getMeter('shopscope.business');

type Catalogue = typeof METRIC_CATALOGUE;

/**
 * The attributes a metric may be recorded with: exactly the keys its catalogue entry
 * declares (an undeclared key is a type error at the call site; none at all for a metric
 * without attributes). Values stay `AttributeValue`: the catalogue's allowed values are
 * checked on what is exported (tests/src/telemetry-contract.test.ts).
 */
export type BusinessAttributes<K extends MetricKey> = keyof Catalogue[K]['attributes'] extends never
  ? Record<string, never>
  : { -readonly [A in keyof Catalogue[K]['attributes']]: AttributeValue };

/** `businessMetrics`' type: a Counter or a Histogram per catalogue entry, as its `instrument` says. */
export type BusinessMetrics = {
  readonly [K in keyof Catalogue]: Catalogue[K]['instrument'] extends 'histogram'
    ? Histogram<BusinessAttributes<K>>
    : Counter<BusinessAttributes<K>>;
};

function createInstrument(metric: MetricDefinition): Counter | Histogram {
  const options = { description: metric.description, unit: metric.unit };
  return metric.instrument === 'histogram'
    ? meter.createHistogram(metric.name, { ...options, advice: { explicitBucketBoundaries: [...metric.buckets] } })
    : meter.createCounter(metric.name, options);
}

/**
 * One instrument per catalogue entry, by its key: `businessMetrics.ordersPlaced.add(1)`,
 * `businessMetrics.orderValue.record(euros)`, `businessMetrics.logins.add(1, { outcome })`.
 * What each means, and which service records it, is in METRIC_CATALOGUE.
 */
export const businessMetrics = Object.fromEntries(
  catalogueEntries().map(([key, metric]) => [key, createInstrument(metric)]),
) as unknown as BusinessMetrics;

export const tracer = trace.getTracer('shopscope');

/**
 * Runs `fn` inside a new active span; records an exception and error status if it throws.
 * Business attributes set on the span become searchable tags in Jaeger.
 */
export async function inSpan<T>(name: string, attributes: Attributes, fn: (span: Span) => Promise<T>): Promise<T> {
  return tracer.startActiveSpan(name, { attributes }, async (span) => {
    try {
      return await fn(span);
    } catch (err) {
      span.recordException(err instanceof Error ? err : new Error(String(err)));
      span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
      throw err;
    } finally {
      span.end();
    }
  });
}

/** Sets attributes on the current span (the HTTP server span or a business span), if any. */
export function annotateActiveSpan(attributes: Attributes): void {
  trace.getActiveSpan()?.setAttributes(attributes);
}
