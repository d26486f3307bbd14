import {
  createServiceApp,
  type Database,
  databaseProblem,
  type Logger,
  type ServiceApp,
  ServiceClient,
  UserDirectory,
} from '@shopscope/common';
import { ProductCatalog } from './clients/products';
import type { Config } from './config';
import type { OrderModels } from './db/models';
import { Carts } from './domain/cart';
import { Checkout } from './domain/checkout';
import { cartRoutes } from './routes/cart';
import { checkoutRoutes } from './routes/checkout';
import { orderRoutes } from './routes/orders';

export interface AppDeps {
  config: Config;
  logger: Logger;
  database: Database<OrderModels>;
}

/**
 * The order-service HTTP app with every route mounted and the error handlers in place; main.ts
 * and the in-process tests build it the same way. Ready means "my database answers":
 * user-service and product-service outages are reported per request (503 naming the service)
 * instead, so the service keeps serving what it can, e.g. order history while the catalogue is down.
 */
export function buildApp({ config, logger, database }: AppDeps): ServiceApp {
  const { sequelize } = database;
  const service = createServiceApp({
    name: 'order-service',
    logger,
    adminToken: config.ADMIN_TOKEN,
    readiness: () => databaseProblem(sequelize),
  });
  const users = new UserDirectory(new ServiceClient('user-service', config.USER_SERVICE_URL));
  const products = new ProductCatalog(
    new ServiceClient('product-service', config.PRODUCT_SERVICE_URL),
    config.INTERNAL_TOKEN,
  );

  service.app.use(cartRoutes({ users, carts: new Carts({ sequelize, products }) }));
  service.app.use(checkoutRoutes({ checkout: new Checkout({ sequelize, users, products, logger }) }));
  service.app.use(orderRoutes({ users }));
  service.finish();
  return service;
}
