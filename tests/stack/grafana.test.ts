/**
 * Grafana provisioning and dashboards: datasources with fixed uids and links between the
 * signals, dashboards that only name provisioned datasources and defined variables, PromQL
 * that parses, and a Business dashboard that shows every metric of the metric catalogue
 * (services/telemetry/src/metric-catalogue.ts), with no `shopscope_*` name in a dashboard or
 * a rule that the catalogue does not declare.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { before, describe, test } from 'node:test';
import type * as Catalogue from '../../services/telemetry/dist/metric-catalogue.js';
import { readRepoFile, readYaml, repoPath, requireTool, run } from '../../tools/stack/repo.ts';
import type { Dashboard, Panel } from './grafana-standin.ts';

interface Datasource {
  name: string;
  uid: string;
  type: string;
  url: string;
  jsonData?: any;
}

const DASHBOARD_DIR = 'grafana/dashboards';
const RULES_DIR = 'prometheus/rules';

/**
 * The metric catalogue as `npm run build` compiled it: the very module the services create
 * their instruments from (plain data; loading it starts no OpenTelemetry SDK).
 */
function metricCatalogue(): typeof Catalogue {
  const file = repoPath('services/telemetry/dist/metric-catalogue.js');
  assert.ok(existsSync(file), `${file} is missing: run npm run build first`);
  return createRequire(import.meta.url)(file) as typeof Catalogue;
}

/**
 * The business metric names (`shopscope_…`) a text uses: not the parts of recording-rule
 * names (`…:shopscope_…:…`), which are no metric of the services.
 */
function metricNamesIn(text: string): string[] {
  return [...text.matchAll(/(?<![\w:])shopscope_\w+(?![\w:])/g)].map((m) => m[0]);
}

let datasources: Datasource[];
let dashboards: Map<string, Dashboard>;

/** Every panel, rows' nested panels included. */
function allPanels(dashboard: Dashboard): Panel[] {
  return dashboard.panels.flatMap((p) => [p, ...(p.panels ?? [])]);
}

/** Every `{ type?, uid }` object found under a "datasource" key, anywhere. */
function datasourceRefs(value: unknown, found: { uid: string }[] = []): { uid: string }[] {
  if (Array.isArray(value)) {
    for (const item of value) datasourceRefs(item, found);
  } else if (value && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      if (key === 'datasource' || key === 'datasourceUid') {
        found.push(typeof item === 'string' ? { uid: item } : (item as { uid: string }));
      } else {
        datasourceRefs(item, found);
      }
    }
  }
  return found;
}

function promTargets(dashboard: Dashboard): { panel: string; expr: string }[] {
  const out: { panel: string; expr: string }[] = [];
  for (const panel of allPanels(dashboard)) {
    for (const target of panel.targets ?? []) {
      const uid = target.datasource?.uid ?? panel.datasource?.uid;
      if (uid === 'prometheus' && target.expr) out.push({ panel: panel.title, expr: target.expr });
    }
  }
  for (const variable of dashboard.templating?.list ?? []) {
    if (variable.datasource?.uid === 'prometheus') {
      const query = variable.query;
      const expr = typeof query === 'string' ? query : query?.query;
      if (expr && !expr.startsWith('label_values(')) out.push({ panel: `variable ${variable.name}`, expr });
    }
  }
  return out;
}

/** Grafana's variables replaced by sample values, so the PromQL parser sees plain PromQL. */
function withSampleValues(expr: string): string {
  return expr
    .replaceAll('$__rate_interval', '1m')
    .replaceAll('$__interval', '15s')
    .replaceAll('$__range', '1h')
    .replace(/\$\{?(\w+)\}?/g, 'sample');
}

before(() => {
  datasources = readdirSync(repoPath('grafana/provisioning/datasources'))
    .filter((f) => /\.ya?ml$/.test(f))
    .flatMap((f) => readYaml<{ datasources: Datasource[] }>('grafana/provisioning/datasources', f).datasources);
  dashboards = new Map();
  for (const file of readdirSync(repoPath(DASHBOARD_DIR)).filter((f) => f.endsWith('.json'))) {
    dashboards.set(file, JSON.parse(readRepoFile(DASHBOARD_DIR, file)) as Dashboard);
  }
});

