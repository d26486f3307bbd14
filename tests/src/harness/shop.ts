/**
 * The whole shop for a test: one throwaway MariaDB holding the three service databases,
 * and the four services wired together on loopback (`startShop`), or the three API
 * services only (`startBackend`). Telemetry is off unless an OTLP endpoint is given.
 */
import { MariaDb } from './mariadb.ts';
import { freePort } from './ports.ts';
import { type ServiceProcess, startService } from './services.ts';

export interface ShopOptions {
  /** OTLP/gRPC endpoint (e.g. the in-test receiver); telemetry is disabled when absent. */
  otlpEndpoint?: string;
  /** Extra environment for every service. */
  env?: Record<string, string>;
  /** Reuse a running MariaDB instead of starting one. */
  db?: MariaDb;
}

export interface BackendOptions extends ShopOptions {
  /**
   * A separate MariaDB for order-service's database, so a test can stop it while user- and
   * product-service keep theirs (as stopping the order-db container would). Not stopped by `stop()`.
   */
  orderDb?: MariaDb;
}

/** The three API services on one database server, without the web shop. */
export interface Backend {
  db: MariaDb;
  user: ServiceProcess;
  product: ServiceProcess;
  order: ServiceProcess;
  services: ServiceProcess[];
  stop(): Promise<void>;
}

export interface Shop extends Backend {
  frontend: ServiceProcess;
}

let counter = 0;

export function telemetryEnv(otlpEndpoint: string | undefined): Record<string, string> {
  if (!otlpEndpoint) return { OTEL_SDK_DISABLED: 'true' };
  return {
    OTEL_EXPORTER_OTLP_ENDPOINT: otlpEndpoint,
    OTEL_METRIC_EXPORT_INTERVAL: '1000',
    OTEL_BSP_SCHEDULE_DELAY: '200',
    OTEL_BLRP_SCHEDULE_DELAY: '200',
    DEPLOYMENT_ENVIRONMENT: 'test',
  };
}

/** user-, product- and order-service wired together (what the API tests need; no frontend). */
export async function startBackend(options: BackendOptions = {}): Promise<Backend> {
  const db = options.db ?? (await MariaDb.start());
  const n = ++counter;
  const common = { ...telemetryEnv(options.otlpEndpoint), ...options.env };
  const [userUrl, productUrl, orderUrl] = await Promise.all([
    db.createDatabase(`user_${n}`),
    db.createDatabase(`product_${n}`),
    (options.orderDb ?? db).createDatabase(`order_${n}`),
  ]);
  // product-service asks user-service who is an admin: give it the address up front so
  // both can start at once (user-service is not one of its readiness dependencies).
  const userPort = await freePort();
  const [user, product] = await Promise.all([
    startService('user', { ...common, DATABASE_URL: userUrl }, { port: userPort }),
    startService('product', {
      ...common,
      DATABASE_URL: productUrl,
      USER_SERVICE_URL: `http://127.0.0.1:${userPort}`,
    }),
  ]);
  const order = await startService('order', {
    ...common,
    DATABASE_URL: orderUrl,
    USER_SERVICE_URL: user.url,
    PRODUCT_SERVICE_URL: product.url,
  });
  const services = [user, product, order];
  return {
    db,
    user,
    product,
    order,
    services,
    async stop() {
      await Promise.all(services.map((s) => s.stop()));
      if (!options.db) await db.destroy();
    },
  };
}

export async function startShop(options: ShopOptions = {}): Promise<Shop> {
  const backend = await startBackend(options);
  const frontend = await startService('frontend', {
    ...telemetryEnv(options.otlpEndpoint),
    ...options.env,
    USER_SERVICE_URL: backend.user.url,
    PRODUCT_SERVICE_URL: backend.product.url,
    ORDER_SERVICE_URL: backend.order.url,
    SESSION_SECRET: 'test-session-secret-0123456789abcdef',
  });
  const services = [...backend.services, frontend];
  return {
    ...backend,
    frontend,
    services,
    async stop() {
      await frontend.stop();
      await backend.stop();
    },
  };
}

export { freePort };
