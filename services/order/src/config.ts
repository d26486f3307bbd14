import { env, loadConfig } from '@shopscope/common';

/** order-service's environment, validated once at start-up (a bad value exits naming the variable). */
export function readConfig(source: NodeJS.ProcessEnv = process.env) {
  return loadConfig(
    'order-service',
    {
      PORT: env.port(8083),
      DATABASE_URL: env.databaseUrl(),
      USER_SERVICE_URL: env.httpUrl(),
      PRODUCT_SERVICE_URL: env.httpUrl(),
      /** Protects the fault API; without it the fault API answers 403. */
      ADMIN_TOKEN: env.secret(16).optional(),
      /**
       * The service credential order-service presents to product-service's internal stock
       * endpoints (reserve, confirm, release) as `Authorization: Bearer <token>`; must equal
       * product-service's INTERNAL_TOKEN. Optional so carts and order history work without
       * it, but then every checkout fails with a 503 naming the credential.
       */
      INTERNAL_TOKEN: env.secret(16).optional(),
      LOG_LEVEL: env.logLevel(),
    },
    source,
  );
}

export type Config = ReturnType<typeof readConfig>;
