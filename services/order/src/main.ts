import { openDatabase, runService } from '@shopscope/common';
import { buildApp } from './app';
import { readConfig } from './config';
import { migrations } from './db/migrations';
import { initModels } from './db/models';

/** config → database (migrations) → app → serve: the same steps as every service (docs/development.md). */
runService({
  name: 'order-service',
  readConfig,
  start: async (config, logger) => {
    const database = await openDatabase({ url: config.DATABASE_URL, logger, migrations, initModels });
    if (!config.INTERNAL_TOKEN) {
      logger.warn('INTERNAL_TOKEN is not set: product-service will refuse to reserve stock, so checkouts will fail');
    }
    return { service: buildApp({ config, logger, database }), close: () => database.sequelize.close() };
  },
});
