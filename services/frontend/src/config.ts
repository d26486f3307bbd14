import { env, loadConfig } from '@shopscope/common';
import { z } from 'zod';
import { DEFAULT_LANGUAGE, isLanguage, type Language } from './i18n';
import { WEB_LOGIN_THROTTLE } from './routes/account';

/**
 * `LANG` doubles as the POSIX locale variable, so shells and base images often set it to
 * values such as `fr_FR.UTF-8` or `C.UTF-8`. Rather than refuse to start, the shop reads
 * the language part and falls back to English for anything it does not speak.
 */
const pageLanguage = z
  .string()
  .optional()
  .transform((value): Language => {
    const code = value?.slice(0, 2).toLowerCase();
    return code && isLanguage(code) ? code : DEFAULT_LANGUAGE;
  });

/**
 * Base URL of an observability UI as the shopper's browser reaches it (the pages link to
 * it): an http(s) URL without credentials (they would be on every page), trailing slashes
 * dropped; empty turns the links off.
 */
const uiBaseUrl = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .pipe(
      z.union([
        z.literal(''),
        env.httpUrl().refine((u) => !/^https?:\/\/[^/?#]*@/.test(u), 'must not contain a user name or password'),
      ]),
    )
    .transform((u) => u || undefined);

/** The frontend's environment, validated once at start-up (a bad value exits naming the variable). */
export function readConfig(source: NodeJS.ProcessEnv = process.env) {
  return loadConfig(
    'frontend',
    {
      PORT: env.port(8080),
      USER_SERVICE_URL: env.httpUrl(),
      PRODUCT_SERVICE_URL: env.httpUrl(),
      ORDER_SERVICE_URL: env.httpUrl(),
      /** Signs the session and CSRF cookies; changing it signs everybody out. */
      SESSION_SECRET: env.secret(16),
      /** Protects the fault API; without it the fault API answers 403. */
      ADMIN_TOKEN: env.secret(16).optional(),
      LOG_LEVEL: env.logLevel(),
      /** Page language for visitors who have not chosen one: `en` (default) or `fr`. */
      LANG: pageLanguage,
      /** Jaeger's UI: every page links the trace that rendered it (`<url>/trace/<id>`). */
      JAEGER_UI_URL: uiBaseUrl('http://localhost:16686'),
      /** Grafana: every page links the log lines of its trace (Explore, Loki datasource). */
      GRAFANA_URL: uiBaseUrl('http://localhost:3000'),
      /**
       * The collector's OTLP/HTTP base URL as the shopper's browser reaches it (the pages'
       * script posts to `<url>/v1/traces` and `<url>/v1/metrics`; the CSP allows its origin).
       * Empty (the default): no browser telemetry, no script.
       */
      BROWSER_OTLP_URL: uiBaseUrl(''),
      /** Failed sign-ins at the login form per browser address within the window, then 429. */
      WEB_LOGIN_MAX_FAILURES_PER_ADDRESS: z.coerce
        .number()
        .int()
        .min(1)
        .max(1_000_000)
        .default(WEB_LOGIN_THROTTLE.maxFailuresPerAddress),
      /** The window of that count, in seconds (the same variable user-service reads). */
      LOGIN_THROTTLE_WINDOW_SECONDS: z.coerce
        .number()
        .int()
        .min(1)
        .max(86_400)
        .default(WEB_LOGIN_THROTTLE.windowSeconds),
    },
    source,
  );
}

export type Config = ReturnType<typeof readConfig>;
