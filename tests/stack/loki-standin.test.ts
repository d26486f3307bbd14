/**
 * The Loki stand-in (loki-standin.ts) on its own: a real OTLP/HTTP protobuf logs request,
 * encoded here with protobufjs from the same .proto files (tests/src/harness/otlp-proto),
 * posted to it as the collector's otlp_http exporter does; then every query form the stack
 * uses, checked against answers worked out by hand. No built tool is needed.
 *
 *   node --test tests/stack/loki-standin.test.ts
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import protobuf from 'protobufjs';
import {
  compileQuery,
  detectedLevel,
  formatFloat,
  LokiStandIn,
  otlpMappingFromConfig,
  parseTime,
} from '../../tools/stack/standins/loki-standin.ts';
import type { LokiSeries, LokiStream } from '../../tools/stack/stack-api.ts';

const PROTO_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), '../src/harness/otlp-proto');

/** loki/config.yaml's limits_config, as parsed (the part the stand-in reads). */
const CONFIG = {
  limits_config: {
    allow_structured_metadata: true,
    volume_enabled: true,
    otlp_config: {
      resource_attributes: {
        ignore_defaults: true,
        attributes_config: [
          { action: 'index_label', attributes: ['service.name', 'service.namespace', 'deployment.environment.name'] },
        ],
      },
    },
  },
};

// The test's own protobufjs root over the same files: the request is encoded independently
// of the stand-in's decoder.
const root = new protobuf.Root();
root.resolvePath = (_origin, target) => (path.isAbsolute(target) ? target : path.join(PROTO_DIR, target));
root.loadSync('logs.proto');
const Request = root.lookupType('opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest');
const Response = root.lookupType('opentelemetry.proto.collector.logs.v1.ExportLogsServiceResponse');

/** fromObject takes int64s as decimal strings (exact, through long.js), which verify() would refuse. */
function encode(message: object): Buffer {
  return Buffer.from(Request.encode(Request.fromObject(message)).finish());
}

const str = (value: string) => ({ stringValue: value });
const kv = (key: string, value: object) => ({ key, value });

/** Whole seconds: T, the "now" of the data, on a 10 s boundary so the steps are easy to read. */
const T = Math.floor(Date.now() / 10_000) * 10 - 10;
const ns = (secondsFromT: number) => `${T + secondsFromT}000000000`;
const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN = '00f067aa0ba902b7';
const OTHER_TRACE = '0af7651916cd43dd8448eb211c80319c';

function resource(service: string, extra: object[] = []) {
  return {
    attributes: [
      kv('service.name', str(service)),
      kv('service.namespace', str('shopscope')),
      kv('deployment.environment.name', str('test')),
      kv('service.instance.id', str(`${service}-1`)),
      kv('telemetry.sdk.language', str('nodejs')),
      ...extra,
    ],
  };
}

function record(
  at: number,
  body: string,
  severityNumber: number,
  severityText: string,
  extra: Record<string, unknown> = {},
) {
  return {
    timeUnixNano: ns(at),
    observedTimeUnixNano: ns(at + 1),
    severityNumber,
    severityText,
    body: str(body),
    ...extra,
  };
}

const SCOPE = { name: '@opentelemetry/instrumentation-pino', version: '0.50.0' };

/** order-service: info (traced) at T-50, error at T-40, warn at T-30; frontend: info (same trace) at T-35. */
const REQUEST = {
  resourceLogs: [
    {
      resource: resource('order-service', [kv('process.pid', { intValue: 4242 })]),
      scopeLogs: [
        {
          scope: SCOPE,
          logRecords: [
            record(-50, 'cart updated', 9, 'info', {
              traceId: Buffer.from(TRACE, 'hex'),
              spanId: Buffer.from(SPAN, 'hex'),
              flags: 1,
              attributes: [
                kv('http.route', str('/cart')),
                kv('cart', {
                  kvlistValue: { values: [kv('items', { intValue: 3 }), kv('total', { doubleValue: 12.5 })] },
                }),
              ],
            }),
            record(-40, 'checkout failed: out of stock', 17, 'error', {
              attributes: [kv('status', { intValue: 500 })],
            }),
            record(-30, 'slow reservation', 13, 'warn'),
          ],
        },
      ],
    },
    {
      resource: resource('frontend'),
      scopeLogs: [
        {
          scope: SCOPE,
          logRecords: [
            record(-35, 'GET /checkout', 9, 'info', {
              traceId: Buffer.from(TRACE, 'hex'),
              spanId: Buffer.from('b7ad6b7169203331', 'hex'),
            }),
          ],
        },
      ],
    },
  ],
};

