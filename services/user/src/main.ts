import { configurePasswordHashing, openDatabase, runService } from '@shopscope/common';
import { buildApp } from './app';
import { readConfig } from './config';
import { migrations } from './db/migrations';
import { initModels } from './db/models';
import { seed } from './db/seed';
import { startApiKeyPurge } from './domain/accounts';

/** config → database (migrations, demo accounts) → app → serve: the same steps as every service (docs/development.md). */
runService({
  name: 'user-service',
  readConfig,
  start: async (config, logger) => {
    configurePasswordHashing({
      maxQueued: config.PASSWORD_HASH_MAX_QUEUE,
      maxWaitMs: config.PASSWORD_HASH_MAX_WAIT_MS,
    });
    const database = await openDatabase({ url: config.DATABASE_URL, logger, migrations, initModels, seed });
    const stopPurge = startApiKeyPurge(database.models, logger);
    const close = async () => {
      stopPurge();
      await database.sequelize.close();
    };
    return { service: buildApp({ config, logger, database }), close };
  },
});
