/**
 * scripts/validate.sh run for real against the native stack (native-stack.ts): the real
 * services, collector, Prometheus, Alertmanager and Jaeger on loopback, and the Loki
 * stand-in (loki-standin.ts; Loki is AGPL and not built), with the script's URLs pointing
 * at them. Two more things are stood in:
 * - Grafana, by grafana-api-standin.ts: the part of Grafana's HTTP API validate.sh calls,
 *   answering from the repository's provisioning files;
 * - the `docker` command, for the containers check only: a script on PATH that prints what
 *   `docker compose config --services` and `docker compose ps --format …` print, for the
 *   services of docker-compose.yml (read by compose-go through stack-check).
 *
 * It checks that a healthy stack passes every check ("N passed, 0 failed", exit 0, N the
 * number of checks), that --no-traffic and SHOPSCOPE_SKIP_CONTAINERS=1 skip what they
 * say, and that broken parts (Loki unreachable, a database container exited, a dashboard
 * missing from Grafana) fail exactly their checks with a non-zero exit.
 *
 *   node --test tests/stack/validate.test.ts      # Node 24; about 2 minutes
 */
import assert from 'node:assert/strict';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { freePort } from '../../tools/stack/ports.ts';
import { GrafanaApiStandIn } from './grafana-api-standin.ts';
import { readRepoFile, readYaml, repoPath, requireTool, runOk } from '../../tools/stack/repo.ts';
import { runScript, type ScriptResult, stackEnv } from './scripts-runner.ts';
import { NativeStack, SERVICE_NAMES } from '../../tools/stack/native-stack.ts';

const started = Date.now();
function note(message: string): void {
  process.stderr.write(`# [validate +${((Date.now() - started) / 1000).toFixed(1)} s] ${message}\n`);
}

let stack: NativeStack;
let grafana: GrafanaApiStandIn;
let workDir: string;
/** A directory whose `docker` prints canned `docker compose` answers (see fakeDocker). */
let dockerDir: string;
let composeServices: string[];

const DATASOURCE_UIDS: string[] = [];
const DASHBOARD_UIDS: string[] = [];

/**
 * The checks validate.sh makes, by name, as the test expects them: one per service for
 * /readyz, Jaeger, RED metrics and Loki; one per provisioned datasource; one each for the
 * rest. `containers` and the checkout are left out by the options that skip them.
 */
function expectedChecks({ containers, traffic }: { containers: boolean; traffic: boolean }): string[] {
  return [
    ...(containers ? ['containers'] : []),
    ...SERVICE_NAMES.map((s) => `readyz ${s}`),
    ...(traffic ? ['checkout through the APIs'] : []),
    ...SERVICE_NAMES.map((s) => `Jaeger traces ${s}`),
    'Jaeger trace across services',
    ...SERVICE_NAMES.map((s) => `Prometheus RED metrics ${s}`),
    'Prometheus recording rules',
    ...['user-db', 'product-db', 'order-db'].map((db) => `Prometheus database metrics ${db}`),
    ...SERVICE_NAMES.map((s) => `Loki logs with trace_id ${s}`),
    'Grafana health',
    ...DATASOURCE_UIDS.map((uid) => `Grafana datasource ${uid}`),
    'Grafana dashboards',
    'Prometheus rules loaded',
    'Alertmanager',
    'Alertmanager receives alerts',
    'collector health',
    'collector not dropping data',
  ];
}

interface Report {
  lines: { word: string; name: string; detail: string }[];
  summary: string;
}

/** The report lines of validate.sh: `WORD  name (padded)  detail`, and the last line. */
function parseReport(result: ScriptResult, names: string[]): Report {
  const lines: Report['lines'] = [];
  for (const line of result.output.split('\n')) {
    const match = /^(PASS|FAIL|SKIP) {2}(.*)$/.exec(line);
    if (!match) continue;
    const rest = match[2] ?? '';
    // Names have spaces too: the longest known name the line starts with.
    const name = names.filter((n) => rest.startsWith(`${n} `) || rest === n).sort((a, b) => b.length - a.length)[0];
    assert.ok(name, `a report line with an unknown check: ${line}`);
    lines.push({ word: match[1] ?? '', name, detail: rest.slice(name.length).trim() });
  }
  const output = result.output.trimEnd().split('\n');
  const summary = output.at(-1) ?? '';
  // Nothing else: a header, one line per check, the summary (no stray error output).
  assert.match(output[0] ?? '', /^ShopScope pipeline check — /);
  assert.equal(output.length, lines.length + 2, `only report lines:\n${result.output}`);
  assert.match(summary, /^\d+ passed, \d+ failed$/);
  return { lines, summary };
}

/**
 * Writes the canned `docker` answers: every service of docker-compose.yml (outside
 * profiles) running and healthy, the one-shot job exited 0 — unless `broken` says
 * otherwise for a service ("exited||0" = stopped by `docker compose stop`).
 */
