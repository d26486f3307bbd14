export {
  annotateActiveSpan,
  type BusinessAttributes,
  type BusinessMetrics,
  businessMetrics,
  inSpan,
  tracer,
} from './business';
export {
  attributeProblem,
  type CounterDefinition,
  catalogueEntries,
  type HistogramDefinition,
  METRIC_CATALOGUE,
  type MetricAttribute,
  type MetricDefinition,
  type MetricKey,
  type PrometheusNames,
  prometheusNames,
  type RecordingService,
} from './metric-catalogue';
export { REDACTED, redactString, redactValue } from './redaction';
export { shutdownTelemetry } from './state';
