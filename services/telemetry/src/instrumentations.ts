/**
 * The instrumentations a ShopScope service uses, each loaded only when enabled.
 *
 * Why not `getNodeAutoInstrumentations()`: the auto-instrumentations bundle requires every
 * one of its ~40 instrumentation packages at load time, enabled or not, which cost each
 * service about 20 MB of resident memory for code it never runs. This module lists the few
 * we use and requires each one only if it is enabled, honouring the same standard variables
 * as the bundle: OTEL_NODE_ENABLED_INSTRUMENTATIONS and OTEL_NODE_DISABLED_INSTRUMENTATIONS
 * (comma-separated short names, e.g. `http,express`; settings.ts sets the default list).
 */
import type { Span } from '@opentelemetry/api';
import type { Instrumentation } from '@opentelemetry/instrumentation';
import { ATTR_DB_OPERATION_NAME } from '@opentelemetry/semantic-conventions';

type Factory = () => Instrumentation;

/** Short name (as in OTEL_NODE_ENABLED_INSTRUMENTATIONS) → how to build it, configured for the shop. */
const FACTORIES: Record<string, Factory> = {
  http: () => {
    const { HttpInstrumentation } =
      require('@opentelemetry/instrumentation-http') as typeof import('@opentelemetry/instrumentation-http');
    return new HttpInstrumentation({
      // Probes and static files would drown the interesting traces.
      ignoreIncomingRequestHook: (req) => /^\/(healthz|readyz|static\/|favicon)/.test(req.url ?? ''),
    });
  },
  undici: () => {
    const { UndiciInstrumentation } =
      require('@opentelemetry/instrumentation-undici') as typeof import('@opentelemetry/instrumentation-undici');
    return new UndiciInstrumentation();
  },
  express: () => {
    const { ExpressInstrumentation, ExpressLayerType } =
      require('@opentelemetry/instrumentation-express') as typeof import('@opentelemetry/instrumentation-express');
    // Not on by default: the services name the route themselves (common/src/http/route-name.ts).
    // When enabled, its own spans stay off — a span per middleware is noise, and a span per
    // route handler repeated the server span (same route, same duration).
    return new ExpressInstrumentation({
      ignoreLayersType: [ExpressLayerType.MIDDLEWARE, ExpressLayerType.ROUTER, ExpressLayerType.REQUEST_HANDLER],
    });
  },
  mysql2: () => {
    const { MySQL2Instrumentation } =
      require('@opentelemetry/instrumentation-mysql2') as typeof import('@opentelemetry/instrumentation-mysql2');
    return new MySQL2Instrumentation();
  },
  pino: () => {
    const { PinoInstrumentation } =
      require('@opentelemetry/instrumentation-pino') as typeof import('@opentelemetry/instrumentation-pino');
    return new PinoInstrumentation({ logKeys: { traceId: 'trace_id', spanId: 'span_id', traceFlags: 'trace_flags' } });
  },
  'runtime-node': () => {
    const { RuntimeNodeInstrumentation } =
      require('@opentelemetry/instrumentation-runtime-node') as typeof import('@opentelemetry/instrumentation-runtime-node');
    // The event loop delay is sampled by a timer every 50 ms rather than the default 10 ms:
    // 100 wakeups a second cost each idle service ~2 ms of CPU per second (4.5 → 2.6 ms/s
    // measured from /proc, natively), which a low request rate pays per request. 20 samples a
    // second still give a p99 per 10 s export, and a block of 100 ms or more (the
    // EventLoopLagHigh threshold) is measured as precisely: a late timer measures the delay.
    return new RuntimeNodeInstrumentation({ monitoringPrecision: 50 });
  },
  // One span per Sequelize query. With mysql2 enabled too (not the default, settings.ts),
  // the mysql2 span underneath is suppressed so a query is never reported twice, and raw
  // mysql2 queries get their own span.
  sequelize: () => {
    const { SequelizeInstrumentation } =
      require('@opentelemetry/instrumentation-sequelize') as typeof import('@opentelemetry/instrumentation-sequelize');
    return new SequelizeInstrumentation({ suppressInternalInstrumentation: true, queryHook: nameTransactionStatement });
  },
};

/**
 * Sequelize runs a transaction's own statements (START TRANSACTION, COMMIT, ROLLBACK) with
 * the transaction's type as their query type, so the instrumentation named each of them
 * `Sequelize DEFERRED`: two identical, meaningless spans around every transaction. Named
 * after the statement instead, a trace reads `Sequelize START TRANSACTION` … `Sequelize
 * COMMIT`, and the time a commit takes shows where it is spent.
 */
const TRANSACTION_TYPES = new Set(['DEFERRED', 'IMMEDIATE', 'EXCLUSIVE']);
const TRANSACTION_STATEMENT =
  /^(START TRANSACTION|BEGIN|COMMIT|ROLLBACK TO SAVEPOINT|ROLLBACK|SAVEPOINT|RELEASE SAVEPOINT|SET)\b/i;

export function transactionStatementName(sql: unknown, queryType: unknown): string | undefined {
  if (typeof queryType !== 'string' || !TRANSACTION_TYPES.has(queryType)) return undefined;
  const text = typeof sql === 'string' ? sql : (sql as { query?: unknown } | undefined)?.query;
  if (typeof text !== 'string') return undefined;
  return TRANSACTION_STATEMENT.exec(text.trim())?.[1]?.toUpperCase();
}

function nameTransactionStatement(span: Span, { sql, option }: { sql: unknown; option?: { type?: unknown } }): void {
  const statement = transactionStatementName(sql, option?.type);
  if (statement === undefined) return;
  span.updateName(`Sequelize ${statement}`);
  span.setAttribute(ATTR_DB_OPERATION_NAME, statement);
}

/** Instrumentations that are always on: Sequelize is not part of the bundle's names. */
const ALWAYS = ['sequelize'];

function namesFrom(value: string | undefined): string[] | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  return value
    .split(',')
    .map((name) => name.trim().replace(/^@opentelemetry\/instrumentation-/, ''))
    .filter(Boolean);
}

/** The short names to load, from the environment (enabled list, minus the disabled list). */
export function enabledInstrumentationNames(env: NodeJS.ProcessEnv = process.env): string[] {
  const known = Object.keys(FACTORIES).filter((name) => !ALWAYS.includes(name));
  const enabled = namesFrom(env.OTEL_NODE_ENABLED_INSTRUMENTATIONS) ?? known;
  const disabled = new Set(namesFrom(env.OTEL_NODE_DISABLED_INSTRUMENTATIONS) ?? []);
  const unknown = enabled.filter((name) => !(name in FACTORIES));
  if (unknown.length > 0) {
    process.stderr.write(
      `telemetry: ignoring unknown instrumentations: ${unknown.join(', ')} (known: ${known.join(', ')})\n`,
    );
  }
  return [...enabled.filter((name) => name in FACTORIES && !disabled.has(name)), ...ALWAYS];
}

/** Builds the enabled instrumentations (requiring only their packages). */
export function createInstrumentations(env: NodeJS.ProcessEnv = process.env): Instrumentation[] {
  return enabledInstrumentationNames(env).map((name) => (FACTORIES[name] as Factory)());
}
