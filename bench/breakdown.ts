/**
 * Where the cost of telemetry goes: product-service's CPU per `GET /api/products` request
 * at one fixed rate, with telemetry off, with ShopScope's bootstrap, with the stock
 * zero-code setup instead, and with ShopScope's bootstrap with one part changed at a time
 * (nothing exported; one trace in ten sampled; no http or pino instrumentation; the express
 * or mysql2 instrumentation added back; spans only; only the SDK). Every configuration is
 * set by OTEL_SDK_DISABLED, TELEMETRY_BOOTSTRAP and standard OTEL_* variables at the
 * process's start, so what is measured is the product's own code paths, nothing patched
 * for the benchmark.
 *
 * Each configuration runs in a product-service process of its own started beside the
 * stack's, next to a twin process with ShopScope's bootstrap, both fresh; the same fixed
 * rate is offered to both at once, and each one's CPU is read over the same window. This
 * machine's speed drifts by a fifth and more from one minute to the next, which made
 * configurations measured one after the other differ by as much as they differed from each
 * other; measured side by side, both feel the same drift and their difference holds (the
 * `shopscope` row, ShopScope beside ShopScope, shows how closely). A fixed offered rate
 * (not a closed loop) keeps the load the same whatever a configuration costs.
 */
import { createRequire } from 'node:module';
import type { NativeStack } from '../tools/stack/native-stack.ts';
import { repoPath } from '../tools/stack/repo.ts';
import { freePorts } from '../tools/stack/ports.ts';
import { ShopService } from '../tools/stack/services.ts';
import { type LoadContext, type LoadSpec, runLoad } from './load.ts';
import { cpuSeconds } from './proc.ts';
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

/**
 * A product-service process of its own beside the stack's (same database, collector and
 * settings, a free port), with the product's telemetry settings and `env` over them.
 */
async function startTwin(stack: NativeStack, env: Record<string, string>): Promise<ShopService> {
  const { port } = await freePorts(['port'] as const);
  const stacks = stack.service('product-service');
  const twin = new ShopService('product-service', port, { ...stacks.env, ...PRODUCT_TELEMETRY, ...env });
  twin.start();
  try {
    await twin.ready();
  } catch (error) {
    await twin.stop('SIGTERM');
    throw error;
  }
  return twin;
}

export async function measureBreakdown(
  stack: NativeStack,
  plan: Plan,
  context: LoadContext,
  log: (message: string) => void,
): Promise<BreakdownResult> {
  const { rate, warmPassS, warmupS, measureS, rounds } = plan.breakdown;
  const rows: BreakdownResult['rows'] = [];
  for (const config of BREAKDOWN_CONFIGS) {
    const twins: ShopService[] = [];
    try {
      // The configuration and a ShopScope twin, both freshly started, side by side.
      // Pushed one at a time, so that the first is stopped even if the second fails to start.
      twins.push(await startTwin(stack, config.env));
      twins.push(await startTwin(stack, {}));
      const cpuNow = () => twins.map((twin) => cpuSeconds(twin.pid ?? -1) ?? Number.NaN);
      const both = (spec: LoadSpec) =>
        Promise.all(twins.map((twin) => runLoad(stack, spec, context, { product: twin.url })));
      // A fresh process's CPU per request falls for a while (JIT tiers, pools): warmed, unmeasured.
      await both({ workload: 'api', mode: 'rate', rate, warmupS: 0, measureS: warmPassS });
      const row: BreakdownResult['rows'][number] = {
        name: config.name,
        what: config.what,
        cpuMsPerRequest: [],
        twinCpuMsPerRequest: [],
        p99Ms: [],
        twinP99Ms: [],
      };
      for (let round = 0; round < rounds; round++) {
        const before = cpuNow();
        const [own, twin] = await both({ workload: 'api', mode: 'rate', rate, warmupS, measureS });
        const after = cpuNow();
        const perRequest = (i: number, requests: number) =>
          (((after[i] ?? Number.NaN) - (before[i] ?? Number.NaN)) * 1000) / requests;
        row.cpuMsPerRequest.push(perRequest(0, own?.totalRequests ?? Number.NaN));
        row.twinCpuMsPerRequest.push(perRequest(1, twin?.totalRequests ?? Number.NaN));
        row.p99Ms.push(own?.latencyMs.p99 ?? Number.NaN);
        row.twinP99Ms.push(twin?.latencyMs.p99 ?? Number.NaN);
        log(
          `  breakdown ${config.name}, round ${round + 1}: ${row.cpuMsPerRequest.at(-1)?.toFixed(3)} ms CPU per request (its shopscope twin ${row.twinCpuMsPerRequest.at(-1)?.toFixed(3)}), p99 ${own?.latencyMs.p99.toFixed(1)} ms (twin ${twin?.latencyMs.p99.toFixed(1)})`,
        );
      }
      rows.push(row);
    } finally {
      await Promise.all(twins.map((twin) => twin.stop('SIGTERM')));
    }
  }
  return { rate, rows };
}