function fakeDocker(broken: Record<string, string> = {}): void {
  writeFileSync(path.join(dockerDir, 'services'), `${composeServices.join('\n')}\n`);
  const ps = composeServices.map((s) => {
    if (broken[s]) return `${s}|${broken[s]}`;
    return s === 'healthcheck-tools' ? `${s}|exited||0` : `${s}|running|healthy|0`;
  });
  writeFileSync(path.join(dockerDir, 'ps'), `${ps.join('\n')}\n`);
}

function validate(args: string[], extra: Record<string, string> = {}): Promise<ScriptResult> {
  return runScript('validate.sh', args, stackEnv(stack, { GRAFANA_URL: grafana.url, ...extra }), {
    timeoutMs: 240_000,
  });
}

before(
  async () => {
    for (const d of readYaml<{ datasources: { uid: string }[] }>('grafana/provisioning/datasources/datasources.yaml')
      .datasources) {
      DATASOURCE_UIDS.push(d.uid);
    }
    for (const file of readdirSync(repoPath('grafana/dashboards'))
      .filter((f) => f.endsWith('.json'))
      .sort()) {
      DASHBOARD_UIDS.push(JSON.parse(readRepoFile('grafana/dashboards', file)).uid);
    }
    const project = JSON.parse(
      runOk(requireTool('STACK_CHECK'), [
        'compose',
        '-env-file',
        repoPath('.env.example'),
        repoPath('docker-compose.yml'),
      ]),
    );
    composeServices = Object.entries<any>(project.services)
      .filter(([, s]) => !s.profiles?.length)
      .map(([name]) => name)
      .sort();

    workDir = mkdtempSync(path.join(tmpdir(), 'shopscope-validate-'));
    dockerDir = path.join(workDir, 'bin');
    mkdirSync(dockerDir);
    writeFileSync(
      path.join(dockerDir, 'docker'),
      [
        '#!/bin/sh',
        '# validate.test.ts: stands in for `docker compose config --services` and `docker compose ps`.',
        'dir=$(dirname "$0")',
        'case "$*" in',
        '  "compose config --services") cat "$dir/services" ;;',
        '  "compose ps --all --format {{.Service}}|{{.State}}|{{.Health}}|{{.ExitCode}}") cat "$dir/ps" ;;',
        '  *) echo "fake docker: unexpected arguments: $*" >&2; exit 1 ;;',
        'esac',
        '',
      ].join('\n'),
    );
    chmodSync(path.join(dockerDir, 'docker'), 0o755);
    fakeDocker();

    grafana = await GrafanaApiStandIn.start();
    stack = await NativeStack.start(note);
  },
  { timeout: 300_000 },
);

after(
  async () => {
    await stack?.stop();
    await grafana?.close();
    if (workDir) rmSync(workDir, { recursive: true, force: true });
    note('stack stopped');
  },
  { timeout: 120_000 },
);