let loki: LokiStandIn;

async function post(
  body: Buffer | string,
  headers: Record<string, string>,
): Promise<{ status: number; type: string; body: Buffer }> {
  const res = await fetch(`${loki.url}/otlp/v1/logs`, { method: 'POST', headers, body });
  return {
    status: res.status,
    type: res.headers.get('content-type') ?? '',
    body: Buffer.from(await res.arrayBuffer()),
  };
}

async function get(
  route: string,
  params: Record<string, string | number> = {},
): Promise<{ status: number; body: any; text: string }> {
  const query = new URLSearchParams(Object.entries(params).map(([k, v]): [string, string] => [k, String(v)]));
  const res = await fetch(`${loki.url}${route}?${query}`);
  const text = await res.text();
  let body: any;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: res.status, body, text };
}

/** A range query over [T-60 s, T] (the whole data set), as Grafana and the tests send it (ns). */
function range(query: string, params: Record<string, string | number> = {}) {
  return get('/loki/api/v1/query_range', {
    query,
    start: ns(-60),
    end: ns(0),
    limit: 100,
    direction: 'backward',
    ...params,
  });
}

/** The lines of a streams answer, newest first, as "service: line". */
function lines(body: { status: string; data: { resultType: string; result: LokiStream[] } }): string[] {
  assert.equal(body.status, 'success');
  assert.equal(body.data.resultType, 'streams');
  return body.data.result
    .flatMap((s) =>
      s.values.map(([ts, line]: [string, string]) => ({ ts: BigInt(ts), text: `${s.stream.service_name}: ${line}` })),
    )
    .sort((a, b) => (a.ts < b.ts ? 1 : a.ts > b.ts ? -1 : 0))
    .map((l) => l.text);
}

before(async () => {
  loki = await new LokiStandIn({ mapping: otlpMappingFromConfig(CONFIG) }).start();
});

after(async () => {
  await loki.stop();
});

