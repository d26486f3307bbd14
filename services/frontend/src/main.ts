import { runService } from '@shopscope/common';
import { buildApp } from './app';
import { readConfig } from './config';

/** config → app → serve: the same steps as every service (docs/development.md). The frontend has no database: its state lives in the browser's cookies. */
runService({
  name: 'frontend',
  readConfig,
  start: async (config, logger) => ({ service: buildApp({ config, logger }) }),
});
