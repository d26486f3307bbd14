import { createServiceApp, type Database, databaseProblem, type Logger, type ServiceApp } from '@shopscope/common';
import type { Config } from './config';
import type { UserModels } from './db/models';
import type { RouteDeps } from './routes/deps';
import { sessionRoutes } from './routes/sessions';
import { userRoutes } from './routes/users';
import { createThrottles } from './throttles';

export interface AppDeps {
  config: Config;
  logger: Logger;
  database: Database<UserModels>;
}

/**
 * The user-service HTTP app with every route mounted and the error handlers in place;
 * main.ts and the in-process tests build it the same way.
 */
export function buildApp({ config, logger, database }: AppDeps): ServiceApp {
  const { sequelize, models } = database;
  const service = createServiceApp({
    name: 'user-service',
    logger,
    // Ready when its database answers: it has no other hard dependency.
    readiness: () => databaseProblem(sequelize),
    adminToken: config.ADMIN_TOKEN,
  });
  const deps: RouteDeps = {
    models,
    logger,
    // One set of counters for the whole service (in memory: one process per service).
    throttles: createThrottles({
      loginFailuresPerAccount: config.LOGIN_MAX_FAILURES_PER_ACCOUNT,
      loginFailuresPerAddress: config.LOGIN_MAX_FAILURES_PER_ADDRESS,
      loginWindowSeconds: config.LOGIN_THROTTLE_WINDOW_SECONDS,
      apiKeyFailuresPerAddress: config.API_KEY_MAX_FAILURES_PER_ADDRESS,
      apiKeyWindowSeconds: config.API_KEY_THROTTLE_WINDOW_SECONDS,
    }),
    apiKeyLifetimeMs: config.API_KEY_TTL_SECONDS * 1000,
  };
  service.app.use(userRoutes(deps));
  service.app.use(sessionRoutes(deps));
  service.finish();
  return service;
}
