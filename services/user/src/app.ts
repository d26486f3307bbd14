import { createServiceApp, databaseProblem, type Logger, type ServiceApp } from '@shopscope/common';
import type { Sequelize } from 'sequelize';
import type { UserModels } from './db/models';
import { sessionsRouter } from './routes/sessions';
import { usersRouter } from './routes/users';

export interface AppDeps {
  sequelize: Sequelize;
  models: UserModels;
  logger: Logger;
  adminToken: string | undefined;
}

/**
 * The user-service HTTP app with every route mounted and the error handlers in place
 * (`app` is finished). Tests and main.ts build it the same way.
 */
export function buildApp({ sequelize, models, logger, adminToken }: AppDeps): ServiceApp {
  const service = createServiceApp({
    name: 'user-service',
    logger,
    // Ready when its database answers: it has no other hard dependency.
    readiness: () => databaseProblem(sequelize),
    adminToken,
  });
  service.app.use(usersRouter(models, logger));
  service.app.use(sessionsRouter(models, logger));
  service.finish();
  return service;
}
