import { DEFAULT_PASSWORD_HASHING_LIMITS, env, loadConfig } from '@shopscope/common';
import { z } from 'zod';
import { DEFAULT_THROTTLE_SETTINGS } from './throttles';

const count = (fallback: number) => z.coerce.number().int().min(1).max(1_000_000).default(fallback);
const seconds = (fallback: number) => z.coerce.number().int().min(1).max(86_400).default(fallback);

/** The longest API key lifetime one may configure: 30 days. */
const MAX_API_KEY_TTL_SECONDS = 30 * 24 * 60 * 60;

/** user-service's environment, validated once at start-up (a bad value exits naming the variable). */
export function readConfig(source: NodeJS.ProcessEnv = process.env) {
  return loadConfig(
    'user-service',
    {
      PORT: env.port(8081),
      DATABASE_URL: env.databaseUrl(),
      /** Protects the fault API; without it the fault API answers 403. */
      ADMIN_TOKEN: env.secret(16).optional(),
      LOG_LEVEL: env.logLevel(),
      // Login and API-key throttling (src/throttles.ts, README "Throttling"): failures allowed
      // per window before a 429 with Retry-After.
      LOGIN_MAX_FAILURES_PER_ACCOUNT: count(DEFAULT_THROTTLE_SETTINGS.loginFailuresPerAccount),
      LOGIN_MAX_FAILURES_PER_ADDRESS: count(DEFAULT_THROTTLE_SETTINGS.loginFailuresPerAddress),
      LOGIN_THROTTLE_WINDOW_SECONDS: seconds(DEFAULT_THROTTLE_SETTINGS.loginWindowSeconds),
      API_KEY_MAX_FAILURES_PER_ADDRESS: count(DEFAULT_THROTTLE_SETTINGS.apiKeyFailuresPerAddress),
      API_KEY_THROTTLE_WINDOW_SECONDS: seconds(DEFAULT_THROTTLE_SETTINGS.apiKeyWindowSeconds),
      // The bounded line of password hashes (services/common/src/crypto.ts).
      PASSWORD_HASH_MAX_QUEUE: z.coerce
        .number()
        .int()
        .min(0)
        .max(100_000)
        .default(DEFAULT_PASSWORD_HASHING_LIMITS.maxQueued),
      PASSWORD_HASH_MAX_WAIT_MS: env.milliseconds(DEFAULT_PASSWORD_HASHING_LIMITS.maxWaitMs),
      /**
       * Lifetime of an API key (a login), counted from the login, in seconds: 24 h by default.
       * A key refused as expired costs a new login; a copied key stops working after this long.
       */
      API_KEY_TTL_SECONDS: z.coerce
        .number({ error: 'must be a whole number of seconds' })
        .int('must be a whole number of seconds')
        .min(1, 'must be at least 1 second')
        .max(MAX_API_KEY_TTL_SECONDS, `must be at most ${MAX_API_KEY_TTL_SECONDS} seconds (30 days)`)
        .default(24 * 60 * 60),
    },
    source,
  );
}

export type Config = ReturnType<typeof readConfig>;
