import { env, loadConfig } from '@shopscope/common';
import { z } from 'zod';
import { DEFAULT_LANGUAGE, isLanguage, type Language } from './i18n';

/**
 * `LANG` doubles as the POSIX locale variable, so shells and base images often set it to
 * values such as `fr_FR.UTF-8` or `C.UTF-8`. Rather than refuse to start, the shop reads
 * the language part and falls back to English for anything it does not speak.
 */
const language = z
  .string()
  .optional()
  .transform((value): Language => {
    const code = value?.slice(0, 2).toLowerCase();
    return code && isLanguage(code) ? code : DEFAULT_LANGUAGE;
  });

export const configShape = {
  PORT: env.port(8080),
  USER_SERVICE_URL: env.httpUrl(),
  PRODUCT_SERVICE_URL: env.httpUrl(),
  ORDER_SERVICE_URL: env.httpUrl(),
  /** Signs the session and CSRF cookies; changing it logs everybody out. */
  SESSION_SECRET: env.secret(16),
  /** Protects the fault API; empty or unset disables it. */
  ADMIN_TOKEN: z
    .string()
    .optional()
    .transform((value) => value || undefined),
  LOG_LEVEL: env.logLevel(),
  /** Default page language when the visitor has not chosen one (`en` or `fr`). */
  LANG: language,
  /** How long a page waits for a backend before showing the "unavailable" message. */
  BACKEND_TIMEOUT_MS: env.milliseconds(3000),
};

export type Config = ReturnType<typeof loadFrontendConfig>;

export function loadFrontendConfig(environment: NodeJS.ProcessEnv = process.env) {
  return loadConfig('frontend', configShape, environment);
}
