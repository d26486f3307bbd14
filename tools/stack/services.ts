/**
 * The four ShopScope services in the native stack, run as `npm start` runs them
 * (`node --require @shopscope/telemetry/register dist/main.js`, so `npm run build` first) with
 * services/runtime.env (the heap and allocator settings compose passes too), each on its
 * loopback port, as supervised processes (process.ts) whose output is kept in memory (the JSON
 * log lines), ready when `/readyz` answers 200. Their environment is docker-compose.yml's
 * (OTLP/gRPC to the collector, OTEL_SERVICE_NAME, DEPLOYMENT_ENVIRONMENT), with loopback
 * addresses and a 2 s metric export interval instead of 10 s, so tests wait less for data.
 */
import path from 'node:path';
import { parseEnv } from 'node:util';
import { httpUrl, loopback, type StackLayout } from './layout.ts';
import { Supervised } from './process.ts';
import { readRepoFile, repoPath } from './repo.ts';

/** The four services, by their telemetry name (service.name, the service_name label). */
export const SERVICE_NAMES = ['frontend', 'user-service', 'product-service', 'order-service'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];
/** Each service's folder under services/ (and its port's name in the stack's layout). */
export const SERVICE_DIRS: Record<ServiceName, 'frontend' | 'user' | 'product' | 'order'> = {
  frontend: 'frontend',
  'user-service': 'user',
  'product-service': 'product',
  'order-service': 'order',
};

/** The admin API token of the services in the stack (fault injection, /admin/…). */
export const ADMIN_TOKEN = 'test-admin-token-0123456789';
/** The service credential of the internal endpoints (product-service's stock reservations). */
export const INTERNAL_TOKEN = 'test-internal-token-0123456789';
/** Metric export interval of the services in the stack (docker-compose.yml: the 10 s default). */
export const METRIC_EXPORT_INTERVAL_MS = 2_000;

/** services/runtime.env: the heap and allocator settings every service process runs with. */
export function serviceRuntimeEnv(): Record<string, string> {
  return parseEnv(readRepoFile('services/runtime.env')) as Record<string, string>;
}

/** One service as a supervised process; its own environment (without the defaults below) in `env`. */
export class ShopService extends Supervised {
  readonly service: ServiceName;
  readonly port: number;
  readonly env: Record<string, string>;

  constructor(service: ServiceName, port: number, env: Record<string, string>) {
    super({
      name: service,
      command: process.execPath,
      args: ['--require', '@shopscope/telemetry/register', 'dist/main.js'],
      cwd: repoPath('services', SERVICE_DIRS[service]),
      env: {
        ...serviceRuntimeEnv(),
        HOST: '127.0.0.1',
        PORT: String(port),
        LOG_LEVEL: 'info',
        ADMIN_TOKEN,
        INTERNAL_TOKEN,
        ...env,
      },
      keepLines: 2_000,
      readyUrl: `${httpUrl(port)}/readyz`,
      readyIntervalMs: 150,
      // SIGTERM: the service drains and flushes its telemetry before it exits.
      stopGraceMs: 30_000,
    });
    this.service = service;
    this.port = port;
    this.env = env;
  }

  get url(): string {
    return httpUrl(this.port);
  }

  /** Its parsed JSON log lines (of the last ones kept). */
  get logs(): Array<Record<string, unknown>> {
    return this.lines.flatMap((line) => {
      try {
        return [JSON.parse(line) as Record<string, unknown>];
      } catch {
        return [];
      }
    });
  }

  /** The same service on the same port with `env` over its environment (to restart it with). */
  with(env: Record<string, string>): ShopService {
    return new ShopService(this.service, this.port, { ...this.env, ...env });
  }
}

/** The DATABASE_URL of each API's database. */
export interface ServiceDatabases {
  user: string;
  product: string;
  order: string;
}

/** The four services of the stack, not started, with `serviceEnv` over each one's environment. */
export function shopServices(
  layout: StackLayout,
  databases: ServiceDatabases,
  serviceEnv: Record<string, string> = {},
): ShopService[] {
  const { ports } = layout;
  const telemetry = {
    OTEL_EXPORTER_OTLP_ENDPOINT: `http://${loopback(ports.collectorGrpc)}`,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc',
    OTEL_METRIC_EXPORT_INTERVAL: String(METRIC_EXPORT_INTERVAL_MS),
    DEPLOYMENT_ENVIRONMENT: 'test',
    LOG_LEVEL: 'info',
  };
  const urls = {
    USER_SERVICE_URL: httpUrl(ports.user),
    PRODUCT_SERVICE_URL: httpUrl(ports.product),
    ORDER_SERVICE_URL: httpUrl(ports.order),
  };
  const own: Record<ServiceName, Record<string, string>> = {
    'user-service': { DATABASE_URL: databases.user },
    'product-service': { DATABASE_URL: databases.product, USER_SERVICE_URL: urls.USER_SERVICE_URL },
    'order-service': {
      DATABASE_URL: databases.order,
      USER_SERVICE_URL: urls.USER_SERVICE_URL,
      PRODUCT_SERVICE_URL: urls.PRODUCT_SERVICE_URL,
    },
    frontend: {
      ...urls,
      SESSION_SECRET: 'fullstack-session-secret-0123456789abcdef',
      LANG: 'en',
      // The pages' browser telemetry, to the collector's OTLP/HTTP listener (as in compose).
      BROWSER_OTLP_URL: httpUrl(ports.collectorHttp),
    },
  };
  return SERVICE_NAMES.map(
    (name) =>
      new ShopService(name, ports[SERVICE_DIRS[name]], {
        ...telemetry,
        OTEL_SERVICE_NAME: name,
        ...own[name],
        ...serviceEnv,
      }),
  );
}

/** Starts the services together (/readyz needs only each one's own database); throws naming each that did not get ready. */
export async function startServices(services: ShopService[]): Promise<void> {
  const started = await Promise.allSettled(services.map((s) => s.start().ready()));
  const failures = started.flatMap((result, i) =>
    result.status === 'rejected'
      ? [`${services[i]?.name}: ${result.reason instanceof Error ? result.reason.message : String(result.reason)}`]
      : [],
  );
  if (failures.length > 0) throw new Error(`services did not start:\n${failures.join('\n')}`);
}

/** Each service's built entry point (for the prerequisites). */
export function serviceMains(): string[] {
  return Object.values(SERVICE_DIRS).map((dir) => path.join(repoPath('services', dir), 'dist/main.js'));
}
