/**
 * The five failure scripts of scripts/ run for real, end to end, against the native stack
 * (native-stack.ts: the real services, collector, Prometheus with the repository's rules,
 * Alertmanager, Jaeger and Loki on loopback). Each script gets the stack's URLs in its
 * environment; its container commands (`docker compose kill|stop|start <name>`) act on
 * the native processes through native-control.ts. Each must inject its failure, see its
 * alert fire, restore, see it resolve and exit 0; the test checks the same in Prometheus
 * on its own (the ALERTS series: not firing before, firing when the script said so, not
 * firing after) and that what was broken works again.
 *
 * Timings are the real ones: every `for:` and 5-minute window of prometheus/rules is
 * unchanged; only the rule evaluation interval (5 s instead of 15 s) and the services'
 * metric export interval (2 s instead of 10 s) are shorter here, so alerts fire a little
 * sooner than on a laptop. HighLatencyP95 and HighErrorRate resolve only once their bad
 * requests leave the 5-minute window, so the scripts that cannot interfere run at the
 * same time: latency on user-service, errors on product-service, a crash of
 * order-service, and the short negative runs. Stopping the database (natively one
 * MariaDB server holds the three databases, so every backend loses its database) and
 * stopping the collector (every alert but CollectorDown needs its data) come after,
 * one at a time. About 10 minutes.
 *
 *   node --test tests/stack/failure-scripts.test.ts      # Node 24
 */
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { call } from '../src/harness/http.ts';
import { loadDashboards } from './grafana-standin.ts';
import { repoPath } from './lib.ts';
import { NativeControl, runScript, type ScriptResult, stackEnv } from './native-control.ts';
import { ADMIN_TOKEN, NativeStack, SERVICE_NAMES, type ServiceName, until } from './native-stack.ts';
import { PrometheusApi } from './stack-api.ts';

const started = Date.now();
function note(message: string): void {
  process.stderr.write(`# [failure-scripts +${((Date.now() - started) / 1000).toFixed(1)} s] ${message}\n`);
}

let stack: NativeStack;
let control: NativeControl;
let prom: PrometheusApi;
/** A directory with `docker` → native-control.sh, to run a script with its default commands. */
let fakeDockerDir: string;
/** "ServiceDown fired after 37 s, resolved 8 s after the restore", per script, for the summary. */
const timings: string[] = [];

interface Scenario {
  script: string;
  args?: string[];
  alert: string;
  /** The service_name label of the alert (none for CollectorDown). */
  service?: ServiceName;
  /** The container commands the script is expected to run, in order. */
  actions?: string[];
  env?: Record<string, string>;
  timeoutMs: number;
}

interface Outcome {
  result: ScriptResult;
  firedAfter: number;
  resolvedAfter: number;
}

function alertSelector(alert: string, service?: string, state?: string): string {
  return `ALERTS{alertname="${alert}"${service ? `, service_name="${service}"` : ''}${state ? `, alertstate="${state}"` : ''}}`;
}

/** The series of ALERTS matching, at a past moment (ms). */
async function alertsAt(alert: string, service: string | undefined, state: string | undefined, atMs: number) {
  const r = await prom.query(alertSelector(alert, service, state), atMs / 1000);
  assert.equal(r.error, undefined, r.error);
  return r.result;
}

/** Every Grafana dashboard uid a script's output links to exists in grafana/dashboards. */
function assertLinksResolve(output: string, alert: string): void {
  const uids = new Set([...loadDashboards().values()].map((d) => d.uid));
  const linked = [...output.matchAll(/\/d\/([\w-]+)/g)].map((m) => m[1] ?? '');
  assert.ok(linked.length > 0, 'the script links to a Grafana dashboard');
  for (const uid of linked) assert.ok(uids.has(uid), `the script links to /d/${uid}, which grafana/dashboards lacks`);
  assert.ok(output.includes(`docs/runbooks/${alert}.md`), 'the script names the runbook');
}

/**
 * Runs a failure script to the end and checks it did what it says: exit 0, "<alert> fired
 * after N s" and "<alert> resolved after M s", the alert seen firing by Prometheus at that
 * moment and not before the script nor after it, and the expected container commands.
 */
