import { createServiceApp, type Logger, type ServiceApp } from '@shopscope/common';
import compression from 'compression';
import cookieParser from 'cookie-parser';
import helmet from 'helmet';
import { STATIC_PREFIX, staticFiles, VIEWS_DIR } from './assets';
import { createBackends } from './clients';
import type { Config } from './config';
import { csrfProtection } from './csrf';
import { errorPages } from './error-pages';
import { rememberLanguageFromQuery } from './language';
import { Pages } from './pages';
import { accountRoutes } from './routes/account';
import { cartRoutes } from './routes/cart';
import { catalogueRoutes } from './routes/catalogue';
import type { RouteDeps } from './routes/deps';
import { languageRoutes } from './routes/language';
import { orderRoutes } from './routes/orders';
import { productRoutes } from './routes/product';
import { sessionMiddleware } from './session';

export interface AppDeps {
  config: Config;
  logger: Logger;
}

/**
 * The web shop: a backend-for-frontend that renders pages from the three APIs; main.ts
 * and the in-process tests build it the same way. It owns no data, so it is ready as soon as it runs; whether each backend answers is
 * shown on the pages that need it (a 503 page naming what is unavailable).
 */
export function buildApp({ config, logger }: AppDeps): ServiceApp {
  const backends = createBackends(
    {
      userServiceUrl: config.USER_SERVICE_URL,
      productServiceUrl: config.PRODUCT_SERVICE_URL,
      orderServiceUrl: config.ORDER_SERVICE_URL,
    },
    logger,
  );
  const csrf = csrfProtection(config.SESSION_SECRET);
  const pages = new Pages({
    backends,
    csrf,
    defaultLanguage: config.LANG,
    logger,
    traceLinks: { jaegerUiUrl: config.JAEGER_UI_URL, grafanaUrl: config.GRAFANA_URL },
    browserOtlpUrl: config.BROWSER_OTLP_URL,
  });
  const service = createServiceApp({
    name: 'frontend',
    logger,
    readiness: async () => undefined,
    adminToken: config.ADMIN_TOKEN,
    renderError: errorPages(pages, logger),
    // First of all, so that every answer carries them: the error pages of a malformed or
    // oversized body (refused while parsing it, before any route), 404s, probes, the fault API.
    // Compressed (gzip, deflate or brotli, as the browser accepts) when the type compresses
    // (HTML, CSS, JS, SVG, JSON) and the body is over 1 KB; tiny answers are sent as they are.
    firstMiddleware: [securityHeaders(config.BROWSER_OTLP_URL), compression()],
  });
  const { app } = service;

  app.set('views', VIEWS_DIR);
  app.set('view engine', 'ejs');
  // Express caches compiled templates only when NODE_ENV=production; the shop also runs
  // natively (tests, `npm run dev`, benchmarks), where recompiling on every render would
  // cost CPU and memory. Templates change only with a restart, so always cache.
  app.set('view cache', true);

  app.use(STATIC_PREFIX, staticFiles());
  app.use(cookieParser());
  app.use(sessionMiddleware(config.SESSION_SECRET));
  app.use(rememberLanguageFromQuery);
  app.use(csrf.verify);

  const routeDeps: RouteDeps = { backends, pages, logger };
  app.use(catalogueRoutes(routeDeps));
  app.use(productRoutes(routeDeps));
  app.use(
    accountRoutes(routeDeps, {
      maxFailuresPerAddress: config.WEB_LOGIN_MAX_FAILURES_PER_ADDRESS,
      windowSeconds: config.LOGIN_THROTTLE_WINDOW_SECONDS,
    }),
  );
  app.use(cartRoutes(routeDeps));
  app.use(orderRoutes(routeDeps));
  app.use(languageRoutes());

  service.finish();
  return service;
}

/**
 * helmet's security headers with the shop's Content-Security-Policy: everything from
 * 'self', and the browser telemetry's collector (its origin exactly) as the one other
 * address the pages may send to.
 */
function securityHeaders(browserOtlpUrl: string | undefined) {
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'"],
        fontSrc: ["'self'"],
        connectSrc: browserOtlpUrl ? ["'self'", new URL(browserOtlpUrl).origin] : ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        baseUri: ["'self'"],
        objectSrc: ["'none'"],
      },
    },
    // HSTS belongs to whoever terminates TLS; sent from plain-HTTP localhost it would
    // pin the learner's browser to HTTPS for every other app on localhost.
    strictTransportSecurity: false,
  });
}
