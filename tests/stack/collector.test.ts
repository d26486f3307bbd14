/**
 * The OpenTelemetry Collector: the config validated by the collector built from
 * otel-collector/builder-config.yaml at the version docker-compose.yml runs, the manifest
 * holding exactly the components the config uses, and the pipeline rules of SPEC.md.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { before, describe, test } from 'node:test';
import { readEnvFile, readRepoFile, readYaml, repoPath, requireTool, runOk } from '../../tools/stack/repo.ts';

const KINDS = ['receivers', 'processors', 'exporters', 'connectors', 'extensions'] as const;
type Kind = (typeof KINDS)[number];

let config: Record<string, any>;

/** Component types a config uses, per kind (`otlp_http/loki` → `otlp_http`). */
function usedTypes(cfg: Record<string, any>): Record<Kind, string[]> {
  const out = {} as Record<Kind, string[]>;
  for (const kind of KINDS)
    out[kind] = [...new Set(Object.keys(cfg[kind] ?? {}).map((id) => id.split('/')[0] ?? id))].sort();
  return out;
}

before(() => {
  config = readYaml('otel-collector/config.yaml');
});

describe('otel-collector/config.yaml', () => {
  test('the built collector validates it', () => {
    runOk(requireTool('OTELCOL'), ['validate', `--config=${repoPath('otel-collector/config.yaml')}`]);
  });

  test('builder-config.yaml lists exactly the components the config uses, at the pinned version', () => {
    const version = readEnvFile('.env.example').get('OTELCOL_VERSION');
    const manifest = readRepoFile('otel-collector/builder-config.yaml');
    assert.match(manifest, new RegExp(`^  version: ${version}$`, 'm'), 'dist.version');
    for (const [, module, moduleVersion] of manifest.matchAll(/- gomod: (\S+) (\S+)/g)) {
      if (module?.includes('/confmap/provider/')) continue; // stable v1.x modules
      assert.equal(moduleVersion, `v${version}`, `${module} is not at v${version}`);
    }
    // The binary reports which component types it holds (and the module of each).
    const components = readYamlText(runOk(requireTool('OTELCOL'), ['components']));
    const used = usedTypes(config);
    for (const kind of KINDS) {
      // (A component with a deprecated alias is listed once per name it answers to.)
      const built = [...new Set(((components[kind] ?? []) as { name: string }[]).map((c) => c.name))].sort();
      assert.deepEqual(built, used[kind], `${kind}: built vs used`);
    }
  });

  test('every pipeline starts with memory_limiter and ends with batch', () => {
    for (const [name, pipeline] of Object.entries<any>(config.service.pipelines)) {
      assert.equal(pipeline.processors[0], 'memory_limiter', `${name}: memory_limiter first`);
      assert.equal(pipeline.processors.at(-1), 'batch', `${name}: batch last`);
    }
  });

  test('signals go where SPEC.md says', () => {
    const p = config.service.pipelines;
    assert.deepEqual(p.traces.receivers, ['otlp']);
    assert.ok(p.traces.exporters.includes('otlp_grpc/jaeger'));
    assert.ok(p.traces.exporters.includes('spanmetrics') && p.traces.exporters.includes('servicegraph'));
    assert.ok(p.traces.processors.includes('redaction') && p.logs.processors.includes('redaction'));
    assert.deepEqual(p.metrics.receivers.sort(), ['otlp', 'servicegraph', 'spanmetrics']);
    assert.deepEqual(p.metrics.exporters, ['otlp_http/prometheus']);
    assert.deepEqual(p['metrics/readyz'].receivers, ['httpcheck/readyz']);
    assert.deepEqual(p.logs.exporters, ['otlp_http/loki']);
    const e = config.exporters;
    assert.match(e['otlp_grpc/jaeger'].endpoint, /:-jaeger:4317\}$/);
    assert.match(e['otlp_http/prometheus'].endpoint, /:-http:\/\/prometheus:9090\/api\/v1\/otlp\}$/);
    assert.match(e['otlp_http/loki'].endpoint, /:-http:\/\/loki:3100\/otlp\}$/);
  });

  test('receivers, extensions and own metrics listen where the stack expects', () => {
    const otlp = config.receivers.otlp.protocols;
    assert.equal(otlp.grpc.endpoint, '0.0.0.0:4317');
    assert.equal(otlp.http.endpoint, '0.0.0.0:4318');
    assert.ok(otlp.http.cors.allowed_origins.length > 0, 'CORS for browser telemetry');
    assert.equal(config.extensions.health_check.endpoint, '0.0.0.0:13133');
    assert.equal(config.extensions.zpages.endpoint, '0.0.0.0:55679');
    const reader = config.service.telemetry.metrics.readers[0].pull.exporter.prometheus;
    assert.equal(reader.port, 8888, 'own metrics on :8888 (scraped by Prometheus)');
    const scrape = readYaml('prometheus/prometheus.yml').scrape_configs.find(
      (s: any) => s.job_name === 'otel-collector',
    );
    assert.deepEqual(scrape.static_configs[0].targets, ['otel-collector:8888']);
  });

  test('every service is probed on /readyz, labelled with its name', () => {
    const endpoints: string[] = config.receivers['httpcheck/readyz'].targets.flatMap((t: any) => t.endpoints);
    const names = endpoints.map((e) => /\/readyz#([\w-]+)$/.exec(e)?.[1]);
    assert.deepEqual(names.sort(), ['frontend', 'order-service', 'product-service', 'user-service']);
  });

  test("span metrics: exemplars on; durations in the unit Jaeger's Monitor tab displays", () => {
    const spanmetrics = config.connectors.spanmetrics;
    assert.equal(spanmetrics.exemplars.enabled, true);
    // Jaeger's UI always shows these values as milliseconds; jaeger/config.yaml must agree.
    assert.equal(spanmetrics.histogram.unit, 'ms');
    const jaeger = readYaml('jaeger/config.yaml');
    const backend = Object.values<any>(jaeger.extensions.jaeger_storage.metric_backends)[0].prometheus;
    assert.equal(backend.latency_unit, spanmetrics.histogram.unit);
  });

  test('secrets are redacted by key and by value', () => {
    const redaction = config.processors.redaction;
    const keys = new RegExp(redaction.blocked_key_patterns[0].replace('(?i)', ''), 'i');
    for (const key of [
      'http.request.header.authorization',
      'http.request.header.cookie',
      'user.password',
      'api_key',
      'x-api-key',
    ]) {
      assert.match(key, keys, key);
    }
    const values = redaction.blocked_values.map((v: string) => new RegExp(v.replace('(?i)', ''), 'i'));
    for (const value of ['Bearer abcdefghijklmnop', 'Basic c2VjcmV0c2VjcmV0', 'password=hunter22']) {
      assert.ok(
        values.some((r: RegExp) => r.test(value)),
        value,
      );
    }
  });
});

/** The `components` command prints YAML: read it through the same converter as the files. */
function readYamlText(text: string): any {
  const dir = mkdtempSync(path.join(tmpdir(), 'otelcol-'));
  try {
    const file = path.join(dir, 'components.yaml');
    writeFileSync(file, text);
    return JSON.parse(runOk(requireTool('STACK_CHECK'), ['yaml2json', file]));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
