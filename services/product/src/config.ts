import { env, loadConfig } from '@shopscope/common';
import { z } from 'zod';

/** product-service's environment, validated once at start-up (a bad value exits naming the variable). */
export function readConfig(source: NodeJS.ProcessEnv = process.env) {
  return loadConfig(
    'product-service',
    {
      PORT: env.port(8082),
      DATABASE_URL: env.databaseUrl(),
      /** Where admin API keys are checked (`GET /api/user`) when a product is created. */
      USER_SERVICE_URL: env.httpUrl(),
      /** Protects the fault API; without it the fault API answers 403. */
      ADMIN_TOKEN: env.secret(16).optional(),
      /**
       * The service credential of the internal stock endpoints (reserve, confirm, release):
       * order-service presents it as `Authorization: Bearer <token>`. Optional so the public
       * catalogue runs without it, but the endpoints fail closed: without it they answer 503.
       */
      INTERNAL_TOKEN: env.secret(16).optional(),
      /**
       * How long a stock hold that was never confirmed keeps its stock (default 15 minutes).
       * After that the sweeper puts the stock back on sale and marks the hold `expired`.
       */
      RESERVATION_TTL_SECONDS: z.coerce.number().int().min(1).max(86_400).default(900),
      LOG_LEVEL: env.logLevel(),
    },
    source,
  );
}

export type Config = ReturnType<typeof readConfig>;