async function runFailureScript(scenario: Scenario): Promise<Outcome> {
  const { alert, service } = scenario;
  const label = `${scenario.script} ${(scenario.args ?? []).join(' ')}`.trim();
  const actionsBefore = control.actions.length;
  const startedAt = Date.now();
  let firedAt = 0;
  note(`${label}: started`);
  const result = await runScript(
    scenario.script,
    scenario.args ?? [],
    stackEnv(stack, { ...control.commandEnv(), POLL_INTERVAL: '1', ...scenario.env }),
    {
      timeoutMs: scenario.timeoutMs,
      onLine: (line) => {
        if (line.startsWith(`${alert} fired after`)) firedAt = Date.now();
        if (/(fired|resolved) after|did not|ERROR|WARNING/.test(line)) note(`${label}: ${line}`);
      },
    },
  );
  const endedAt = Date.now();
  const fired = new RegExp(`^${alert} fired after (\\d+) s$`, 'm').exec(result.output);
  const resolved = new RegExp(`^${alert} resolved after (\\d+) s$`, 'm').exec(result.output);
  assert.equal(result.code, 0, `${label} exited ${result.code}:\n${result.output}\n${stack.logTails()}`);
  assert.ok(fired && resolved, result.output);
  assert.match(result.output, new RegExp(`^Done: ${alert} fired and resolved\\.$`, 'm'));
  assertLinksResolve(result.output, alert);

  // Prometheus agrees: not firing when the script started, firing when it said so, not
  // firing (nor pending) once it said it resolved.
  assert.deepEqual(await alertsAt(alert, service, 'firing', startedAt), [], `${alert} was firing before ${label}`);
  const firing = await alertsAt(alert, service, 'firing', firedAt);
  assert.equal(firing.length, 1, `${alert}${service ? ` for ${service}` : ''} firing in Prometheus when ${label} said so`);
  assert.equal(firing[0]?.metric.alertname, alert);
  if (service) assert.equal(firing[0]?.metric.service_name, service);
  assert.deepEqual(await alertsAt(alert, service, undefined, endedAt), [], `${alert} still active after ${label}`);
  if (scenario.actions) assert.deepEqual(actionsOn(scenario.actions, actionsBefore), scenario.actions);

  const outcome = { result, firedAfter: Number(fired[1]), resolvedAfter: Number(resolved[1]) };
  timings.push(
    `${alert}${service ? `{${service}}` : ''} fired after ${outcome.firedAfter} s, resolved ${outcome.resolvedAfter} s after the restore (script ${Math.round(result.durationMs / 1000)} s)`,
  );
  return outcome;
}

