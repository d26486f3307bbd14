/**
 * Builds and starts the OpenTelemetry Node SDK for a ShopScope service: OTLP/gRPC exporters
 * for traces, metrics and logs; the instrumentations of instrumentations.ts (http, undici,
 * pino, runtime, Sequelize; express and mysql2 on request); W3C trace context + baggage; resource detection; secret
 * redaction; SDK self-metrics so that dropped or failed telemetry is counted; and the process
 * CPU, memory and heap-limit metrics of process-metrics.ts.
 * Installs no signal handler: the service's own shutdown calls `shutdownTelemetry()`.
 */
import { metrics } from '@opentelemetry/api';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-grpc';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-grpc';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { containerDetector } from '@opentelemetry/resource-detector-container';
import {
  detectResources,
  envDetector,
  hostDetector,
  processDetector,
  resourceFromAttributes,
  serviceInstanceIdDetector,
} from '@opentelemetry/resources';
import {
  BatchLogRecordProcessor,
  ConsoleLogRecordExporter,
  type LogRecordProcessor,
  SimpleLogRecordProcessor,
} from '@opentelemetry/sdk-logs';
import {
  ConsoleMetricExporter,
  MeterProvider,
  type MetricReader,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import { NodeSDK } from '@opentelemetry/sdk-node';
import {
  BatchSpanProcessor,
  ConsoleSpanExporter,
  SimpleSpanProcessor,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import { createInstrumentations } from './instrumentations';
import { startProcessMetrics } from './process-metrics';
import { RedactingLogRecordProcessor, RedactingSpanProcessor } from './redaction';
import { applyEnvDefaults, exporterFor, positiveIntFromEnv, serviceIdentity } from './settings';
import { setRunningTelemetry } from './state';

/** Queue settings for a batch processor from OTEL_BSP_* / OTEL_BLRP_* (defaults in settings.ts). */
function batchSettings(prefix: 'BSP' | 'BLRP') {
  return {
    scheduledDelayMillis: positiveIntFromEnv(`OTEL_${prefix}_SCHEDULE_DELAY`, 1_000),
    maxQueueSize: positiveIntFromEnv(`OTEL_${prefix}_MAX_QUEUE_SIZE`, 4_096),
    maxExportBatchSize: positiveIntFromEnv(`OTEL_${prefix}_MAX_EXPORT_BATCH_SIZE`, 512),
    exportTimeoutMillis: positiveIntFromEnv(`OTEL_${prefix}_EXPORT_TIMEOUT`, 10_000),
  };
}

/** Starts the SDK. Loaded only when telemetry is enabled, so a disabled service pays nothing. */
export function startTelemetry(): void {
  applyEnvDefaults();

  const identity = serviceIdentity();
  const resource = resourceFromAttributes({
    [ATTR_SERVICE_NAME]: process.env.OTEL_SERVICE_NAME ?? identity.name,
    [ATTR_SERVICE_VERSION]: identity.version,
    'service.namespace': 'shopscope',
    'deployment.environment.name': process.env.DEPLOYMENT_ENVIRONMENT ?? 'development',
  }).merge(
    // OTEL_RESOURCE_ATTRIBUTES / OTEL_SERVICE_NAME (envDetector) override the defaults above.
    detectResources({
      detectors: [serviceInstanceIdDetector, hostDetector, processDetector, containerDetector, envDetector],
    }),
  );

  // Our own MeterProvider, created first so the span and log processors can report what they
  // drop or fail to export (otel.sdk.processor.*.processed with error.type): loss is counted.
  const metricReaders: MetricReader[] = [];
  const metricsExporter = exporterFor('METRICS');
  // The OTLP metric exporter counts the points it exports or loses
  // (otel.sdk.exporter.metric_data_point.exported) once it is handed the provider below,
  // which the SDK never does for it: a metric point lost is then counted like a span.
  const otlpMetricExporter = metricsExporter === 'otlp' ? new OTLPMetricExporter() : undefined;
  if (metricsExporter !== 'none') {
    const interval = positiveIntFromEnv('OTEL_METRIC_EXPORT_INTERVAL', 10_000);
    metricReaders.push(
      new PeriodicExportingMetricReader({
        exporter: otlpMetricExporter ?? new ConsoleMetricExporter(),
        exportIntervalMillis: interval,
        // The SDK refuses a timeout longer than the interval, so a short interval caps it.
        exportTimeoutMillis: Math.min(positiveIntFromEnv('OTEL_METRIC_EXPORT_TIMEOUT', 5_000), interval),
      }),
    );
  }
  const meterProvider = new MeterProvider({ resource, readers: metricReaders, sdkMetricsEnabled: true });
  metrics.setGlobalMeterProvider(meterProvider);
  otlpMetricExporter?.setSelfObsMeterProvider(meterProvider);
  startProcessMetrics(meterProvider);

  const spanProcessors: SpanProcessor[] = [new RedactingSpanProcessor()];
  switch (exporterFor('TRACES')) {
    case 'otlp':
      spanProcessors.push(
        new BatchSpanProcessor({
          exporter: new OTLPTraceExporter(),
          selfObsMeterProvider: meterProvider,
          ...batchSettings('BSP'),
        }),
      );
      break;
    case 'console':
      spanProcessors.push(new SimpleSpanProcessor({ exporter: new ConsoleSpanExporter() }));
      break;
    case 'none':
      break;
  }

  const logRecordProcessors: LogRecordProcessor[] = [new RedactingLogRecordProcessor()];
  switch (exporterFor('LOGS')) {
    case 'otlp':
      logRecordProcessors.push(
        new BatchLogRecordProcessor({
          exporter: new OTLPLogExporter(),
          selfObsMeterProvider: meterProvider,
          ...batchSettings('BLRP'),
        }),
      );
      break;
    case 'console':
      logRecordProcessors.push(new SimpleLogRecordProcessor({ exporter: new ConsoleLogRecordExporter() }));
      break;
    case 'none':
      break;
  }

  const sdk = new NodeSDK({
    resource,
    autoDetectResources: false,
    spanProcessors,
    logRecordProcessors,
    metricReaders: [], // the MeterProvider above is already global
    instrumentations: createInstrumentations(),
  });
  sdk.start();
  setRunningTelemetry({
    shutdown: async () => {
      await Promise.allSettled([sdk.shutdown(), meterProvider.shutdown()]);
    },
  });
}
