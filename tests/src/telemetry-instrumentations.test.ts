/**
 * Which instrumentations the bootstrap loads (services/telemetry/src/instrumentations.ts):
 * the standard OTEL_NODE_ENABLED/DISABLED_INSTRUMENTATIONS variables decide, and a disabled
 * instrumentation's package is not even required (that is the memory saving).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, it } from 'node:test';
import { REPO_ROOT } from './harness/services.ts';

const telemetryDist = path.join(REPO_ROOT, 'services/telemetry/dist');
const require = createRequire(import.meta.url);
const { enabledInstrumentationNames } = require(path.join(telemetryDist, 'instrumentations.js')) as {
  enabledInstrumentationNames(env: Record<string, string | undefined>): string[];
};

describe('instrumentations', () => {
  it('follows the enabled list, minus the disabled list; Sequelize is always on', () => {
    assert.deepEqual(enabledInstrumentationNames({ OTEL_NODE_ENABLED_INSTRUMENTATIONS: 'http, express' }), [
      'http',
      'express',
      'sequelize',
    ]);
    assert.deepEqual(
      enabledInstrumentationNames({
        OTEL_NODE_ENABLED_INSTRUMENTATIONS: '@opentelemetry/instrumentation-http,mysql2,pino',
        OTEL_NODE_DISABLED_INSTRUMENTATIONS: 'pino',
      }),
      ['http', 'mysql2', 'sequelize'],
    );
    // Nothing said: every instrumentation the shop knows.
    assert.deepEqual(enabledInstrumentationNames({}), [
      'http',
      'undici',
      'express',
      'mysql2',
      'pino',
      'runtime-node',
      'sequelize',
    ]);
  });

  it('requires only the packages of enabled instrumentations', () => {
    const script = `
      process.env.OTEL_NODE_ENABLED_INSTRUMENTATIONS = 'http,express';
      const { createInstrumentations } = require(${JSON.stringify(path.join(telemetryDist, 'instrumentations.js'))});
      const names = createInstrumentations().map((i) => i.instrumentationName);
      const loaded = Object.keys(require.cache).filter((f) => /@opentelemetry\\/(auto-)?instrumentation-/.test(f))
        .map((f) => f.replace(/.*@opentelemetry\\/((auto-)?instrumentation-[^/]+).*/, '$1'));
      console.log(JSON.stringify({ names, loaded: [...new Set(loaded)].sort() }));`;
    const run = spawnSync(process.execPath, ['-e', script], {
      cwd: path.join(REPO_ROOT, 'services/telemetry'),
      encoding: 'utf8',
    });
    assert.equal(run.status, 0, run.stderr);
    const { names, loaded } = JSON.parse(run.stdout) as { names: string[]; loaded: string[] };
    assert.deepEqual(names, [
      '@opentelemetry/instrumentation-http',
      '@opentelemetry/instrumentation-express',
      '@opentelemetry/instrumentation-sequelize',
    ]);
    assert.deepEqual(loaded, ['instrumentation-express', 'instrumentation-http', 'instrumentation-sequelize']);
  });
});