async function faultsOf(service: ServiceName): Promise<unknown> {
  const res = await call(stack.service(service).url, 'GET', '/admin/faults', { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  assert.equal(res.status, 200);
  return res.body.result;
}

const NO_FAULT = { latency_ms: 0, jitter_ms: 0, error_rate: 0 };

/**
 * The control actions since index `since` on the names `expected` names ("kill frontend"
 * → frontend): scripts running at the same time act on other names.
 */
function actionsOn(expected: string[], since: number): string[] {
  const names = new Set(expected.map((action) => action.split(' ')[1]));
  return control.actions.slice(since).filter((action) => names.has(action.split(' ')[1]));
}

before(
  async () => {
    stack = await NativeStack.start(note);
    control = await NativeControl.start(stack);
    prom = new PrometheusApi(stack.prometheusUrl);
    // The collector's first /readyz probes ran before the services were up: wait until
    // every service answers them and the ServiceDown those made pending has cleared, so
    // that each script starts from a quiet stack.
    await until(
      'every service probed up, and no ServiceDown or DatabaseUnavailable pending',
      async () => {
        const up = await prom.samples('max by (service_name) (httpcheck_status{http_status_class="2xx"}) == 1');
        const active = (await prom.alerts()).filter((a) => ['ServiceDown', 'DatabaseUnavailable'].includes(a.labels.alertname ?? ''));
        return up.length === SERVICE_NAMES.length && active.length === 0;
      },
      { timeoutMs: 150_000, intervalMs: 2_000, fatal: () => stack.problem() },
    );
    note('stack settled: every service probed up, no alert pending');
    fakeDockerDir = mkdtempSync(path.join(tmpdir(), 'shopscope-fake-docker-'));
    symlinkSync(repoPath('tests/stack/native-control.sh'), path.join(fakeDockerDir, 'docker'));
    chmodSync(repoPath('tests/stack/native-control.sh'), 0o755);
  },
  { timeout: 300_000 },
);

after(
  async () => {
    await control?.close();
    await stack?.stop();
    if (fakeDockerDir) rmSync(fakeDockerDir, { recursive: true, force: true });
    if (timings.length > 0) {
      const line = `failure scripts on the native stack (${((Date.now() - started) / 60_000).toFixed(1)} min): ${timings.join('; ')}`;
      process.stderr.write(`# ${line}\n`);
    }
  },
  { timeout: 120_000 },
);

describe('failures that do not interfere, at the same time', { concurrency: true }, () => {
  test('inject-latency.sh on user-service: HighLatencyP95 fires and resolves', { timeout: 900_000 }, async (t) => {
    const { firedAfter, resolvedAfter } = await runFailureScript({
      script: 'inject-latency.sh',
      args: ['--service', 'user-service'],
      alert: 'HighLatencyP95',
      service: 'user-service',
      timeoutMs: 840_000,
    });
    t.diagnostic(`HighLatencyP95 fired after ${firedAfter} s, resolved ${resolvedAfter} s after the restore`);
    // for: 2m — it cannot fire sooner.
    assert.ok(firedAfter >= 120, `fired after ${firedAfter} s`);
    assert.deepEqual(await faultsOf('user-service'), NO_FAULT);
  });

  test('inject-errors.sh (product-service by default): HighErrorRate fires and resolves', { timeout: 900_000 }, async (t) => {
    const { firedAfter, resolvedAfter } = await runFailureScript({
      script: 'inject-errors.sh',
      alert: 'HighErrorRate',
      service: 'product-service',
      timeoutMs: 840_000,
    });
    t.diagnostic(`HighErrorRate fired after ${firedAfter} s, resolved ${resolvedAfter} s after the restore`);
    assert.ok(firedAfter >= 60, `fired after ${firedAfter} s (for: 1m)`);
    assert.deepEqual(await faultsOf('product-service'), NO_FAULT);
  });

  test('crash-service.sh (order-service, docker compose kill/start by default): ServiceDown', { timeout: 600_000 }, async (t) => {
    // No SHOPSCOPE_*_CMD: the script runs its defaults, `docker compose kill order-service`
    // and `docker compose start order-service`, here a `docker` that is native-control.sh.
    const { firedAfter, resolvedAfter } = await runFailureScript({
      script: 'crash-service.sh',
      alert: 'ServiceDown',
      service: 'order-service',
      actions: ['kill order-service', 'start order-service'],
      env: {
        PATH: `${fakeDockerDir}:${process.env.PATH}`,
        SHOPSCOPE_KILL_CMD: '',
        SHOPSCOPE_STOP_CMD: '',
        SHOPSCOPE_START_CMD: '',
      },
      timeoutMs: 480_000,
    });
    t.diagnostic(`ServiceDown fired after ${firedAfter} s, resolved ${resolvedAfter} s after the restore`);
    assert.ok(firedAfter >= 30, `fired after ${firedAfter} s (for: 30s)`);
    assert.equal((await call(stack.service('order-service').url, 'GET', '/readyz')).status, 200);

    // Ctrl-C in the middle of a run restores too: inject-latency.sh on order-service is
    // interrupted while it waits for the alert.
    let faultWhileRunning: unknown;
    const interrupted = await runScript('inject-latency.sh', ['--service', 'order-service'], stackEnv(stack, control.commandEnv()), {
      timeoutMs: 240_000,
      onLine: (line, signal) => {
        if (!line.startsWith('==> Waiting for HighLatencyP95')) return;
        // The fault is set: note it, then press Ctrl-C.
        faultsOf('order-service').then(
          (faults) => {
            faultWhileRunning = faults;
            signal('SIGINT');
          },
          () => signal('SIGINT'),
        );
      },
    });
    assert.deepEqual(faultWhileRunning, { latency_ms: 1000, jitter_ms: 500, error_rate: 0 }, 'the fault was set while it waited');
    assert.equal(interrupted.code, 130, interrupted.output);
    assert.match(interrupted.output, /interrupted: restoring before exiting/);
    assert.deepEqual(await faultsOf('order-service'), NO_FAULT, 'Ctrl-C cleared the fault');
  });

  test('a run whose alert cannot fire in time exits 1, and still restores', { timeout: 300_000 }, async () => {
    const before = control.actions.length;
    const result = await runScript(
      'crash-service.sh',
      ['--service', 'frontend', '--timeout', '5'],
      stackEnv(stack, { ...control.commandEnv(), POLL_INTERVAL: '1' }),
      { timeoutMs: 240_000 },
    );
    assert.equal(result.code, 1, result.output);
    assert.match(result.output, /^ERROR: ServiceDown did not fire within 5 s \(it is (inactive|pending)\)\. Restoring anyway\.$/m);
    assert.doesNotMatch(result.output, /fired after|resolved after/);
    assert.deepEqual(actionsOn(['kill frontend', 'start frontend'], before), ['kill frontend', 'start frontend']);
    assert.equal((await call(stack.service('frontend').url, 'GET', '/readyz')).status, 200, 'the frontend runs again');
    // Nothing is done when the stack is not where the script expects it: exit 2.
    const unreachable = await runScript(
      'inject-errors.sh',
      ['--service', 'frontend'],
      stackEnv(stack, { ...control.commandEnv(), PROMETHEUS_URL: 'http://127.0.0.1:9' }),
      { timeoutMs: 60_000 },
    );
    assert.equal(unreachable.code, 2, unreachable.output);
    assert.match(unreachable.output, /^ERROR: Prometheus does not answer at http:\/\/127\.0\.0\.1:9 /m);
    assert.doesNotMatch(unreachable.output, /Injecting/);
    assert.deepEqual(await faultsOf('frontend'), NO_FAULT);
  });
});

describe('failures of shared parts, one at a time', () => {
  test('stop-database.sh (order-db by default): DatabaseUnavailable fires and resolves', { timeout: 600_000 }, async (t) => {
    const { firedAfter, resolvedAfter } = await runFailureScript({
      script: 'stop-database.sh',
      alert: 'DatabaseUnavailable',
      service: 'order-service',
      actions: ['stop order-db', 'start order-db'],
      timeoutMs: 480_000,
    });
    t.diagnostic(`DatabaseUnavailable fired after ${firedAfter} s, resolved ${resolvedAfter} s after the restore`);
    assert.ok(firedAfter >= 30, `fired after ${firedAfter} s (for: 30s)`);
    for (const name of ['user-service', 'product-service', 'order-service'] as const) {
      assert.equal((await call(stack.service(name).url, 'GET', '/readyz')).status, 200, `${name} has its database again`);
    }
  });

  test('stop-collector.sh: CollectorDown fires and resolves', { timeout: 600_000 }, async (t) => {
    const { firedAfter, resolvedAfter } = await runFailureScript({
      script: 'stop-collector.sh',
      alert: 'CollectorDown',
      actions: ['stop otel-collector', 'start otel-collector'],
      timeoutMs: 480_000,
    });
    t.diagnostic(`CollectorDown fired after ${firedAfter} s, resolved ${resolvedAfter} s after the restore`);
    assert.ok(firedAfter >= 60, `fired after ${firedAfter} s (for: 1m)`);
    const health = await fetch(stack.collectorHealthUrl);
    assert.equal(health.status, 200);
  });

  test('summary', (t) => {
    for (const line of timings) t.diagnostic(line);
    assert.equal(timings.length, 5, 'the five failure scripts ran to the end');
  });
});
