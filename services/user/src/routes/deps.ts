import type { Logger } from '@shopscope/common';
import type { UserModels } from '../db/models';
import type { Throttles } from '../throttles';

/** What user-service's routes are built from (app.ts). */
export interface RouteDeps {
  models: UserModels;
  logger: Logger;
  /** The service's one set of throttles (their counts are per process). */
  throttles: Throttles;
  /** How long an API key works after its login (API_KEY_TTL_SECONDS). */
  apiKeyLifetimeMs: number;
}
