import { createDatabase, createLogger, migrate, ServiceClient, serve, waitForDatabase } from '@shopscope/common';
import { buildApp } from './app';
import { readConfig } from './config';
import { migrations } from './db/migrations';
import { initModels } from './db/models';
import { seed } from './db/seed';

/** config → database → migrate + seed → app → serve (see docs/development.md). */
async function main(): Promise<void> {
  const config = readConfig();
  const logger = createLogger('product-service', config.LOG_LEVEL);
  const sequelize = createDatabase({ url: config.DATABASE_URL, logger });
  const models = initModels(sequelize);

  await waitForDatabase(sequelize, logger);
  await migrate(sequelize, config.DATABASE_URL, migrations, logger, () => seed(models, logger));

  const users = new ServiceClient('user-service', config.USER_SERVICE_URL);
  const { app, markShuttingDown } = buildApp({ sequelize, models, users, logger, adminToken: config.ADMIN_TOKEN });
  await serve(app, {
    port: config.PORT,
    logger,
    onShutdownStart: markShuttingDown,
    onShutdown: () => sequelize.close(),
  });
}

main().catch((err: unknown) => {
  process.stderr.write(`product-service: failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
