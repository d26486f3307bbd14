import { readFileSync } from 'node:fs';
import path from 'node:path';

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
  // Not mysql2: every query goes through Sequelize, whose span is the one shown, and the
  // mysql2 instrumentation still formatted each query's text and wrapped its callback under
  // it (≈1.2 ms of CPU per checkout journey in a profile, bench/profile.ts) for a span it
  // then suppressed. Add `mysql2` to the list to trace raw mysql2 queries.
  // Not express either: the route it was loaded for is set by the services' own app
  // (services/common/src/http/route-name.ts) without wrapping every middleware.
  OTEL_NODE_ENABLED_INSTRUMENTATIONS: 'http,undici,pino,runtime-node',
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

/** The service's name (`user-service`, `frontend`, …) and version, from its own package.json. */
export function serviceIdentity(): { name: string; version: string } {
  // cwd is the service folder under npm start, in the images and in the test harnesses.
  try {
    const pkg = JSON.parse(readFileSync(path.join(process.cwd(), 'package.json'), 'utf8')) as {
      name?: string;
      version?: string;
    };
    const name = (pkg.name ?? 'unknown').replace(/^@shopscope\//, '').replace(/-service$/, '');
    return { name: name === 'frontend' ? 'frontend' : `${name}-service`, version: pkg.version ?? '0.0.0' };
  } catch {
    return { name: 'unknown_service', version: '0.0.0' };
  }
}

/** Which bootstrap a service starts with: TELEMETRY_BOOTSTRAP (README, "Telemetry"). */
export type Bootstrap = 'shopscope' | 'zero-code';

export function bootstrapFromEnv(env: NodeJS.ProcessEnv = process.env): Bootstrap {
  const value = (env.TELEMETRY_BOOTSTRAP ?? '').trim().toLowerCase();
  if (value === '' || value === 'shopscope') return 'shopscope';
  if (value === 'zero-code') return 'zero-code';
  process.stderr.write(`telemetry: unknown TELEMETRY_BOOTSTRAP=${value} (shopscope or zero-code); using shopscope\n`);
  return 'shopscope';
}

/**
 * The zero-code mode's settings: only what makes it a fair peer of ShopScope's bootstrap,
 * set as a tutorial sets them, in standard variables and only where the environment says
 * nothing — the same collector over the same protocol, the same metric interval (the
 * standard 60 s would leave the dashboards a minute behind), the same resource (service
 * name, namespace, version and environment, which the dashboards and log queries select
 * on) and the same resource detectors (the stock list also probes cloud metadata servers
 * at start). Everything else is stock: every instrumentation of the bundle, the standard
 * batch sizes and delays, no redaction processor, no process metrics.
 */
export function applyZeroCodeDefaults(env: NodeJS.ProcessEnv = process.env): void {
  const identity = serviceIdentity();
  const defaults: Record<string, string> = {
    OTEL_EXPORTER_OTLP_ENDPOINT: ENV_DEFAULTS.OTEL_EXPORTER_OTLP_ENDPOINT as string,
    OTEL_EXPORTER_OTLP_PROTOCOL: ENV_DEFAULTS.OTEL_EXPORTER_OTLP_PROTOCOL as string,
    OTEL_METRIC_EXPORT_INTERVAL: ENV_DEFAULTS.OTEL_METRIC_EXPORT_INTERVAL as string,
    OTEL_SERVICE_NAME: identity.name,
    OTEL_NODE_RESOURCE_DETECTORS: 'serviceinstance,host,process,container,env',
  };
  for (const [key, value] of Object.entries(defaults)) {
    if (env[key] === undefined || env[key] === '') env[key] = value;
  }
  // Appended, so that attributes the environment already names keep their value.
  const resource = [
    'service.namespace=shopscope',
    `service.version=${identity.version}`,
    `deployment.environment.name=${env.DEPLOYMENT_ENVIRONMENT ?? 'development'}`,
  ];
  const given = env.OTEL_RESOURCE_ATTRIBUTES?.trim();
  const named = new Set((given ? given.split(',') : []).map((pair) => pair.split('=')[0]?.trim()));
  const missing = resource.filter((pair) => !named.has(pair.split('=')[0]));
  env.OTEL_RESOURCE_ATTRIBUTES = [given, ...missing].filter(Boolean).join(',');
}