describe('Grafana datasources', () => {
  test('fixed uids for Prometheus, Jaeger and Loki', () => {
    const byUid = new Map(datasources.map((d) => [d.uid, d]));
    assert.equal(byUid.size, datasources.length, 'uids are unique');
    assert.equal(byUid.get('prometheus')?.type, 'prometheus');
    assert.equal(byUid.get('jaeger')?.type, 'jaeger');
    assert.equal(byUid.get('loki')?.type, 'loki');
    assert.equal(byUid.get('prometheus')?.url, 'http://prometheus:9090');
    assert.equal(byUid.get('jaeger')?.url, 'http://jaeger:16686');
    assert.equal(byUid.get('loki')?.url, 'http://loki:3100');
  });

  test('signals are linked both ways', () => {
    const byUid = new Map(datasources.map((d) => [d.uid, d]));
    // Prometheus exemplars (trace_id, attached by the spanmetrics connector) → Jaeger.
    const exemplars = byUid.get('prometheus')?.jsonData?.exemplarTraceIdDestinations ?? [];
    assert.ok(exemplars.some((e: any) => e.name === 'trace_id' && e.datasourceUid === 'jaeger'));
    // Jaeger → Loki (by the trace_id structured metadata) and → Prometheus (span metrics).
    const jaeger = byUid.get('jaeger')?.jsonData ?? {};
    assert.equal(jaeger.tracesToLogsV2?.datasourceUid, 'loki');
    // `$$` is the provisioning file's escape for a literal `$`.
    assert.match(jaeger.tracesToLogsV2?.query ?? '', /\| trace_id="\$\$\{__trace\.traceId\}"/);
    assert.equal(jaeger.tracesToMetrics?.datasourceUid, 'prometheus');
    assert.ok(jaeger.tracesToMetrics?.queries?.length > 0);
    // Loki → Jaeger: a derived field on the trace_id label (structured metadata), not on text.
    const derived = byUid.get('loki')?.jsonData?.derivedFields ?? [];
    assert.ok(
      derived.some(
        (d: any) => d.datasourceUid === 'jaeger' && d.matcherType === 'label' && d.matcherRegex === 'trace_id',
      ),
    );
  });

  test('the dashboard provider loads grafana/dashboards into the ShopScope folder', () => {
    const { providers } = readYaml<{ providers: any[] }>('grafana/provisioning/dashboards/shopscope.yaml');
    assert.equal(providers.length, 1);
    assert.equal(providers[0].folder, 'ShopScope');
    // docker-compose.yml mounts grafana/dashboards there (checked in compose.test.ts).
    assert.equal(providers[0].options.path, '/etc/grafana/dashboards/shopscope');
  });
});

