import { createServiceApp, databaseProblem, type Logger, type ServiceApp, type ServiceClient } from '@shopscope/common';
import type { Sequelize } from 'sequelize';
import type { ProductModels } from './db/models';
import { productsRouter } from './routes/products';
import { reservationsRouter } from './routes/reservations';

export interface AppDeps {
  sequelize: Sequelize;
  models: ProductModels;
  /** user-service, asked whether an API key belongs to an administrator. */
  users: ServiceClient;
  logger: Logger;
  adminToken: string | undefined;
  /** The service credential of the internal stock endpoints; without it they answer 503. */
  internalToken: string | undefined;
  /** How long a stock hold that is never confirmed keeps its stock. */
  reservationTtlMs: number;
}

/**
 * The product-service HTTP app with every route mounted and the error handlers in place
 * (`app` is finished). Tests and main.ts build it the same way.
 */
export function buildApp({
  sequelize,
  models,
  users,
  logger,
  adminToken,
  internalToken,
  reservationTtlMs,
}: AppDeps): ServiceApp {
  const service = createServiceApp({
    name: 'product-service',
    logger,
    // Ready when its database answers. user-service is not a readiness dependency: without
    // it only product creation fails (503), browsing and reservations keep working.
    readiness: () => databaseProblem(sequelize),
    adminToken,
  });
  service.app.use(productsRouter(models, users, logger));
  service.app.use(reservationsRouter(sequelize, models, logger, { internalToken, holdForMs: reservationTtlMs }));
  service.finish();
  return service;
}
