import { createServiceApp, databaseProblem, type Logger, type ServiceApp } from '@shopscope/common';
import type { Sequelize } from 'sequelize';
import type { UserModels } from './db/models';
import { sessionsRouter } from './routes/sessions';
import { usersRouter } from './routes/users';
import { createThrottles, DEFAULT_THROTTLE_SETTINGS, type ThrottleSettings } from './throttles';

export interface AppDeps {
  sequelize: Sequelize;
  models: UserModels;
  logger: Logger;
  adminToken: string | undefined;
  /** Login and API-key throttling limits (default: DEFAULT_THROTTLE_SETTINGS). */
  throttle?: ThrottleSettings;
}

/**
 * The user-service HTTP app with every route mounted and the error handlers in place
 * (`app` is finished). Tests and main.ts build it the same way.
 */
export function buildApp({ sequelize, models, logger, adminToken, throttle }: AppDeps): ServiceApp {
  const service = createServiceApp({
    name: 'user-service',
    logger,
    // Ready when its database answers: it has no other hard dependency.
    readiness: () => databaseProblem(sequelize),
    adminToken,
  });
  // One set of counters for the whole service (in memory: one process per service).
  const throttles = createThrottles(throttle ?? DEFAULT_THROTTLE_SETTINGS);
  service.app.use(usersRouter(models, logger, throttles));
  service.app.use(sessionsRouter(models, logger, throttles));
  service.finish();
  return service;
}
