/**
 * The whole shop for a test: one throwaway MariaDB holding the three service databases,
 * and the four services wired together on loopback. Telemetry is off unless an OTLP
 * endpoint is given.
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

export interface Shop {
  db: MariaDb;
  user: ServiceProcess;
  product: ServiceProcess;
  order: ServiceProcess;
  frontend: ServiceProcess;
  services: ServiceProcess[];
  stop(): Promise<void>;
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

export async function startShop(options: ShopOptions = {}): Promise<Shop> {
  const db = options.db ?? (await MariaDb.start());
  const n = ++counter;
  const common = { ...telemetryEnv(options.otlpEndpoint), ...options.env };
  const [userUrl, productUrl, orderUrl] = await Promise.all([
    db.createDatabase(`user_${n}`),
    db.createDatabase(`product_${n}`),
    db.createDatabase(`order_${n}`),
  ]);
  const [user, product] = await Promise.all([
    startService('user', { ...common, DATABASE_URL: userUrl }),
    startService('product', { ...common, DATABASE_URL: productUrl }),
  ]);
  const order = await startService('order', {
    ...common,
    DATABASE_URL: orderUrl,
    USER_SERVICE_URL: user.url,
    PRODUCT_SERVICE_URL: product.url,
  });
  const frontend = await startService('frontend', {
    ...common,
    USER_SERVICE_URL: user.url,
    PRODUCT_SERVICE_URL: product.url,
    ORDER_SERVICE_URL: order.url,
    SESSION_SECRET: 'test-session-secret-0123456789abcdef',
  });
  const services = [user, product, order, frontend];
  return {
    db,
    user,
    product,
    order,
    frontend,
    services,
    async stop() {
      await Promise.all(services.map((s) => s.stop()));
      if (!options.db) await db.destroy();
    },
  };
}

export { freePort };
