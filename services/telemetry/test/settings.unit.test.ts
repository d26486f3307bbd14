/**
 * The zero-code mode's settings (services/telemetry/src/settings.ts): standard variables
 * filled in only where the environment says nothing, so a learner's own OTEL_* values win.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applyZeroCodeDefaults, bootstrapFromEnv } from '../dist/settings.js';

describe('TELEMETRY_BOOTSTRAP', () => {
  it('defaults to shopscope, accepts zero-code, and falls back to shopscope on anything else', () => {
    assert.equal(bootstrapFromEnv({}), 'shopscope');
    assert.equal(bootstrapFromEnv({ TELEMETRY_BOOTSTRAP: ' Zero-Code ' }), 'zero-code');
    assert.equal(bootstrapFromEnv({ TELEMETRY_BOOTSTRAP: 'shopscope' }), 'shopscope');
    assert.equal(bootstrapFromEnv({ TELEMETRY_BOOTSTRAP: 'auto' }), 'shopscope');
  });
});

describe('applyZeroCodeDefaults', () => {
  it('points the stock setup at the same collector, interval and resource as ShopScope', () => {
    const env: NodeJS.ProcessEnv = { DEPLOYMENT_ENVIRONMENT: 'local' };
    applyZeroCodeDefaults(env);
    assert.equal(env.OTEL_EXPORTER_OTLP_ENDPOINT, 'http://otel-collector:4317');
    assert.equal(env.OTEL_EXPORTER_OTLP_PROTOCOL, 'grpc');
    assert.equal(env.OTEL_METRIC_EXPORT_INTERVAL, '10000');
    assert.equal(env.OTEL_NODE_RESOURCE_DETECTORS, 'serviceinstance,host,process,container,env');
    assert.match(env.OTEL_RESOURCE_ATTRIBUTES ?? '', /(^|,)service\.namespace=shopscope(,|$)/);
    assert.match(env.OTEL_RESOURCE_ATTRIBUTES ?? '', /(^|,)deployment\.environment\.name=local(,|$)/);
    // What the bundle chooses by default stays its own.
    assert.equal(env.OTEL_NODE_ENABLED_INSTRUMENTATIONS, undefined);
    assert.equal(env.OTEL_BSP_SCHEDULE_DELAY, undefined);
  });

  it('leaves every variable the environment sets, and never names a resource attribute twice', () => {
    const env: NodeJS.ProcessEnv = {
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:14317',
      OTEL_SERVICE_NAME: 'order-service',
      OTEL_RESOURCE_ATTRIBUTES: 'service.namespace=course,team=blue',
    };
    applyZeroCodeDefaults(env);
    assert.equal(env.OTEL_EXPORTER_OTLP_ENDPOINT, 'http://127.0.0.1:14317');
    assert.equal(env.OTEL_SERVICE_NAME, 'order-service');
    const pairs = (env.OTEL_RESOURCE_ATTRIBUTES ?? '').split(',');
    assert.deepEqual(
      pairs.filter((p) => p.startsWith('service.namespace=')),
      ['service.namespace=course'],
    );
    assert.ok(pairs.includes('team=blue'));
    assert.ok(pairs.some((p) => p.startsWith('service.version=')));
  });
});