describe('Grafana dashboards', () => {
  test('the expected dashboards exist, with unique uids', () => {
    const files = [...dashboards.keys()].sort();
    assert.deepEqual(files, [
      'browser.json',
      'business.json',
      'collector.json',
      'databases.json',
      'k6.json',
      'logs.json',
      'overview.json',
      'service.json',
      'slo.json',
    ]);
    const uids = [...dashboards.values()].map((d) => d.uid);
    assert.equal(new Set(uids).size, uids.length);
    for (const d of dashboards.values()) assert.match(d.uid, /^shopscope-/, d.title);
  });

  test('every datasource a dashboard names is a provisioned uid', () => {
    const provisioned = new Set(datasources.map((d) => d.uid));
    for (const [file, dashboard] of dashboards) {
      for (const ref of datasourceRefs(dashboard.panels).concat(datasourceRefs(dashboard.templating))) {
        if (ref.uid === '-- Grafana --') continue;
        assert.ok(provisioned.has(ref.uid), `${file}: datasource uid ${JSON.stringify(ref.uid)} is not provisioned`);
      }
      assert.doesNotMatch(JSON.stringify(dashboard), /\$\{DS_/, `${file}: exported datasource placeholders`);
    }
  });

  test('every data panel names its datasource; ids are unique; no panel outside the grid', () => {
    for (const [file, dashboard] of dashboards) {
      const ids = new Set<number>();
      for (const panel of allPanels(dashboard)) {
        assert.ok(!ids.has(panel.id), `${file}: panel id ${panel.id} twice`);
        ids.add(panel.id);
        assert.ok(panel.gridPos && panel.gridPos.x + panel.gridPos.w <= 24, `${file}: ${panel.title} gridPos`);
        if (panel.type === 'row' || panel.type === 'text') continue;
        assert.ok(panel.datasource?.uid, `${file}: panel "${panel.title}" has no datasource`);
        assert.ok(panel.targets?.length, `${file}: panel "${panel.title}" has no query`);
      }
    }
  });

  test('queries use only variables the dashboard defines', () => {
    for (const [file, dashboard] of dashboards) {
      const defined = new Set((dashboard.templating?.list ?? []).map((v) => v.name));
      const text = JSON.stringify(dashboard.panels);
      for (const match of text.matchAll(/\$\{?([A-Za-z_]\w*)/g)) {
        const name = match[1] ?? '';
        if (name.startsWith('__')) continue; // Grafana's built-ins: $__rate_interval, $__range, …
        assert.ok(defined.has(name), `${file}: $${name} is used but not defined`);
      }
    }
  });

  test('the service dashboard is one dashboard with a service variable, not a copy per service', () => {
    const service = dashboards.get('service.json');
    const variable = service?.templating?.list.find((v) => v.name === 'service');
    assert.ok(variable, 'variable service');
    const text = JSON.stringify(service?.panels);
    for (const name of ['user-service', 'product-service', 'order-service']) {
      assert.ok(!text.includes(name), `service.json hard-codes ${name}`);
    }
  });

  test('RED per service and the service map on the overview', () => {
    const overview = dashboards.get('overview.json');
    assert.ok(overview);
    const exprs = promTargets(overview)
      .map((t) => t.expr)
      .join('\n');
    assert.match(exprs, /sum by \(service_name\) \(rate\(http_server_request_duration_seconds_count/);
    assert.match(exprs, /http_response_status_code=~"5\.\."/);
    assert.match(exprs, /histogram_quantile\(0\.95, sum by \(service_name, le\)/);
    assert.ok(
      allPanels(overview).some((p) => p.type === 'nodeGraph'),
      'a node graph panel',
    );
    assert.match(exprs, /traces_service_graph_request_total/);
    // Dashboards aggregate like the rules: never by instance (a random id per process start)
    // except the runtime panels of the service dashboard's USE row, which are about one process.
    for (const [file, dashboard] of dashboards) {
      for (const { panel, expr } of promTargets(dashboard)) {
        if (/^(Event loop|V8 heap|Heap used|CPU \(cores|Memory \(RSS|Garbage collection)/.test(panel)) continue;
        assert.doesNotMatch(expr, /by \([^)]*\binstance\b/, `${file}: "${panel}" groups by instance`);
      }
    }
  });

  test('collector panels select the collector, not Jaeger (which has otelcol_* metrics too)', () => {
    for (const [file, dashboard] of dashboards) {
      for (const { panel, expr } of promTargets(dashboard)) {
        for (const match of expr.matchAll(/otelcol_\w+(\{[^}]*\})?/g)) {
          assert.match(match[1] ?? '', /job="otel-collector"/, `${file}: "${panel}": ${match[0]}`);
        }
      }
    }
  });

  test('every metric of the catalogue is queried by a Business dashboard panel', () => {
    const catalogue = metricCatalogue();
    const business = dashboards.get('business.json');
    assert.ok(business);
    const used = new Set(promTargets(business).flatMap(({ expr }) => metricNamesIn(expr)));
    const entries = catalogue.catalogueEntries();
    assert.ok(entries.length >= 9, 'the catalogue declares the business metrics');
    for (const [key, metric] of entries) {
      const { series } = catalogue.prometheusNames(metric);
      assert.ok(
        series.some((name) => used.has(name)),
        `business.json: no panel queries ${metric.name} (METRIC_CATALOGUE.${key}; in Prometheus ${series.join(', ')})`,
      );
    }
  });

  test('every shopscope_* name a dashboard or a rule uses is a metric of the catalogue', () => {
    const catalogue = metricCatalogue();
    const known = new Set(
      catalogue.catalogueEntries().flatMap(([, metric]) => catalogue.prometheusNames(metric).series),
    );
    const sources: [string, string][] = [
      ...[...dashboards.keys()].map((file): [string, string] => [
        `${DASHBOARD_DIR}/${file}`,
        readRepoFile(DASHBOARD_DIR, file),
      ]),
      ...readdirSync(repoPath(RULES_DIR))
        .filter((f) => /\.ya?ml$/.test(f))
        .map((file): [string, string] => [`${RULES_DIR}/${file}`, readRepoFile(RULES_DIR, file)]),
    ];
    let used = 0;
    for (const [file, text] of sources) {
      for (const name of metricNamesIn(text)) {
        used++;
        assert.ok(known.has(name), `${file}: ${name} is not a metric of services/telemetry/src/metric-catalogue.ts`);
      }
    }
    assert.ok(used > 0, 'the dashboards use the business metrics');
  });

  test('every PromQL query parses (promtool)', () => {
    const promtool = requireTool('PROMTOOL');
    for (const [file, dashboard] of dashboards) {
      for (const { panel, expr } of promTargets(dashboard)) {
        const result = run(promtool, ['--experimental', 'promql', 'format', withSampleValues(expr)]);
        assert.equal(result.status, 0, `${file}: "${panel}": ${expr}\n${result.stderr}`);
      }
    }
    for (const datasource of datasources) {
      for (const q of datasource.jsonData?.tracesToMetrics?.queries ?? []) {
        // Provisioning files escape $ as $$.
        const expr = withSampleValues(String(q.query).replaceAll('$$', '$'));
        const result = run(promtool, ['--experimental', 'promql', 'format', expr]);
        assert.equal(result.status, 0, `${datasource.name} tracesToMetrics "${q.name}": ${result.stderr}`);
      }
    }
  });

  test('the home dashboard named by docker-compose.yml exists', () => {
    const compose = readRepoFile('docker-compose.yml');
    const home = /GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH: (\S+)/.exec(compose)?.[1] ?? '';
    assert.ok(dashboards.has(path.basename(home)), home);
  });
});
