/**
 * The telemetry preload. Every service loads it before any other module:
 *
 *     node --require @shopscope/telemetry/register dist/main.js
 *
 * so that http, sequelize and pino are patched before the app requires
 * them. What it starts depends on two variables:
 *   OTEL_SDK_DISABLED=true          nothing: the service runs uninstrumented (the
 *                                   benchmark's baseline);
 *   TELEMETRY_BOOTSTRAP=shopscope   ShopScope's curated bootstrap (sdk.ts), the default;
 *   TELEMETRY_BOOTSTRAP=zero-code   the stock zero-code setup instead, exactly as
 *                                   `node --require @opentelemetry/auto-instrumentations-node/register`
 *                                   starts it, with standard OTEL_* variables (settings.ts
 *                                   fills in the collector's address and the resource).
 * The business spans and metrics (business.ts) go through the global API, so they work
 * under either bootstrap. Telemetry must never stop the shop from starting.
 */
import { applyZeroCodeDefaults, bootstrapFromEnv } from './settings';

if (process.env.OTEL_SDK_DISABLED?.trim().toLowerCase() !== 'true') {
  try {
    if (bootstrapFromEnv() === 'zero-code') {
      applyZeroCodeDefaults();
      require('@opentelemetry/auto-instrumentations-node/register');
    } else {
      // Required lazily: the SDK and instrumentations cost memory a disabled service should not pay.
      (require('./sdk') as typeof import('./sdk')).startTelemetry();
    }
  } catch (err) {
    process.stderr.write(`telemetry: not started: ${err instanceof Error ? err.message : String(err)}\n`);
  }
}
