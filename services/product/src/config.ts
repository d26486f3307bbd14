import { env, loadConfig } from '@shopscope/common';

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
      LOG_LEVEL: env.logLevel(),
    },
    source,
  );
}

export type Config = ReturnType<typeof readConfig>;
