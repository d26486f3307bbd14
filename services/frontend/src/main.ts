import { createLogger, serve } from '@shopscope/common';
import { buildApp } from './app';
import { createBackends } from './backends';
import { readConfig } from './config';

/** config → app → serve. The frontend has no database: its state lives in the browser's cookies. */
async function main(): Promise<void> {
  const config = readConfig();
  const logger = createLogger('frontend', config.LOG_LEVEL);
  const backends = createBackends(
    {
      userServiceUrl: config.USER_SERVICE_URL,
      productServiceUrl: config.PRODUCT_SERVICE_URL,
      orderServiceUrl: config.ORDER_SERVICE_URL,
    },
    logger,
  );
  const service = buildApp({
    logger,
    backends,
    sessionSecret: config.SESSION_SECRET,
    defaultLanguage: config.LANG,
    adminToken: config.ADMIN_TOKEN,
    webLoginThrottle: {
      maxFailuresPerAddress: config.WEB_LOGIN_MAX_FAILURES_PER_ADDRESS,
      windowSeconds: config.LOGIN_THROTTLE_WINDOW_SECONDS,
    },
  });
  await serve(service.app, { port: config.PORT, logger, onShutdownStart: service.markShuttingDown });
}

main().catch((err: unknown) => {
  process.stderr.write(`frontend: failed to start: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
