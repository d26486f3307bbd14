/**
 * The telemetry bootstrap on its own: a small app built from @shopscope/common, started
 * with `--require @shopscope/telemetry/register`, exporting over OTLP/gRPC to the
 * in-test receiver. Covers the three signals, context propagation, log correlation,
 * redaction, the resource, and OTEL_SDK_DISABLED.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { OtlpReceiver, SPAN_KIND } from './harness/otlp-receiver.ts';
import { freePort, waitFor } from './harness/ports.ts';
import { REPO_ROOT } from './harness/services.ts';

const SECRET = 'fixture-secret-value-9f8e7d6c5b4a';

async function startFixture(env: Record<string, string>) {
  const port = await freePort();
  const lines: string[] = [];
  const child = spawn(
    process.execPath,
    ['--require', '@shopscope/telemetry/register', path.join(REPO_ROOT, 'tests/fixtures/instrumented-app.cjs')],
    {
      cwd: path.join(REPO_ROOT, 'tests'),
      env: { PATH: process.env.PATH ?? '', PORT: String(port), HOST: '127.0.0.1', FIXTURE_SECRET: SECRET, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  child.stdout.on('data', (d) => lines.push(...String(d).split('\n').filter(Boolean)));
  child.stderr.on('data', (d) => lines.push(...String(d).split('\n').filter(Boolean)));
  const url = `http://127.0.0.1:${port}`;
  await waitFor('fixture app', async () => ((await fetch(`${url}/healthz`)).ok ? true : undefined));
  const stop = async () => {
    if (child.exitCode !== null) return child.exitCode;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    return exited;
  };
  return { url, lines, stop, child };
}

describe('telemetry bootstrap', () => {
  const receiver = new OtlpReceiver();
  let app: Awaited<ReturnType<typeof startFixture>>;

  before(async () => {
    await receiver.start();
    app = await startFixture({
      OTEL_SERVICE_NAME: 'fixture-app',
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
      OTEL_METRIC_EXPORT_INTERVAL: '500',
      OTEL_BSP_SCHEDULE_DELAY: '100',
      OTEL_BLRP_SCHEDULE_DELAY: '100',
    });
  });

  after(async () => {
    await app?.stop();
    await receiver.stop();
  });

  it('exports a propagated trace, correlated logs and metrics, with secrets redacted', async () => {
    const res = await fetch(`${app.url}/downstream`);
    assert.equal(res.status, 200);

    await receiver.waitUntil('the echo.work span', () => receiver.spans.some((s) => s.name === 'echo.work'));
    const work = receiver.spans.find((s) => s.name === 'echo.work')!;
    const trace = receiver.spansOfTrace(work.traceId);
    // Inbound /downstream server span → undici client span → inbound /echo server span → echo.work.
    const servers = trace.filter((s) => s.kind === SPAN_KIND.SERVER);
    assert.equal(servers.length, 2, `two server spans in one trace: ${trace.map((s) => s.name).join(', ')}`);
    assert.ok(
      trace.some((s) => s.kind === SPAN_KIND.CLIENT),
      'the outgoing fetch is a client span',
    );
    const echoServer = servers.find((s) => s.attributes['http.route'] === '/echo');
    assert.ok(echoServer, 'server span carries http.route');
    assert.equal(echoServer.attributes['http.response.status_code'], 200);
    assert.equal(work.attributes['app.api_key'], '[REDACTED]', 'secret-named span attribute is redacted');

    // Resource.
    assert.equal(work.resource['service.namespace'], 'shopscope');
    assert.ok(work.resource['service.instance.id'], 'service.instance.id is set');
    assert.ok(work.resource['deployment.environment.name'], 'deployment.environment.name is set');

    // Logs: the line written inside the request carries that request's ids, on stdout and over OTLP.
    await receiver.waitUntil('the echo log record', () => receiver.logs.some((l) => l.body === 'echo received'));
    const record = receiver.logs.find((l) => l.body === 'echo received')!;
    assert.equal(record.traceId, work.traceId);
    assert.ok(
      trace.some((s) => s.spanId === record.spanId),
      'log span_id is a span of the trace',
    );
    const stdoutLine = app.lines.map((l) => JSON.parse(l)).find((l) => l.msg === 'echo received');
    assert.equal(stdoutLine.trace_id, work.traceId, 'stdout JSON line carries trace_id');
    assert.ok(stdoutLine.span_id, 'stdout JSON line carries span_id');

    // Metrics: stable HTTP server duration in seconds with route and status, business counter.
    await receiver.waitUntil('http.server.request.duration', () =>
      receiver.metrics.some((m) => m.name === 'http.server.request.duration'),
    );
    const duration = receiver.metrics.find((m) => m.name === 'http.server.request.duration')!;
    assert.equal(duration.unit, 's');
    assert.equal(duration.type, 'histogram');
    assert.ok(
      duration.points.some(
        (p) => p.attributes['http.route'] === '/echo' && p.attributes['http.response.status_code'] === 200,
      ),
    );
    await receiver.waitUntil('shopscope.page.views', () =>
      receiver.metrics.some((m) => m.name === 'shopscope.page.views'),
    );
    await receiver.waitUntil('SDK self-observability', () =>
      receiver.metrics.some((m) => m.name === 'otel.sdk.processor.span.processed'),
    );
    // The metric exporter counts its own points (a lost point is counted like a lost span);
    // the count of one export arrives with the next.
    await receiver.waitUntil('the metric exporter counting its points', () =>
      receiver.metrics.some((m) => m.name === 'otel.sdk.exporter.metric_data_point.exported'),
    );

    // Nothing secret anywhere on the wire: not the password in the body, not the bearer token.
    assert.equal(receiver.contains(SECRET), false, 'the secret never reaches the collector');
    assert.ok(!app.lines.some((l) => l.includes(SECRET)), 'the secret is never written to stdout');
  });

  it('shuts down cleanly on SIGTERM, flushing telemetry', async () => {
    const before = receiver.logs.length;
    const code = await app.stop();
    assert.equal(code, 0);
    assert.ok(receiver.logs.length > before, 'the shutdown log lines were flushed over OTLP');
  });
});

describe('OTEL_SDK_DISABLED=true', () => {
  it('runs the same app with no telemetry and no trace ids in logs', async () => {
    const receiver = await new OtlpReceiver().start();
    const app = await startFixture({ OTEL_SDK_DISABLED: 'true', OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint });
    try {
      assert.equal((await fetch(`${app.url}/downstream`)).status, 200);
      await new Promise((r) => setTimeout(r, 1500));
      assert.equal(receiver.rawRequests.length, 0);
      const line = app.lines.map((l) => JSON.parse(l)).find((l) => l.msg === 'echo received');
      assert.ok(line && !line.trace_id);
    } finally {
      await app.stop();
      await receiver.stop();
    }
  });
});
