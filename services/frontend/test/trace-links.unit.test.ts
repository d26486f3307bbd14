/**
 * Every page leads to its own trace (src/trace-links.ts): the Jaeger and Grafana URLs of a
 * trace hold nothing but the configured base URL and the trace id; only a well-formed
 * trace id is ever linked (the thank-you page's `?trace=` comes from the browser); the
 * base URLs are validated at start-up (config.ts). And the static files' cache headers
 * (src/assets.ts): a year and immutable only under the URL the pages link now.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  assetUrl,
  staticCacheControl,
  TELEMETRY_SCRIPT,
  UNVERSIONED_CACHE_CONTROL,
  VERSIONED_CACHE_CONTROL,
} from '../dist/assets.js';
import { readConfig } from '../dist/config.js';
import {
  currentTraceId,
  currentTraceParent,
  grafanaLogsUrl,
  jaegerTraceUrl,
  LOKI_DATASOURCE_UID,
  parseTraceId,
  parseTraceParent,
  traceLogsQuery,
  traceView,
} from '../dist/trace-links.js';

const ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const NOW = Date.UTC(2026, 0, 15, 12, 0, 0);

describe('trace ids', () => {
  test('only 32 lowercase hex digits, not all zero, are a trace id', () => {
    assert.equal(parseTraceId(ID), ID);
    for (const bad of [
      undefined,
      42,
      ['a'],
      '',
      '0'.repeat(32),
      ID.toUpperCase(),
      `${ID}0`,
      ID.slice(1),
      `${ID.slice(0, 31)}g`,
      `${ID.slice(0, 30)}">`,
      'javascript:alert(1)',
    ]) {
      assert.equal(parseTraceId(bad), undefined, JSON.stringify(bad));
    }
  });

  test('a traceparent a page may be given: version 00, both ids well-formed and not zero, sampled', () => {
    const good = `00-${ID}-00f067aa0ba902b7-01`;
    assert.equal(parseTraceParent(good), good);
    for (const bad of [
      undefined,
      42,
      '',
      `01-${ID}-00f067aa0ba902b7-01`,
      `00-${'0'.repeat(32)}-00f067aa0ba902b7-01`,
      `00-${ID}-${'0'.repeat(16)}-01`,
      `00-${ID}-00f067aa0ba902b7-00`,
      `00-${ID.toUpperCase()}-00f067aa0ba902b7-01`,
      `${good}">`,
    ]) {
      assert.equal(parseTraceParent(bad), undefined, JSON.stringify(bad));
    }
  });

  test('outside a traced request (telemetry off) there is no trace id, so no link', () => {
    assert.equal(currentTraceId(), undefined);
    assert.equal(currentTraceParent(), undefined, 'and no traceparent meta tag');
    assert.equal(traceView({ jaegerUiUrl: 'http://localhost:16686', grafanaUrl: undefined }, undefined), undefined);
  });
});

describe('trace links', () => {
  test('Jaeger: <JAEGER_UI_URL>/trace/<id>', () => {
    assert.equal(jaegerTraceUrl('http://localhost:16686', ID), `http://localhost:16686/trace/${ID}`);
    assert.equal(jaegerTraceUrl('https://obs.example/jaeger', ID), `https://obs.example/jaeger/trace/${ID}`);
  });

  test('Grafana: Explore on the Loki datasource, the trace’s log lines, an hour either side', () => {
    const url = new URL(grafanaLogsUrl('http://localhost:3000', ID, NOW));
    assert.equal(url.origin, 'http://localhost:3000');
    assert.equal(url.pathname, '/explore');
    assert.equal(url.searchParams.get('schemaVersion'), '1');
    assert.equal(url.searchParams.get('orgId'), '1');
    const panes = JSON.parse(url.searchParams.get('panes') ?? '{}');
    const [pane, ...others] = Object.values(panes) as Array<Record<string, any>>;
    assert.equal(others.length, 0, 'one pane');
    assert.equal(pane?.datasource, LOKI_DATASOURCE_UID);
    assert.deepEqual(pane?.queries, [
      {
        refId: 'A',
        datasource: { type: 'loki', uid: 'loki' },
        expr: `{service_namespace="shopscope"} | trace_id="${ID}"`,
        queryType: 'range',
      },
    ]);
    assert.deepEqual(pane?.range, { from: String(NOW - 3_600_000), to: String(NOW + 3_600_000) });
    assert.equal(traceLogsQuery(ID), pane?.queries?.[0]?.expr);
    // Under a path prefix (Grafana behind a proxy) the prefix is kept.
    assert.equal(new URL(grafanaLogsUrl('https://obs.example/grafana', ID, NOW)).pathname, '/grafana/explore');
  });

  test('the query is the one the Jaeger datasource uses for "Logs for this span"', async () => {
    const { readFile } = await import('node:fs/promises');
    const provisioning = await readFile(
      new URL('../../../grafana/provisioning/datasources/datasources.yaml', import.meta.url),
      'utf8',
    );
    assert.match(provisioning, /uid: loki\n/);
    assert.ok(
      provisioning.includes(`query: '${traceLogsQuery('$${__trace.traceId}')}'`),
      'same LogQL as tracesToLogsV2',
    );
  });

  test('traceView: the id, and a link per configured UI', () => {
    const both = traceView({ jaegerUiUrl: 'http://j', grafanaUrl: 'http://g' }, ID, NOW);
    assert.deepEqual(both, { id: ID, jaegerUrl: `http://j/trace/${ID}`, logsUrl: grafanaLogsUrl('http://g', ID, NOW) });
    assert.deepEqual(traceView({ jaegerUiUrl: undefined, grafanaUrl: undefined }, ID, NOW), {
      id: ID,
      jaegerUrl: undefined,
      logsUrl: undefined,
    });
  });
});

describe('JAEGER_UI_URL and GRAFANA_URL', () => {
  const base = {
    USER_SERVICE_URL: 'http://u:1',
    PRODUCT_SERVICE_URL: 'http://p:1',
    ORDER_SERVICE_URL: 'http://o:1',
    SESSION_SECRET: 'unit-test-session-secret-0123456789',
  };

  test('default to the ports compose publishes on localhost', () => {
    const config = readConfig(base);
    assert.equal(config.JAEGER_UI_URL, 'http://localhost:16686');
    assert.equal(config.GRAFANA_URL, 'http://localhost:3000');
  });

  test('an http(s) URL, trailing slashes dropped; empty turns the link off', () => {
    const config = readConfig({ ...base, JAEGER_UI_URL: 'https://obs.example/jaeger/', GRAFANA_URL: '' });
    assert.equal(config.JAEGER_UI_URL, 'https://obs.example/jaeger');
    assert.equal(config.GRAFANA_URL, undefined);
  });

  test('BROWSER_OTLP_URL: off by default; an http(s) URL, trailing slashes dropped', () => {
    assert.equal(readConfig(base).BROWSER_OTLP_URL, undefined);
    assert.equal(readConfig({ ...base, BROWSER_OTLP_URL: '' }).BROWSER_OTLP_URL, undefined);
    assert.equal(
      readConfig({ ...base, BROWSER_OTLP_URL: 'http://localhost:4318/' }).BROWSER_OTLP_URL,
      'http://localhost:4318',
    );
  });

  test('anything else stops the start naming the variable, credentials included', (t) => {
    t.mock.method(process, 'exit', () => {
      throw new Error('exit called');
    });
    const lines: string[] = [];
    t.mock.method(process.stderr, 'write', (chunk: string) => {
      lines.push(chunk);
      return true;
    });
    const bad = [
      ['JAEGER_UI_URL', 'localhost:16686'],
      ['JAEGER_UI_URL', 'javascript:alert(1)'],
      ['GRAFANA_URL', 'ftp://grafana'],
      ['GRAFANA_URL', 'http://admin:shopscope@localhost:3000'],
      ['BROWSER_OTLP_URL', 'localhost:4318'],
      ['BROWSER_OTLP_URL', 'http://user:secret@localhost:4318'],
    ] as const;
    for (const [name, value] of bad) {
      assert.throws(() => readConfig({ ...base, [name]: value }), /exit called/, value);
    }
    t.mock.restoreAll();
    assert.equal(lines.length, bad.length);
    for (const [i, [name]] of bad.entries()) {
      assert.match(lines[i] ?? '', new RegExp(`invalid configuration: ${name}: `));
    }
  });
});

describe('static files cache headers', () => {
  test('a year and immutable under the versioned URL the pages link; an hour otherwise', () => {
    const versioned = assetUrl('/static/css/shop.css');
    const version = new URL(versioned, 'http://x').searchParams.get('v');
    assert.match(version ?? '', /^[0-9a-f]{10}$/);
    assert.equal(staticCacheControl('/static/css/shop.css', version), VERSIONED_CACHE_CONTROL);
    assert.match(VERSIONED_CACHE_CONTROL, /max-age=31536000/);
    assert.match(VERSIONED_CACHE_CONTROL, /immutable/);
    for (const other of [null, '', '0123456789', `${version}x`]) {
      assert.equal(staticCacheControl('/static/css/shop.css', other), UNVERSIONED_CACHE_CONTROL, String(other));
    }
    assert.equal(staticCacheControl('/static/images/products/camera.svg', null), UNVERSIONED_CACHE_CONTROL);
    // The browser telemetry script is built into dist/public/ (services/browser): versioned alike.
    assert.match(assetUrl(TELEMETRY_SCRIPT), /^\/static\/js\/telemetry\.js\?v=[0-9a-f]{10}$/);
    assert.doesNotMatch(UNVERSIONED_CACHE_CONTROL, /immutable/);
  });
});
