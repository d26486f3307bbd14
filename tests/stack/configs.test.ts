/**
 * The remaining configuration: Jaeger (validated by the real binary when it could be
 * built), Loki (AGPL, never built here: the settings the stack relies on are checked
 * statically, the mapping through loki-standin.ts), the version pins shared by
 * .env.example and the builder manifest, and shellcheck on every shell script.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import {
  readEnvFile,
  readRepoFile,
  readYaml,
  repoPath,
  repoRoot,
  requireTool,
  run,
  runOk,
} from '../../tools/stack/repo.ts';
import { labelName, otlpMappingFromConfig } from '../../tools/stack/standins/loki-standin.ts';

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
    assert.equal(metrics.latency_unit, 'ms', "the unit Jaeger's UI displays, as otel-collector/config.yaml records it");
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
    const labels: string[] = index.attributes_config.flatMap((a: any) =>
      a.action === 'index_label' ? a.attributes : [],
    );
    assert.ok(labels.includes('service.name'), 'service_name is a label');
    assert.ok(index.ignore_defaults && !labels.includes('service.instance.id'), 'no stream per process start');
  });

  test('docker-compose.yml has Loki expand environment variables in it', () => {
    assert.match(readRepoFile('docker-compose.yml'), /-config\.expand-env=true/);
  });

  // Loki is AGPL and is not built here, so nothing in these tests runs it on this file: that
  // the real Loki accepts loki/config.yaml is proven only where its image runs (docker
  // compose up, whose healthcheck waits for Loki's /ready). This checks, statically, what the
  // native stack's stand-in (loki-standin.ts) and the stack rely on the file to say.
  test('what the stack relies on: OTLP labels, structured metadata, retention, deleting compactor (static)', () => {
    const config = readYaml('loki/config.yaml');
    // The stand-in maps OTLP records by this file, and refuses settings it does not implement.
    const mapping = otlpMappingFromConfig(config);
    assert.ok(
      mapping.indexLabels.map(labelName).includes('service_name'),
      'service.name → the service_name index label',
    );
    assert.equal(config.limits_config.allow_structured_metadata, true, 'trace_id/span_id are structured metadata');
    assert.notEqual(
      config.limits_config.discover_log_levels,
      false,
      'detected_level (the logs dashboard groups by it)',
    );
    assert.match(config.limits_config.retention_period, /^\$\{LOKI_RETENTION_PERIOD:-\d+[hdw]\}$/);
    assert.match(readRepoFile('docker-compose.yml'), /LOKI_RETENTION_PERIOD: \$\{LOKI_RETENTION_PERIOD:-\d+[hdw]\}/);
    assert.equal(config.compactor.retention_enabled, true, 'the compactor deletes what is older than the retention');
    assert.ok(config.compactor.delete_request_store, 'retention needs a delete request store');
    assert.equal(config.auth_enabled, false, 'one tenant: the collector sends no X-Scope-OrgID');
  });

  test('its in-process caches are sized to fit the container, far below their 100 MB defaults (static)', () => {
    const config = readYaml('loki/config.yaml');
    const results = config.query_range.results_cache.cache.embedded_cache;
    const chunks = config.chunk_store_config.chunk_cache_config.embedded_cache;
    const limit = /\n {2}loki:\n[\s\S]*?memory: (\d+)M/.exec(readRepoFile('docker-compose.yml'))?.[1];
    assert.ok(limit, "Loki's memory limit in docker-compose.yml");
    assert.ok(
      results.max_size_mb + chunks.max_size_mb <= Number(limit) / 4,
      `caches of ${results.max_size_mb} + ${chunks.max_size_mb} MB in ${limit}M`,
    );
  });
});

describe('versions and scripts', () => {
  test('Jaeger, Mailpit and the Compose CLI report the pinned versions', () => {
    const env = readEnvFile('.env.example');
    assert.match(
      runOk(requireTool('JAEGER'), ['version']),
      new RegExp(`"gitVersion":\\s*"v${env.get('JAEGER_VERSION')}"`),
    );
    assert.match(
      runOk(requireTool('MAILPIT'), ['version', '--no-release-check']),
      new RegExp(`mailpit v${env.get('MAILPIT_VERSION')} compiled`),
    );
    assert.match(runOk(requireTool('COMPOSE'), ['version']), /Docker Compose version v5\.\d+\.\d+/);
  });

  test('no AGPL source is built or run: no k6 or Loki module anywhere but in image names', () => {
    // k6, Loki and Grafana are AGPL: learners pull their images; this project never builds
    // their sources (scripts/ci/build-tools.sh) nor runs them in its tests or benchmark.
    const listed = run('git', [
      '-C',
      repoRoot,
      'grep',
      '-n',
      '-I',
      '-E',
      'go\\.k6\\.io|grafana/loki/v3|github\\.com/grafana/grafana',
      '--',
      '.',
      ':!tests/stack/configs.test.ts',
    ]);
    assert.equal(listed.stdout.trim(), '', `AGPL modules named in:\n${listed.stdout}`);
  });

  test('otel-collector/builder-config.yaml is at OTELCOL_VERSION', () => {
    const version = readEnvFile('.env.example').get('OTELCOL_VERSION');
    assert.match(readRepoFile('otel-collector/builder-config.yaml'), new RegExp(`^  version: ${version}$`, 'm'));
  });

  test('the built tools are the pinned versions', () => {
    const env = readEnvFile('.env.example');
    assert.match(
      runOk(requireTool('PROMETHEUS'), ['--version']),
      new RegExp(`version ${env.get('PROMETHEUS_VERSION')}\\b`),
    );
    assert.match(
      runOk(requireTool('PROMTOOL'), ['--version']),
      new RegExp(`version ${env.get('PROMETHEUS_VERSION')}\\b`),
    );
    assert.match(
      runOk(requireTool('ALERTMANAGER'), ['--version']),
      new RegExp(`version ${env.get('ALERTMANAGER_VERSION')}\\b`),
    );
    assert.match(
      runOk(requireTool('AMTOOL'), ['--version']),
      new RegExp(`version ${env.get('ALERTMANAGER_VERSION')}\\b`),
    );
    assert.match(runOk(requireTool('OTELCOL'), ['--version']), new RegExp(`version ${env.get('OTELCOL_VERSION')}\\b`));
  });

  test('shellcheck on every shell script of the repository', (t) => {
    if (run('sh', ['-c', 'command -v shellcheck']).status !== 0) {
      t.skip('shellcheck is not installed (scripts/ci/install.sh installs it)');
      return;
    }
    const scripts = shellScripts();
    // The search must find what is known to be there, or it could pass by checking nothing.
    for (const known of [
      '.ci/run',
      'scripts/ci/build-tools.sh',
      'scripts/lib/common.sh',
      'scripts/validate.sh',
      'scripts/crash-service.sh',
      'scripts/inject-memory-leak.sh',
      'scripts/inject-cpu-burn.sh',
      'scripts/block-event-loop.sh',
    ]) {
      assert.ok(scripts.includes(known), `${known} found among ${scripts.join(', ')}`);
    }
    // -x follows `source`, so sourced files are checked in the context of their callers too.
    runOk('shellcheck', ['-x', ...scripts]);
  });
});
