import { openDatabase, runService } from '@shopscope/common';
import { buildApp } from './app';
import { readConfig } from './config';
import { migrations } from './db/migrations';
import { initModels } from './db/models';
import { seed } from './db/seed';
import { ReservationSweeper } from './domain/sweeper';

/** config → database (migrations, demo catalogue) → app → serve: the same steps as every service (docs/development.md). */
runService({
  name: 'product-service',
  readConfig,
  start: async (config, logger) => {
    const database = await openDatabase({ url: config.DATABASE_URL, logger, migrations, initModels, seed });
    if (!config.INTERNAL_TOKEN) {
      logger.warn(
        'INTERNAL_TOKEN is not set: the internal stock endpoints answer 503 (checkouts cannot reserve stock)',
      );
    }
    // Gives back the stock of holds never confirmed within RESERVATION_TTL_SECONDS.
    const sweeper = new ReservationSweeper({ ...database, logger, ttlMs: config.RESERVATION_TTL_SECONDS * 1000 });
    sweeper.start();
    const close = async () => {
      await sweeper.stop();
      await database.sequelize.close();
    };
    return { service: buildApp({ config, logger, database }), close };
  },
});
