import { createDatabase, createLogger, migrate, serve, waitForDatabase } from '@shopscope/common';
import { shutdownTelemetry } from '@shopscope/telemetry';
import { buildApp } from './app';
import { readConfig } from './config';
import { migrations } from './db/migrations';
import { initModels } from './db/models';

async function main(): Promise<void> {
  const config = readConfig();
  const logger = createLogger('order-service', config.LOG_LEVEL);
  const sequelize = createDatabase({ url: config.DATABASE_URL, logger });
  initModels(sequelize);
  await waitForDatabase(sequelize, logger);
  await migrate(sequelize, config.DATABASE_URL, migrations, logger);

  if (!config.INTERNAL_TOKEN) {
    logger.warn('INTERNAL_TOKEN is not set: product-service will refuse to reserve stock, so checkouts will fail');
  }
  const { app, markShuttingDown } = buildApp({ config, logger, sequelize });
  await serve(app, {
    port: config.PORT,
    logger,
    onShutdownStart: markShuttingDown,
    onShutdown: () => sequelize.close(),
  });
}

main().catch(async (err: unknown) => {
  process.stderr.write(`order-service: failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  await shutdownTelemetry();
  process.exit(1);
});
