/**
 * The ShopScope telemetry bootstrap. Every service loads it before any other module:
 *
 *     node --require @shopscope/telemetry/register dist/main.js
 *
 * so that http, express, mysql2, sequelize and pino are patched before the app requires
 * them. With OTEL_SDK_DISABLED=true nothing is loaded and the service runs uninstrumented
 * (the benchmarks' baseline). Telemetry must never stop the shop from starting.
 */
if (process.env.OTEL_SDK_DISABLED?.trim().toLowerCase() !== 'true') {
  try {
    // Required lazily: the SDK and instrumentations cost memory a disabled service should not pay.
    (require('./sdk') as typeof import('./sdk')).startTelemetry();
  } catch (err) {
    process.stderr.write(`telemetry: not started: ${err instanceof Error ? err.message : String(err)}\n`);
  }
}