describe('ingestion on /otlp/v1/logs', () => {
  test('a protobuf ExportLogsServiceRequest: 200 with an empty ExportLogsServiceResponse', async () => {
    const res = await post(encode(REQUEST), { 'content-type': 'application/x-protobuf' });
    assert.equal(res.status, 200, res.body.toString());
    assert.equal(res.type, 'application/x-protobuf');
    assert.deepEqual(Response.toObject(Response.decode(res.body)), {});
    assert.equal(loki.size, 4);
  });

  test('GET /ready answers "ready"', async () => {
    const res = await fetch(`${loki.url}/ready`);
    assert.equal(res.status, 200);
    assert.equal((await res.text()).trim(), 'ready');
  });

  test('index labels from otlp_config, everything else structured metadata, the body as the line', async () => {
    const r = await range(`{service_name="order-service"} | trace_id != ""`);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.data.result.length, 1);
    assert.deepEqual(r.body.data.result[0], {
      stream: {
        cart_items: '3',
        cart_total: '12.5',
        deployment_environment_name: 'test',
        detected_level: 'info',
        flags: '1',
        http_route: '/cart',
        observed_timestamp: ns(-49),
        process_pid: '4242',
        scope_name: '@opentelemetry/instrumentation-pino',
        scope_version: '0.50.0',
        service_instance_id: 'order-service-1',
        service_name: 'order-service',
        service_namespace: 'shopscope',
        severity_number: '9',
        severity_text: 'info',
        span_id: SPAN,
        telemetry_sdk_language: 'nodejs',
        trace_id: TRACE,
      },
      values: [[ns(-50), 'cart updated']],
    });
  });

  test('labels and label values are the index labels only', async () => {
    const labels = await get('/loki/api/v1/labels', { start: ns(-60), end: ns(0) });
    assert.deepEqual(labels.body, {
      status: 'success',
      data: ['deployment_environment_name', 'service_name', 'service_namespace'],
    });
    const values = await get('/loki/api/v1/label/service_name/values', { start: ns(-60) });
    assert.deepEqual(values.body, { status: 'success', data: ['frontend', 'order-service'] });
    const scoped = await get('/loki/api/v1/label/service_name/values', {
      start: ns(-60),
      query: '{service_name=~"front.*"}',
    });
    assert.deepEqual(scoped.body.data, ['frontend']);
    const metadata = await get('/loki/api/v1/label/trace_id/values', { start: ns(-60) });
    assert.deepEqual(metadata.body.data, [], 'structured metadata is not an index label');
    const before = await get('/loki/api/v1/label/service_name/values', { start: ns(-30), end: ns(-29) });
    assert.deepEqual(before.body.data, ['order-service'], 'only streams with lines in the range');
  });

  test('a gzip-encoded body', async () => {
    const request = {
      resourceLogs: [
        {
          resource: resource('user-service'),
          scopeLogs: [{ scope: SCOPE, logRecords: [record(-20, 'login failed', 13, 'WARN')] }],
        },
      ],
    };
    const res = await post(gzipSync(encode(request)), {
      'content-type': 'application/x-protobuf',
      'content-encoding': 'gzip',
    });
    assert.equal(res.status, 200, res.body.toString());
    const r = await range('{service_name="user-service"}');
    assert.deepEqual(lines(r.body), ['user-service: login failed']);
    assert.equal(r.body.data.result[0].stream.detected_level, 'warn');
  });

  test('OTLP JSON (hex trace ids, string int64s)', async () => {
    const json = {
      resourceLogs: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'product-service' } }] },
          scopeLogs: [
            {
              scope: { name: 'json' },
              logRecords: [
                {
                  timeUnixNano: ns(-15),
                  severityText: 'ERROR',
                  body: { stringValue: 'stock low' },
                  traceId: OTHER_TRACE,
                },
              ],
            },
          ],
        },
      ],
    };
    const res = await post(JSON.stringify(json), { 'content-type': 'application/json' });
    assert.equal(res.status, 200, res.body.toString());
    assert.equal(res.type, 'application/json');
    const r = await range(`{service_name="product-service"} | trace_id="${OTHER_TRACE}"`);
    assert.deepEqual(r.body.data.result[0].stream, {
      detected_level: 'error',
      scope_name: 'json',
      service_name: 'product-service',
      severity_text: 'ERROR',
      trace_id: OTHER_TRACE,
    });
  });

  test('a body it cannot decode: 400; another content type or encoding: 415', async () => {
    const garbage = Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x01]);
    assert.equal((await post(garbage, { 'content-type': 'application/x-protobuf' })).status, 400);
    assert.equal(
      (await post(encode(REQUEST), { 'content-type': 'application/x-protobuf', 'content-encoding': 'gzip' })).status,
      400,
    );
    assert.equal((await post('{"resourceLogs": [', { 'content-type': 'application/json' })).status, 400);
    assert.equal((await post('x', { 'content-type': 'text/plain' })).status, 415);
    assert.equal(
      (await post(encode(REQUEST), { 'content-type': 'application/x-protobuf', 'content-encoding': 'br' })).status,
      415,
    );
    const metrics = await (await fetch(`${loki.url}/metrics`)).text();
    assert.match(metrics, /^loki_standin_requests_refused_total\{reason="decode"\} 3$/m);
    assert.match(
      metrics,
      /^loki_distributor_lines_received_total\{tenant="fake"\} 6$/m,
      'the refused bodies stored nothing',
    );
  });

  test('memory stays bounded: the newest lines are kept', async () => {
    const small = await new LokiStandIn({ mapping: otlpMappingFromConfig(CONFIG), maxLines: 3 }).start();
    try {
      small.ingest(Request.toObject(Request.decode(encode(REQUEST)), { longs: String }));
      small.ingest(Request.toObject(Request.decode(encode(REQUEST)), { longs: String }));
      assert.equal(small.size, 3);
      const res = await fetch(`${small.url}/metrics`);
      assert.match(await res.text(), /^loki_standin_lines_evicted_total 5$/m);
    } finally {
      await small.stop();
    }
  });
});

