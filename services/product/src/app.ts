import {
  createServiceApp,
  type Database,
  databaseProblem,
  type Logger,
  type ServiceApp,
  ServiceClient,
  UserDirectory,
} from '@shopscope/common';
import type { Config } from './config';
import type { ProductModels } from './db/models';
import { productRoutes } from './routes/products';
import { reservationRoutes } from './routes/reservations';

export interface AppDeps {
  config: Config;
  logger: Logger;
  database: Database<ProductModels>;
}

/**
 * The product-service HTTP app with every route mounted and the error handlers in place;
 * main.ts and the in-process tests build it the same way.
 */
export function buildApp({ config, logger, database }: AppDeps): ServiceApp {
  const { sequelize, models } = database;
  const service = createServiceApp({
    name: 'product-service',
    logger,
    // Ready when its database answers. user-service is not a readiness dependency: without
    // it only product creation fails (503), browsing and reservations keep working.
    readiness: () => databaseProblem(sequelize),
    adminToken: config.ADMIN_TOKEN,
  });
  const users = new UserDirectory(new ServiceClient('user-service', config.USER_SERVICE_URL));
  service.app.use(productRoutes({ models, users, logger }));
  service.app.use(
    reservationRoutes({
      sequelize,
      models,
      logger,
      internalToken: config.INTERNAL_TOKEN,
      holdForMs: config.RESERVATION_TTL_SECONDS * 1000,
    }),
  );
  service.finish();
  return service;
}