describe('scripts/validate.sh', () => {
  test('a healthy stack passes every check: "N passed, 0 failed", exit 0', { timeout: 300_000 }, async (t) => {
    grafana.requests.length = 0;
    const names = expectedChecks({ containers: true, traffic: true });
    // The fake docker on PATH and no SHOPSCOPE_*_CMD override: the containers check runs.
    const result = await validate([], { PATH: `${dockerDir}:${process.env.PATH}` });
    t.diagnostic(`validate.sh took ${(result.durationMs / 1000).toFixed(1)} s:\n${result.output}`);
    const report = parseReport(result, names);
    assert.deepEqual(
      report.lines.filter((l) => l.word !== 'PASS'),
      [],
      result.output,
    );
    assert.deepEqual(
      report.lines.map((l) => l.name),
      names,
      'one line per check, in order',
    );
    assert.equal(report.summary, `${names.length} passed, 0 failed`);
    assert.equal(result.code, 0);

    // What the lines say is what the stack holds.
    const detail = (name: string) => report.lines.find((l) => l.name === name)?.detail ?? '';
    assert.match(detail('containers'), new RegExp(`^${composeServices.length} containers running and healthy$`));
    const checkout = /^order (\d+) placed \(trace ([0-9a-f]{32})\)/.exec(detail('checkout through the APIs'));
    assert.ok(checkout, detail('checkout through the APIs'));
    assert.equal(
      detail('Jaeger trace across services'),
      `the checkout's trace ${checkout[2]} crosses order-service product-service user-service`,
    );
    const order = await stack.db?.query<{ id: number }[]>('SELECT id FROM order_db.orders WHERE id = ?', [
      Number(checkout[1]),
    ]);
    assert.equal(order?.length, 1, `order ${checkout[1]} is in order_db`);
    // It did ask Grafana for each provisioned datasource and searched the dashboards.
    for (const uid of DATASOURCE_UIDS) assert.ok(grafana.requests.includes(`GET /api/datasources/uid/${uid}`), uid);
    assert.ok(grafana.requests.some((r) => r.startsWith('GET /api/search?')));
    assert.equal(detail('Grafana dashboards'), `the ${DASHBOARD_UIDS.length} dashboards of grafana/dashboards`);
  });

  test('--no-traffic and SHOPSCOPE_SKIP_CONTAINERS=1 skip the checkout and the containers check; ports from the .env file', {
    timeout: 120_000,
  }, async () => {
    // No URL in the environment: the defaults, http://localhost:<port>, with the ports a
    // learner's .env would set (read from SHOPSCOPE_ENV_FILE instead of the repository's).
    const envFile = path.join(workDir, 'ports.env');
    const ports = {
      FRONTEND_PORT: stack.service('frontend').port,
      USER_SERVICE_PORT: stack.service('user-service').port,
      PRODUCT_SERVICE_PORT: stack.service('product-service').port,
      ORDER_SERVICE_PORT: stack.service('order-service').port,
      PROMETHEUS_PORT: stack.ports.prometheus,
      ALERTMANAGER_PORT: stack.ports.alertmanager,
      JAEGER_UI_PORT: stack.ports.jaegerQuery,
      LOKI_PORT: stack.ports.lokiHttp,
      GRAFANA_PORT: new URL(grafana.url).port,
      COLLECTOR_HEALTH_PORT: stack.ports.collectorHealth,
    };
    writeFileSync(
      envFile,
      `# as in .env.example\n${Object.entries(ports)
        .map(([k, v]) => `${k}=${v}`)
        .join('\n')}\n`,
    );
    const names = expectedChecks({ containers: false, traffic: false });
    const result = await runScript(
      'validate.sh',
      ['--no-traffic'],
      { SHOPSCOPE_ENV_FILE: envFile, SHOPSCOPE_SKIP_CONTAINERS: '1' },
      { timeoutMs: 120_000 },
    );
    const report = parseReport(result, [...names, 'containers']);
    assert.match(
      result.output,
      new RegExp(`^ShopScope pipeline check — Prometheus http://localhost:${ports.PROMETHEUS_PORT},`),
    );
    assert.deepEqual(report.lines[0], {
      word: 'SKIP',
      name: 'containers',
      detail: 'skipped (SHOPSCOPE_SKIP_CONTAINERS=1)',
    });
    assert.deepEqual(
      report.lines.slice(1).filter((l) => l.word !== 'PASS'),
      [],
      result.output,
    );
    assert.equal(report.summary, `${names.length} passed, 0 failed`);
    assert.equal(result.code, 0);
  });

  test('broken parts fail their checks, and only those: exit 1', { timeout: 180_000 }, async (t) => {
    // Loki unreachable, order-db stopped (as `docker compose stop order-db` leaves it), and
    // a Grafana whose dashboards folder lacks one file.
    const closedPort = await freePort();
    fakeDocker({ 'order-db': 'exited||0' });
    const dashboards = path.join(workDir, 'dashboards');
    mkdirSync(dashboards);
    const files = readdirSync(repoPath('grafana/dashboards')).filter((f) => f.endsWith('.json'));
    for (const file of files.slice(1)) copyFileSync(repoPath('grafana/dashboards', file), path.join(dashboards, file));
    const missing = JSON.parse(readRepoFile('grafana/dashboards', files[0] ?? '')).uid;
    const brokenGrafana = await GrafanaApiStandIn.start({ dashboardsDir: dashboards });
    let result: ScriptResult;
    try {
      result = await validate(['--no-traffic'], {
        PATH: `${dockerDir}:${process.env.PATH}`,
        LOKI_URL: `http://127.0.0.1:${closedPort}`,
        GRAFANA_URL: brokenGrafana.url,
      });
    } finally {
      await brokenGrafana.close();
      fakeDocker();
    }
    t.diagnostic(result.output);
    const names = expectedChecks({ containers: true, traffic: false });
    const report = parseReport(result, names);
    const failed = report.lines.filter((l) => l.word === 'FAIL');
    assert.deepEqual(
      failed.map((l) => l.name),
      ['containers', ...SERVICE_NAMES.map((s) => `Loki logs with trace_id ${s}`), 'Grafana dashboards'],
    );
    assert.match(failed[0]?.detail ?? '', /not: order-db exited \(0\)$/);
    assert.match(failed[1]?.detail ?? '', new RegExp(`no answer from http://127\\.0\\.0\\.1:${closedPort}/`));
    assert.equal(
      failed.at(-1)?.detail,
      `missing ${missing} (of the ${DASHBOARD_UIDS.length} dashboards of grafana/dashboards)`,
    );
    assert.equal(report.summary, `${names.length - failed.length} passed, ${failed.length} failed`);
    assert.equal(result.code, 1);
  });
});
