import {
  configurePasswordHashing,
  createDatabase,
  createLogger,
  migrate,
  serve,
  waitForDatabase,
} from '@shopscope/common';
import { setApiKeyLifetime, startApiKeyPurge } from './accounts';
import { buildApp } from './app';
import { readConfig } from './config';
import { migrations } from './db/migrations';
import { initModels } from './db/models';
import { seed } from './db/seed';

/** config → database → migrate + seed → app → serve (see docs/development.md). */
async function main(): Promise<void> {
  const config = readConfig();
  const logger = createLogger('user-service', config.LOG_LEVEL);
  configurePasswordHashing({ maxQueued: config.PASSWORD_HASH_MAX_QUEUE, maxWaitMs: config.PASSWORD_HASH_MAX_WAIT_MS });
  const sequelize = createDatabase({ url: config.DATABASE_URL, logger });
  const models = initModels(sequelize);
  setApiKeyLifetime(config.API_KEY_TTL_SECONDS * 1000);

  await waitForDatabase(sequelize, logger);
  await migrate(sequelize, config.DATABASE_URL, migrations, logger, () => seed(models, logger));

  const stopPurge = startApiKeyPurge(models, logger);

  const { app, markShuttingDown } = buildApp({
    sequelize,
    models,
    logger,
    adminToken: config.ADMIN_TOKEN,
    throttle: {
      loginFailuresPerAccount: config.LOGIN_MAX_FAILURES_PER_ACCOUNT,
      loginFailuresPerAddress: config.LOGIN_MAX_FAILURES_PER_ADDRESS,
      loginWindowSeconds: config.LOGIN_THROTTLE_WINDOW_SECONDS,
      apiKeyFailuresPerAddress: config.API_KEY_MAX_FAILURES_PER_ADDRESS,
      apiKeyWindowSeconds: config.API_KEY_THROTTLE_WINDOW_SECONDS,
    },
  });
  await serve(app, {
    port: config.PORT,
    logger,
    onShutdownStart: markShuttingDown,
    onShutdown: () => {
      stopPurge();
      return sequelize.close();
    },
  });
}

main().catch((err: unknown) => {
  process.stderr.write(`user-service: failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
