/**
 * Where the cost of telemetry goes: product-service's CPU per `GET /api/products` request
 * at one fixed rate, with telemetry off, with ShopScope's bootstrap, with the stock
 * zero-code setup instead, and with ShopScope's bootstrap with one part changed at a time
 * (nothing exported; one trace in ten sampled; no http or pino instrumentation; the express
 * or mysql2 instrumentation added back; spans only; only the SDK). Every configuration is a restart of the services with OTEL_SDK_DISABLED,
 * TELEMETRY_BOOTSTRAP and standard OTEL_* variables, so what is measured is the product's
 * own code paths, nothing patched for the benchmark.
 *
 * A fixed offered rate (not a closed loop) keeps the rest of the machine equally busy in
 * every configuration, so CPU per request compares. The configurations run in one order
 * and then in reverse, so that a drift of the machine weighs on all alike.
 */
import { createRequire } from 'node:module';
import type { NativeStack } from '../tools/stack/native-stack.ts';
import { repoPath } from '../tools/stack/repo.ts';
import { type LoadContext, runLoad } from './load.ts';
import { cpuSnapshot, cpuUsed } from './proc.ts';
import { type BreakdownResult, type Plan, telemetryEnv } from './results.ts';

/**
 * ShopScope's default instrumentations plus `name`, the default read from the built
 * telemetry package (the benchmark runs the services' dist folders, so they are built), so
 * that a row adding one back follows the default wherever it moves.
 */
function withInstrumentation(name: string): Record<string, string> {
  const { ENV_DEFAULTS } = createRequire(import.meta.url)(repoPath('services/telemetry/dist/settings.js')) as {
    ENV_DEFAULTS: Record<string, string>;
  };
  return { OTEL_NODE_ENABLED_INSTRUMENTATIONS: `${ENV_DEFAULTS.OTEL_NODE_ENABLED_INSTRUMENTATIONS},${name}` };
}

export interface BreakdownConfig {
  name: string;
  /** What the configuration leaves out, for the report. */
  what: string;
  env: Record<string, string>;
}

/**
 * The product's telemetry settings: every configuration starts from these (each restart's
 * variables stay until the next one sets them, so every variable any configuration sets is
 * here).
 */
const PRODUCT_TELEMETRY: Record<string, string> = {
  ...telemetryEnv('shopscope'),
  OTEL_TRACES_EXPORTER: 'otlp',
  OTEL_METRICS_EXPORTER: 'otlp',
  OTEL_LOGS_EXPORTER: 'otlp',
  // Empty: the default list of settings.ts.
  OTEL_NODE_ENABLED_INSTRUMENTATIONS: '',
  OTEL_NODE_DISABLED_INSTRUMENTATIONS: '',
  // The SDK's default: every trace recorded.
  OTEL_TRACES_SAMPLER: 'parentbased_always_on',
  OTEL_TRACES_SAMPLER_ARG: '',
};

export const BREAKDOWN_CONFIGS: BreakdownConfig[] = [
  { name: 'off', what: 'telemetry off (`OTEL_SDK_DISABLED=true`)', env: telemetryEnv('off') },
  { name: 'shopscope', what: "ShopScope's bootstrap: the product's configuration", env: {} },
  {
    name: 'zero-code',
    what: "the stock zero-code setup instead (`TELEMETRY_BOOTSTRAP=zero-code`: `@opentelemetry/auto-instrumentations-node/register`, the bundle's default instrumentations and settings)",
    env: telemetryEnv('zero-code'),
  },
  {
    name: 'nothing exported',
    what: 'shopscope, but `OTEL_{TRACES,METRICS,LOGS}_EXPORTER=none`: spans, log records and metrics are made, never serialised or sent',
    env: { OTEL_TRACES_EXPORTER: 'none', OTEL_METRICS_EXPORTER: 'none', OTEL_LOGS_EXPORTER: 'none' },
  },
  {
    name: '1 trace in 10',
    what: 'shopscope with head sampling (`OTEL_TRACES_SAMPLER=parentbased_traceidratio`, `OTEL_TRACES_SAMPLER_ARG=0.1`): metrics and logs of every request, spans of one in ten',
    env: { OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.1' },
  },
  {
    name: 'without http',
    what: 'shopscope without the http instrumentation: no server span (so no child spans under it), no request duration metric',
    env: { OTEL_NODE_DISABLED_INSTRUMENTATIONS: 'http' },
  },
  {
    name: 'without pino',
    what: 'shopscope without the pino instrumentation: log lines carry no trace id and are not sent over OTLP',
    env: { OTEL_NODE_DISABLED_INSTRUMENTATIONS: 'pino' },
  },
  {
    name: 'with express',
    what: 'shopscope with the express instrumentation too (the default until issue 15; its spans off, as configured): every middleware wrapped to name a route the services now name themselves',
    env: withInstrumentation('express'),
  },
  {
    name: 'with mysql2',
    what: 'shopscope with the mysql2 instrumentation too (the default until issue 15): each query formatted and wrapped under its Sequelize span, for a span suppressed',
    env: withInstrumentation('mysql2'),
  },
  {
    name: 'spans only',
    what: 'shopscope with only the http and Sequelize instrumentations and only traces exported: a server span and its SQL spans for every request, nothing else — the least telemetry that traces every request with its SQL, as the design asks',
    env: {
      OTEL_NODE_ENABLED_INSTRUMENTATIONS: 'http',
      OTEL_METRICS_EXPORTER: 'none',
      OTEL_LOGS_EXPORTER: 'none',
    },
  },
  {
    name: 'SDK only',
    what: 'shopscope with only the runtime and Sequelize instrumentations: the SDK, its exporters, the runtime metrics and one span per SQL query',
    env: { OTEL_NODE_ENABLED_INSTRUMENTATIONS: 'runtime-node' },
  },
];

export async function measureBreakdown(
  stack: NativeStack,
  plan: Plan,
  context: LoadContext,
  log: (message: string) => void,
): Promise<BreakdownResult> {
  const { rate, warmupS, measureS, rounds } = plan.breakdown;
  const cpuMsPerRequest = new Map(BREAKDOWN_CONFIGS.map((c) => [c.name, [] as number[]]));
  const p99Ms = new Map(BREAKDOWN_CONFIGS.map((c) => [c.name, [] as number[]]));
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? BREAKDOWN_CONFIGS : [...BREAKDOWN_CONFIGS].reverse();
    for (const config of order) {
      await stack.restartServices({ ...PRODUCT_TELEMETRY, ...config.env });
      const before = cpuSnapshot(stack);
      const result = await runLoad(stack, { workload: 'api', mode: 'rate', rate, warmupS, measureS }, context);
      const cpuS = cpuUsed(before, cpuSnapshot(stack)).get('product-service') ?? Number.NaN;
      const perRequest = (cpuS * 1000) / result.totalRequests;
      cpuMsPerRequest.get(config.name)?.push(perRequest);
      p99Ms.get(config.name)?.push(result.latencyMs.p99);
      log(
        `  breakdown round ${round + 1}, ${config.name}: ${perRequest.toFixed(3)} ms CPU per request, p99 ${result.latencyMs.p99.toFixed(1)} ms`,
      );
    }
  }
  await stack.restartServices(PRODUCT_TELEMETRY);
  return {
    rate,
    rows: BREAKDOWN_CONFIGS.map((c) => ({
      name: c.name,
      what: c.what,
      cpuMsPerRequest: cpuMsPerRequest.get(c.name) ?? [],
      p99Ms: p99Ms.get(c.name) ?? [],
    })),
  };
}
