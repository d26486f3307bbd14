/**
 * The remaining configuration: Jaeger (validated by the real binary when it could be
 * built), Loki (no binary here: its key settings are checked), the version pins shared by
 * .env.example and the builder manifest, and shellcheck on every shell script.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { readEnvFile, readRepoFile, readYaml, repoPath, repoRoot, requireTool, run, runOk } from './lib.ts';

/** Folders that hold no shell script of the repository's own. */
const NOT_OURS = new Set(['.git', 'node_modules', 'dist', '.cache', 'coverage', 'test-results']);

/**
 * Every shell script of the repository (relative paths): `*.sh` files, and files without
 * that extension whose first line is a sh or bash shebang (e.g. .ci/run).
 */
function shellScripts(dir = ''): string[] {
  return readdirSync(path.join(repoRoot, dir), { withFileTypes: true })
    .flatMap((entry) => {
      const rel = path.join(dir, entry.name);
      if (entry.isDirectory()) return NOT_OURS.has(entry.name) ? [] : shellScripts(rel);
      if (!entry.isFile()) return [];
      if (entry.name.endsWith('.sh')) return [rel];
      const head = readFileSync(path.join(repoRoot, rel)).subarray(0, 64).toString('latin1');
      return /^#!\s*\S*\/(?:env\s+)?(?:ba)?sh\b/.test(head) ? [rel] : [];
    })
    .sort();
}

describe('jaeger/config.yaml', () => {
  test('memory storage is bounded and the Monitor tab reads span metrics from Prometheus', () => {
    const config = readYaml('jaeger/config.yaml');
    const storage = config.extensions.jaeger_storage;
    const memory = Object.values<any>(storage.backends)[0].memory;
    assert.match(String(memory.max_traces), /^\$\{env:JAEGER_MAX_TRACES:-\d+\}$/);
    const metrics = Object.values<any>(storage.metric_backends)[0].prometheus;
    assert.equal(metrics.metric_namespace, 'traces_span_metrics', 'the spanmetrics connector default namespace');
    assert.equal(metrics.latency_unit, 'ms', 'the unit Jaeger\'s UI displays, as otel-collector/config.yaml records it');
    assert.equal(metrics.normalize_calls, true);
    assert.equal(metrics.normalize_duration, true);
    assert.ok(config.extensions.jaeger_query.storage.metrics, 'jaeger_query uses the metrics backend');
  });

  test('the Jaeger binary validates it', () => {
    runOk(requireTool('JAEGER'), ['validate', `--config=${repoPath('jaeger/config.yaml')}`]);
  });
});

describe('loki/config.yaml', () => {
  test('single binary on the filesystem, schema v13 + tsdb, OTLP-ready, bounded retention', () => {
    const config = readYaml('loki/config.yaml');
    assert.ok(config.common.storage.filesystem, 'filesystem storage');
    const schema = config.schema_config.configs.at(-1);
    assert.equal(schema.store, 'tsdb');
    assert.equal(schema.schema, 'v13');
    assert.equal(config.limits_config.allow_structured_metadata, true);
    assert.match(config.limits_config.retention_period, /^\$\{LOKI_RETENTION_PERIOD:-\d+h\}$/);
    assert.equal(config.compactor.retention_enabled, true, 'the compactor applies the retention');
    assert.equal(config.compactor.delete_request_store, 'filesystem');
    const index = config.limits_config.otlp_config.resource_attributes;
    const labels: string[] = index.attributes_config.flatMap((a: any) => (a.action === 'index_label' ? a.attributes : []));
    assert.ok(labels.includes('service.name'), 'service_name is a label');
    assert.ok(index.ignore_defaults && !labels.includes('service.instance.id'), 'no stream per process start');
  });

  test('docker-compose.yml has Loki expand environment variables in it', () => {
    assert.match(readRepoFile('docker-compose.yml'), /-config\.expand-env=true/);
  });

  test('the Loki binary verifies it', () => {
    runOk(requireTool('LOKI'), [`-config.file=${repoPath('loki/config.yaml')}`, '-config.expand-env=true', '-verify-config']);
  });
});

describe('versions and scripts', () => {
  test('otel-collector/builder-config.yaml is at OTELCOL_VERSION', () => {
    const version = readEnvFile('.env.example').get('OTELCOL_VERSION');
    assert.match(readRepoFile('otel-collector/builder-config.yaml'), new RegExp(`^  version: ${version}$`, 'm'));
  });

  test('the built tools are the pinned versions', () => {
    const env = readEnvFile('.env.example');
    assert.match(runOk(requireTool('PROMETHEUS'), ['--version']), new RegExp(`version ${env.get('PROMETHEUS_VERSION')}\\b`));
    assert.match(runOk(requireTool('PROMTOOL'), ['--version']), new RegExp(`version ${env.get('PROMETHEUS_VERSION')}\\b`));
    assert.match(runOk(requireTool('ALERTMANAGER'), ['--version']), new RegExp(`version ${env.get('ALERTMANAGER_VERSION')}\\b`));
    assert.match(runOk(requireTool('AMTOOL'), ['--version']), new RegExp(`version ${env.get('ALERTMANAGER_VERSION')}\\b`));
    assert.match(runOk(requireTool('OTELCOL'), ['--version']), new RegExp(`version ${env.get('OTELCOL_VERSION')}\\b`));
    assert.match(runOk(requireTool('K6'), ['version']), new RegExp(`k6 v${env.get('K6_VERSION')}\\b`));
  });

  test('shellcheck on every shell script of the repository', (t) => {
    if (run('sh', ['-c', 'command -v shellcheck']).status !== 0) {
      t.skip('shellcheck is not installed (scripts/ci/install.sh installs it)');
      return;
    }
    const scripts = shellScripts();
    // The search must find what is known to be there, or it could pass by checking nothing.
    for (const known of ['.ci/run', 'scripts/ci/build-tools.sh', 'scripts/lib/common.sh', 'scripts/validate.sh', 'scripts/crash-service.sh']) {
      assert.ok(scripts.includes(known), `${known} found among ${scripts.join(', ')}`);
    }
    // -x follows `source`, so sourced files are checked in the context of their callers too.
    runOk('shellcheck', ['-x', ...scripts]);
  });
});
