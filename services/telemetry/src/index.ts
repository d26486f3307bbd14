export { annotateActiveSpan, businessMetrics, inSpan, tracer } from './business';
export { REDACTED, redactString, redactValue } from './redaction';
export { shutdownTelemetry } from './state';