describe('log queries', () => {
  test('stream selectors: =, !=, =~, !~ on index labels', async () => {
    assert.deepEqual(lines((await range('{service_name=~"order-.*"}')).body), [
      'order-service: slow reservation',
      'order-service: checkout failed: out of stock',
      'order-service: cart updated',
    ]);
    assert.deepEqual(lines((await range('{service_namespace="shopscope", service_name!="order-service"}')).body), [
      'user-service: login failed',
      'frontend: GET /checkout',
    ]);
    assert.deepEqual(lines((await range('{service_name=~".+", service_name!~"(order|user|product)-service"}')).body), [
      'frontend: GET /checkout',
    ]);
    assert.deepEqual(lines((await range(`{trace_id="${TRACE}"}`)).body), [], 'structured metadata is no stream label');
  });

  test('line filters: |=, !=, |~, !~ (chained)', async () => {
    assert.deepEqual(lines((await range('{service_namespace="shopscope"} |= "check"')).body), [
      'frontend: GET /checkout',
      'order-service: checkout failed: out of stock',
    ]);
    assert.deepEqual(lines((await range('{service_name="order-service"} != "check"')).body), [
      'order-service: slow reservation',
      'order-service: cart updated',
    ]);
    assert.deepEqual(lines((await range('{service_name="order-service"} |~ `fail(ed)?: \\w+`')).body), [
      'order-service: checkout failed: out of stock',
    ]);
    assert.deepEqual(lines((await range('{service_name="order-service"} !~ "^(cart|slow)" |= "stock"')).body), [
      'order-service: checkout failed: out of stock',
    ]);
    // The logs dashboard with an empty search box: `|~ ``` matches every line.
    assert.equal(lines((await range('{service_name=~".+"} |~ ``')).body).length, 6);
  });

  test('label filters on structured metadata and labels', async () => {
    assert.deepEqual(lines((await range('{service_name=~".+"} | detected_level=~"error|warn|fatal" |~ ``')).body), [
      'product-service: stock low',
      'user-service: login failed',
      'order-service: slow reservation',
      'order-service: checkout failed: out of stock',
    ]);
    // The Jaeger datasource's trace-to-logs query (grafana/provisioning/datasources).
    assert.deepEqual(lines((await range(`{service_namespace="shopscope"} | trace_id="${TRACE}"`)).body), [
      'frontend: GET /checkout',
      'order-service: cart updated',
    ]);
    assert.deepEqual(
      lines((await range('{service_namespace="shopscope"} | trace_id != "" | service_name="frontend"')).body),
      ['frontend: GET /checkout'],
    );
    assert.deepEqual(
      lines((await range('{service_name="order-service"} | detected_level="error", status="500"')).body),
      ['order-service: checkout failed: out of stock'],
    );
    assert.deepEqual(
      lines((await range('{service_name="order-service"} | status="500" and detected_level="info"')).body),
      [],
    );
  });

  test('limit, direction, start/end (end excluded) and since', async () => {
    const newest = await range('{service_namespace="shopscope"}', { limit: 1 });
    assert.deepEqual(lines(newest.body), ['user-service: login failed']);
    const oldest = await range('{service_namespace="shopscope"}', { limit: 2, direction: 'forward' });
    assert.deepEqual(lines(oldest.body), [
      'order-service: checkout failed: out of stock',
      'order-service: cart updated',
    ]);
    assert.deepEqual(oldest.body.data.result[0].values.length, 1);
    const window = await range('{service_namespace="shopscope"}', { start: ns(-40), end: ns(-30) });
    assert.deepEqual(lines(window.body), ['frontend: GET /checkout', 'order-service: checkout failed: out of stock']);
    const seconds = await range('{service_namespace="shopscope"}', { start: String(T - 40), end: `${T - 30}.5` });
    assert.equal(lines(seconds.body).length, 3, 'Unix seconds, with a fraction');
    const rfc3339 = await range('{service_namespace="shopscope"}', {
      start: new Date((T - 40) * 1000).toISOString(),
      end: ns(-30),
    });
    assert.equal(lines(rfc3339.body).length, 2);
    // validate.sh: `since=1h`, no start or end.
    const since = await get('/loki/api/v1/query_range', {
      query: '{service_name="frontend"} | trace_id != ""',
      limit: 5,
      since: '1h',
    });
    assert.equal(since.status, 200, since.text);
    assert.match(since.text, new RegExp(`"trace_id":"${TRACE}"`));
  });
});

