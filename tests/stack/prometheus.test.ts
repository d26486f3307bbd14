/**
 * Prometheus and Alertmanager configuration: promtool and amtool checks, the rule unit
 * tests, the conventions every alert follows (labels, annotations, runbook), and
 * Alertmanager's routing and inhibition exercised on a real Alertmanager.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { readRepoFile, readYaml, repoPath, requireTool, runOk } from '../../tools/stack/repo.ts';

interface Rule {
  alert?: string;
  record?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

const RULE_DIR = 'prometheus/rules';
const TEST_DIR = 'prometheus/tests';
const RUNBOOK_BASE = 'https://github.com/shopscope/shopscope/blob/main/docs/runbooks/';

let rules: { file: string; rule: Rule }[];
let alerts: Rule[];

function yamlFiles(dir: string): string[] {
  return readdirSync(repoPath(dir))
    .filter((f) => f.endsWith('.yml') || f.endsWith('.yaml'))
    .sort()
    .map((f) => path.join(dir, f));
}

before(() => {
  rules = yamlFiles(RULE_DIR).flatMap((file) =>
    readYaml<{ groups: { rules: Rule[] }[] }>(file).groups.flatMap((g) => g.rules.map((rule) => ({ file, rule }))),
  );
  alerts = rules.map((r) => r.rule).filter((r) => r.alert);
});

describe('Prometheus configuration (promtool)', () => {
  test('promtool check config (and the rule files it names)', () => {
    const out = runOk(requireTool('PROMTOOL'), ['check', 'config', repoPath('prometheus/prometheus.yml')]);
    assert.match(out, /SUCCESS/);
    assert.match(out, /rules found/, 'the rule_files glob finds the rules');
  });

  test('promtool check rules', () => {
    runOk(requireTool('PROMTOOL'), [
      'check',
      'rules',
      '--lint=all',
      '--lint-fatal',
      ...yamlFiles(RULE_DIR).map((f) => repoPath(f)),
    ]);
  });

  test('promtool test rules: the rule unit tests pass', () => {
    const out = runOk(requireTool('PROMTOOL'), ['test', 'rules', ...yamlFiles(TEST_DIR).map((f) => repoPath(f))]);
    assert.doesNotMatch(out, /FAILED/);
  });
});

describe('alert rules', () => {
  test('the alerts the stack promises exist', () => {
    const names = new Set(alerts.map((a) => a.alert));
    for (const name of [
      'ServiceDown',
      'DatabaseUnavailable',
      'HighErrorRate',
      'HighLatencyP95',
      'AvailabilitySLOFastBurn',
      'AvailabilitySLOSlowBurn',
      'LatencySLOFastBurn',
      'LatencySLOSlowBurn',
      'CollectorDown',
      'CollectorRefusingData',
      'CollectorDroppingData',
      'CollectorExportFailing',
      'Watchdog',
    ]) {
      assert.ok(names.has(name), `alert ${name}`);
    }
  });

  test('every alert has severity, summary, description and a runbook that exists', () => {
    const runbooks = new Set(readdirSync(repoPath('docs/runbooks')).filter((f) => f !== 'README.md'));
    const index = readRepoFile('docs/runbooks/README.md');
    for (const rule of alerts) {
      const name = rule.alert ?? '';
      assert.match(rule.labels?.severity ?? '', /^(critical|warning|none)$/, `${name}: severity`);
      assert.ok(rule.annotations?.summary, `${name}: summary`);
      assert.ok(rule.annotations?.description, `${name}: description`);
      assert.equal(rule.annotations?.runbook_url, `${RUNBOOK_BASE}${name}.md`, `${name}: runbook_url`);
      assert.ok(existsSync(repoPath('docs/runbooks', `${name}.md`)), `docs/runbooks/${name}.md is missing`);
      assert.ok(index.includes(`[${name}](${name}.md)`), `docs/runbooks/README.md does not list ${name}`);
      runbooks.delete(`${name}.md`);
    }
    assert.deepEqual([...runbooks], [], 'runbooks without an alert');
  });

  test('service alerts carry service_name and a class for inhibition', () => {
    for (const rule of alerts) {
      if (['ServiceDown', 'DatabaseUnavailable'].includes(rule.alert ?? '')) {
        assert.equal(rule.labels?.class, 'cause', rule.alert);
      }
      if (rule.labels?.class) {
        // The output keeps service_name: aggregations are `by (service_name)` or keep it.
        assert.match(rule.expr, /service_name/, `${rule.alert}: the result must keep service_name`);
      }
    }
    for (const rule of alerts.filter((a) => /SLO|HighErrorRate|HighLatency/.test(a.alert ?? ''))) {
      assert.equal(rule.labels?.class, 'symptom', rule.alert);
    }
  });

  test('rules aggregate by service, never by instance (a new id at every restart)', () => {
    for (const { file, rule } of rules) {
      assert.doesNotMatch(rule.expr, /by \([^)]*\binstance\b/, `${file}: ${rule.alert ?? rule.record}`);
    }
  });

  test('every alert is unit-tested firing, and (Watchdog aside) staying quiet', () => {
    const firing = new Set<string>();
    const quiet = new Set<string>();
    for (const file of yamlFiles(TEST_DIR)) {
      for (const t of readYaml<{ tests: { alert_rule_test?: any[] }[] }>(file).tests) {
        for (const case_ of t.alert_rule_test ?? []) {
          (case_.exp_alerts?.length ? firing : quiet).add(case_.alertname);
        }
      }
    }
    for (const name of alerts.map((a) => a.alert ?? '')) {
      assert.ok(firing.has(name), `no unit test shows ${name} firing`);
      if (name !== 'Watchdog') assert.ok(quiet.has(name), `no unit test shows ${name} quiet`);
    }
  });
});

describe('Alertmanager configuration (amtool)', () => {
  test('amtool check-config', () => {
    const out = runOk(requireTool('AMTOOL'), ['check-config', repoPath('prometheus/alertmanager.yml')]);
    assert.match(out, /SUCCESS/);
  });

  test('routes by severity; the Watchdog goes to the heartbeat', () => {
    const route = (...labels: string[]) =>
      runOk(requireTool('AMTOOL'), [
        'config',
        'routes',
        'test',
        `--config.file=${repoPath('prometheus/alertmanager.yml')}`,
        ...labels,
      ]).trim();
    assert.equal(route('alertname=ServiceDown', 'severity=critical', 'service_name=order-service'), 'mail-oncall');
    assert.equal(route('alertname=HighErrorRate', 'severity=warning', 'service_name=order-service'), 'mail-team');
    assert.equal(route('alertname=Watchdog', 'severity=none'), 'mail-heartbeat');
    assert.equal(route('alertname=Unknown'), 'mail-team', 'anything else still reaches someone');
  });
});

describe('Alertmanager inhibition (a real Alertmanager)', () => {
  let alertmanager: ChildProcess | undefined;
  let dir: string;
  let base: string;

  async function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
      const server = createServer();
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        const address = server.address();
        server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
      });
    });
  }

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'alertmanager-'));
    // The repository's config, with only the mail server changed to a closed local port:
    // routing and inhibition are what is under test, not delivery.
    const config = readYaml('prometheus/alertmanager.yml');
    config.global.smtp_smarthost = `127.0.0.1:${await freePort()}`;
    writeFileSync(path.join(dir, 'alertmanager.yml'), JSON.stringify(config));
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    alertmanager = spawn(
      requireTool('ALERTMANAGER'),
      [
        `--config.file=${path.join(dir, 'alertmanager.yml')}`,
        `--storage.path=${path.join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--cluster.listen-address=',
      ],
      { stdio: 'ignore' },
    );
    for (let i = 0; i < 100; i++) {
      const ready = await fetch(`${base}/-/ready`).then(
        (r) => r.ok,
        () => false,
      );
      if (ready) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('Alertmanager did not become ready');
  });

  after(() => {
    alertmanager?.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  async function inhibitedAlerts(): Promise<Map<string, boolean>> {
    const list = (await (await fetch(`${base}/api/v2/alerts`)).json()) as {
      labels: Record<string, string>;
      status: { inhibitedBy: string[] };
    }[];
    return new Map(
      list.map((a) => [`${a.labels.alertname}/${a.labels.service_name}`, a.status.inhibitedBy.length > 0]),
    );
  }

  test('a cause silences the symptoms of the same service only; a fast burn silences the slow one', async () => {
    const alert = (labels: Record<string, string>) => ({ labels, annotations: { summary: 'test' } });
    const response = await fetch(`${base}/api/v2/alerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([
        alert({ alertname: 'ServiceDown', severity: 'critical', class: 'cause', service_name: 'order-service' }),
        alert({ alertname: 'HighErrorRate', severity: 'warning', class: 'symptom', service_name: 'order-service' }),
        alert({ alertname: 'HighErrorRate', severity: 'warning', class: 'symptom', service_name: 'frontend' }),
        alert({
          alertname: 'DatabaseUnavailable',
          severity: 'critical',
          class: 'cause',
          service_name: 'product-service',
        }),
        alert({ alertname: 'HighLatencyP95', severity: 'warning', class: 'symptom', service_name: 'product-service' }),
        alert({
          alertname: 'AvailabilitySLOFastBurn',
          severity: 'critical',
          class: 'symptom',
          slo: 'availability',
          service_name: 'user-service',
        }),
        alert({
          alertname: 'AvailabilitySLOSlowBurn',
          severity: 'warning',
          class: 'symptom',
          slo: 'availability',
          service_name: 'user-service',
        }),
        alert({
          alertname: 'LatencySLOSlowBurn',
          severity: 'warning',
          class: 'symptom',
          slo: 'latency',
          service_name: 'user-service',
        }),
      ]),
    });
    assert.equal(response.status, 200);
    const expected = new Map([
      ['ServiceDown/order-service', false],
      ['HighErrorRate/order-service', true],
      ['HighErrorRate/frontend', false],
      ['DatabaseUnavailable/product-service', false],
      ['HighLatencyP95/product-service', true],
      ['AvailabilitySLOFastBurn/user-service', false],
      ['AvailabilitySLOSlowBurn/user-service', true],
      ['LatencySLOSlowBurn/user-service', false],
    ]);
    // The inhibitor sees new alerts a moment after they are accepted.
    let actual = new Map<string, boolean>();
    for (let i = 0; i < 50; i++) {
      actual = await inhibitedAlerts();
      if ([...expected].every(([k, v]) => actual.get(k) === v)) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.deepEqual(actual, expected);
  });
});
