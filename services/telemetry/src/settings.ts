/**
 * Defaults for the standard OTEL_* variables, applied only where the environment says
 * nothing, so every documented OTEL_* variable still wins. Chosen for a learning stack:
 * gRPC to the compose file's collector, panels fresh within ~15 s, traces within ~2 s.
 */
export const ENV_DEFAULTS: Record<string, string> = {
  OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otel-collector:4317',
  OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc',
  OTEL_METRIC_EXPORT_INTERVAL: '10000',
  OTEL_METRIC_EXPORT_TIMEOUT: '5000',
  OTEL_BSP_SCHEDULE_DELAY: '1000',
  OTEL_BSP_MAX_QUEUE_SIZE: '4096',
  OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '512',
  OTEL_BLRP_SCHEDULE_DELAY: '1000',
  OTEL_BLRP_MAX_QUEUE_SIZE: '4096',
  OTEL_BLRP_MAX_EXPORT_BATCH_SIZE: '512',
  OTEL_PROPAGATORS: 'tracecontext,baggage',
  // Only what the services use: loading every instrumentation costs start-up time and memory.
  OTEL_NODE_ENABLED_INSTRUMENTATIONS: 'http,undici,express,mysql2,pino,runtime-node',
};

export function applyEnvDefaults(env: NodeJS.ProcessEnv = process.env): void {
  for (const [key, value] of Object.entries(ENV_DEFAULTS)) {
    if (env[key] === undefined || env[key] === '') env[key] = value;
  }
}

export type ExporterChoice = 'otlp' | 'console' | 'none';

/** Reads OTEL_{TRACES,METRICS,LOGS}_EXPORTER: `otlp` (default), `console` or `none`. */
export function exporterFor(
  signal: 'TRACES' | 'METRICS' | 'LOGS',
  env: NodeJS.ProcessEnv = process.env,
): ExporterChoice {
  const value = (env[`OTEL_${signal}_EXPORTER`] ?? 'otlp').split(',')[0]?.trim().toLowerCase();
  return value === 'none' || value === 'console' ? value : 'otlp';
}

export function positiveIntFromEnv(name: string, fallback: number, env: NodeJS.ProcessEnv = process.env): number {
  const n = Number(env[name]);
  return Number.isInteger(n) && n > 0 ? n : fallback;
}