describe('metric queries', () => {
  const STEPS = { start: ns(-60), end: ns(0), step: '10s' };
  const at = (s: number) => T + s;

  test('count_over_time by service over (t - range, t], steps without lines omitted', async () => {
    const r = await range('sum by (service_name) (count_over_time({service_namespace="shopscope"} [20s]))', STEPS);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.data.resultType, 'matrix');
    const byService = Object.fromEntries(r.body.data.result.map((s: LokiSeries) => [s.metric.service_name, s]));
    assert.deepEqual(byService['order-service'], {
      metric: { service_name: 'order-service' },
      values: [
        [at(-50), '1'],
        [at(-40), '2'],
        [at(-30), '2'],
        [at(-20), '1'],
      ],
    });
    assert.deepEqual(byService.frontend.values, [
      [at(-30), '1'],
      [at(-20), '1'],
    ]);
    assert.deepEqual(byService['user-service'].values, [
      [at(-20), '1'],
      [at(-10), '1'],
    ]);
  });

  test('rate by detected_level, as the logs dashboard asks it (empty search, $__auto step)', async () => {
    const r = await range('sum by (detected_level) (rate({service_name=~".+"} |~ `` [20s]))', STEPS);
    assert.equal(r.status, 200, r.text);
    const byLevel = Object.fromEntries(r.body.data.result.map((s: LokiSeries) => [s.metric.detected_level, s.values]));
    assert.deepEqual(Object.keys(byLevel).sort(), ['error', 'info', 'warn']);
    // info: order T-50, frontend T-35.
    assert.deepEqual(byLevel.info, [
      [at(-50), '0.05'],
      [at(-40), '0.05'],
      [at(-30), '0.05'],
      [at(-20), '0.05'],
    ]);
    // error: order T-40, product T-15.
    assert.deepEqual(byLevel.error, [
      [at(-40), '0.05'],
      [at(-30), '0.05'],
      [at(-10), '0.05'],
      [at(0), '0.05'],
    ]);
    // Summing per-line series first (the general path) gives the same answer as counting
    // each group's lines directly (the path `sum by` over a range aggregation takes).
    const general = await range(
      'sum by (detected_level) (sum without () (rate({service_name=~".+"} |~ `` [20s])))',
      STEPS,
    );
    assert.deepEqual(
      Object.fromEntries(general.body.data.result.map((s: LokiSeries) => [s.metric.detected_level, s.values])),
      byLevel,
    );
  });

  test('without aggregation, each label set (index labels and structured metadata) is a series', async () => {
    const r = await range('count_over_time({service_name="order-service"} | detected_level="error" [1m])', {
      ...STEPS,
      step: '60s',
    });
    assert.equal(r.body.data.result.length, 1);
    assert.equal(r.body.data.result[0].metric.status, '500');
    assert.deepEqual(r.body.data.result[0].values, [[at(0), '1']]);
    const without = await range('sum without (service_instance_id) (count_over_time({service_name="frontend"}[1m]))', {
      ...STEPS,
      step: '60s',
    });
    assert.equal(without.body.data.result[0].metric.service_instance_id, undefined);
    assert.equal(without.body.data.result[0].metric.trace_id, TRACE);
  });

  test("the lab's error count per service, as an instant query: a vector", async () => {
    const r = await get('/loki/api/v1/query', {
      query: 'sum by (service_name) (count_over_time({service_namespace="shopscope"} | detected_level="error" [1m]))',
      time: ns(0),
    });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.body.data.resultType, 'vector');
    const result = Object.fromEntries(r.body.data.result.map((s: LokiSeries) => [s.metric.service_name, s.value]));
    // product-service's line (OTLP JSON, above) has no service.namespace: not selected.
    assert.deepEqual(result, { 'order-service': [at(0), '1'] });
    const stock = await get('/loki/api/v1/query', {
      query: 'count_over_time({service_name=~".+"} |= "stock" [1m])',
      time: ns(0),
    });
    assert.deepEqual(stock.body.data.result.map((s: LokiSeries) => s.metric.service_name).sort(), [
      'order-service',
      'product-service',
    ]);
    const max = await get('/loki/api/v1/query', {
      query: 'max(sum by (service_name) (count_over_time({service_namespace="shopscope"}[1m])))',
      time: ns(0),
    });
    assert.deepEqual(max.body.data.result, [{ metric: {}, value: [at(0), '3'] }]);
  });
});

