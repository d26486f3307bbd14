import { createDatabase, createLogger, migrate, ServiceClient, serve, waitForDatabase } from '@shopscope/common';
import { buildApp } from './app';
import { readConfig } from './config';
import { migrations } from './db/migrations';
import { initModels } from './db/models';
import { seed } from './db/seed';
import { ReservationSweeper } from './sweeper';

/** config → database → migrate + seed → app → serve (see docs/development.md). */
async function main(): Promise<void> {
  const config = readConfig();
  const logger = createLogger('product-service', config.LOG_LEVEL);
  const sequelize = createDatabase({ url: config.DATABASE_URL, logger });
  const models = initModels(sequelize);

  await waitForDatabase(sequelize, logger);
  await migrate(sequelize, config.DATABASE_URL, migrations, logger, () => seed(models, logger));

  const users = new ServiceClient('user-service', config.USER_SERVICE_URL);
  const reservationTtlMs = config.RESERVATION_TTL_SECONDS * 1000;
  if (!config.INTERNAL_TOKEN) {
    logger.warn('INTERNAL_TOKEN is not set: the internal stock endpoints answer 503 (checkouts cannot reserve stock)');
  }
  const { app, markShuttingDown } = buildApp({
    sequelize,
    models,
    users,
    logger,
    adminToken: config.ADMIN_TOKEN,
    internalToken: config.INTERNAL_TOKEN,
    reservationTtlMs,
  });
  // Gives back the stock of holds never confirmed within RESERVATION_TTL_SECONDS.
  const sweeper = new ReservationSweeper({ sequelize, models, logger, ttlMs: reservationTtlMs });
  sweeper.start();
  await serve(app, {
    port: config.PORT,
    logger,
    onShutdownStart: markShuttingDown,
    onShutdown: async () => {
      await sweeper.stop();
      await sequelize.close();
    },
  });
}

main().catch((err: unknown) => {
  process.stderr.write(`product-service: failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