describe('what it does not implement: 400, never a wrong answer', () => {
  const cases: [string, RegExp][] = [
    ['{service_name="frontend"} | json', /unsupported by the Loki stand-in.*LabelParser/],
    ['{service_name="frontend"} | logfmt | level="error"', /unsupported by the Loki stand-in/],
    ['{service_name="frontend"} | line_format "{{.x}}"', /unsupported by the Loki stand-in/],
    ['{service_name="frontend"} |= "a" or "b"', /unsupported by the Loki stand-in/],
    ['{service_name="frontend"} | a="1" or b="2"', /unsupported by the Loki stand-in/],
    ['{service_name="frontend"} |> "<_> /checkout"', /unsupported by the Loki stand-in/],
    ['{service_name="frontend"} | status > 400', /unsupported by the Loki stand-in.*NumberFilter/],
    ['topk(1, rate({service_name="frontend"}[1m]))', /unsupported by the Loki stand-in/],
    ['rate({service_name="frontend"}[1m] offset 5m)', /unsupported by the Loki stand-in.*OffsetExpr/],
    ['bytes_over_time({service_name="frontend"}[1m])', /unsupported by the Loki stand-in.*range function/],
    ['count_over_time({service_name="frontend"}[1m]) > 1', /unsupported by the Loki stand-in.*BinOpExpr/],
    ['{service_name=~"[[:alpha:]]+"}', /unsupported by the Loki stand-in.*POSIX/],
    ['{service_name="frontend"} |~ "(?=x)"', /error parsing regexp/],
    ['{service_name="frontend"', /^parse error at line 1, col \d+/],
    ['{service_name=~".*"}', /at least one regexp or equality matcher that does not have an empty-compatible value/],
    ['', /parse error/],
  ];
  for (const [query, message] of cases) {
    test(query || '(empty query)', async () => {
      const r = await range(query);
      assert.equal(r.status, 400, r.text);
      assert.match(r.text, message);
    });
  }

  test('a log query as an instant query, too many lines, too many points', async () => {
    const instant = await get('/loki/api/v1/query', { query: '{service_name="frontend"}' });
    assert.equal(instant.status, 400);
    assert.match(instant.text, /log queries are not supported as an instant query type/);
    const limit = await range('{service_name="frontend"}', { limit: 5001 });
    assert.equal(limit.status, 400);
    assert.match(limit.text, /max entries limit per query exceeded/);
    const points = await range('count_over_time({service_name="frontend"}[1m])', { step: '1ms' });
    assert.equal(points.status, 400);
    assert.match(points.text, /exceeded maximum resolution of 11000 points/);
  });

  test('loki/config.yaml settings it does not implement are refused, not ignored', () => {
    const withConfig = (otlp: object) => ({ limits_config: { ...CONFIG.limits_config, otlp_config: otlp } });
    assert.deepEqual(otlpMappingFromConfig(CONFIG), {
      indexLabels: ['service.name', 'service.namespace', 'deployment.environment.name'],
      discoverLogLevels: true,
    });
    assert.throws(
      () => otlpMappingFromConfig(withConfig({ resource_attributes: { attributes_config: [] } })),
      /ignore_defaults/,
    );
    assert.throws(() => otlpMappingFromConfig(withConfig({ log_attributes: [] })), /otlp_config\.log_attributes/);
    assert.throws(
      () =>
        otlpMappingFromConfig(
          withConfig({
            resource_attributes: { ignore_defaults: true, attributes_config: [{ action: 'drop', attributes: ['x'] }] },
          }),
        ),
      /action drop/,
    );
    assert.throws(
      () => otlpMappingFromConfig({ limits_config: { ...CONFIG.limits_config, allow_structured_metadata: false } }),
      /allow_structured_metadata/,
    );
  });
});

describe('helpers', () => {
  test('detected_level from severity number, else text', () => {
    assert.deepEqual(
      [1, 5, 9, 12, 13, 17, 21, 24].map((n) => detectedLevel(n, '')),
      ['trace', 'debug', 'info', 'info', 'warn', 'error', 'fatal', 'fatal'],
    );
    assert.equal(detectedLevel(0, 'WARNING'), 'warn');
    assert.equal(detectedLevel(0, ''), 'unknown');
  });

  test('time parameters and numbers as Loki writes them', () => {
    assert.equal(parseTime('1700000000', 'start'), 1_700_000_000_000_000_000n);
    assert.equal(parseTime('1700000000123456789', 'start'), 1_700_000_000_123_456_789n);
    assert.equal(parseTime('1700000000.25', 'start'), 1_700_000_000_250_000_000n);
    assert.equal(parseTime('2023-11-14T22:13:20.000000001Z', 'start'), 1_700_000_000_000_000_001n);
    assert.equal(formatFloat(1 / 60), '0.016666666666666666');
    assert.equal(formatFloat(1e-7), '0.0000001');
    assert.equal(formatFloat(3), '3');
    assert.equal(compileQuery('{a="b"}').kind, 'log');
  });
});
