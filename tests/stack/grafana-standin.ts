/**
 * A stand-in for Grafana (which cannot run here): it reads the provisioned dashboards and
 * runs every query of every panel against the live Prometheus, Loki and Jaeger the way
 * Grafana's datasources would — template variables resolved from live label values,
 * Grafana's time macros ($__range, $__interval, $__rate_interval, $__auto) filled in from
 * the dashboard's time range and the Prometheus datasource's 15 s minimum interval.
 */
import { readdirSync } from 'node:fs';
import { readRepoFile, repoPath } from '../../tools/stack/repo.ts';
import { hasFiniteValue, type JaegerApi, type LokiApi, type PrometheusApi } from '../../tools/stack/stack-api.ts';

// The parts of a dashboard's JSON (grafana/dashboards/*.json) that the tests read.

/** Which datasource a panel, target or variable queries, by the provisioned uid. */
export interface DatasourceRef {
  type?: string;
  uid: string;
}

/** One query of a panel; which fields it has depends on its datasource. */
export interface Target {
  refId?: string;
  /** When absent, the panel's datasource. */
  datasource?: DatasourceRef;
  hide?: boolean;
  /** Prometheus and Loki: the PromQL or LogQL. */
  expr?: string;
  /** Prometheus: an instant query (unless `range` is set too). */
  instant?: boolean;
  range?: boolean;
  /** Jaeger: "search", with service, operation, tags (logfmt) and limit. */
  queryType?: string;
  service?: string;
  operation?: string;
  tags?: string;
  limit?: number;
}

export interface Panel {
  id: number;
  /** "row", "text", "timeseries", "stat", "logs", … */
  type: string;
  title: string;
  gridPos?: { x: number; y: number; w: number; h: number };
  datasource?: DatasourceRef;
  targets?: Target[];
  /** A row's panels. */
  panels?: Panel[];
}

/** A template variable (templating.list). */
export interface Variable {
  name: string;
  /** "query", "textbox", "custom", "constant", "interval", … */
  type: string;
  datasource?: DatasourceRef;
  /**
   * The query: a string (textbox, custom, older Prometheus variables), or the variable
   * editor's object — Prometheus `{ query }`, Loki `{ label, stream }`.
   */
  query?: string | { query?: string; label?: string; stream?: string };
  /** The query as the editor shows it, e.g. "label_values(service_name)". */
  definition?: string;
  current?: { text?: string; value?: string };
  multi?: boolean;
  includeAll?: boolean;
  /** What "All" stands for; when absent, every value as a regex alternation. */
  allValue?: string;
}

/** An annotation query (annotations.list); a Prometheus or Loki one has an expr. */
export interface Annotation {
  name: string;
  /** A `{ type?, uid }` reference, or (older dashboards) the datasource's uid or name. */
  datasource?: DatasourceRef | string;
  expr?: string;
  target?: { expr?: string };
}

export interface Dashboard {
  uid: string;
  title: string;
  time?: { from: string; to: string };
  panels: Panel[];
  templating?: { list: Variable[] };
  annotations?: { list: Annotation[] };
}

export interface TargetResult {
  datasource: string;
  query: string;
  error?: string;
  hasData: boolean;
}

export interface PanelResult {
  dashboard: string;
  panel: string;
  type: string;
  /** Variable values used, e.g. "service=order-service". */
  variables: string;
  targets: TargetResult[];
}

/** The Prometheus datasource's timeInterval (grafana/provisioning/datasources): the minimum step. */
const MIN_INTERVAL_SECONDS = 15;
/** Grafana divides the range by about the panel width in pixels to get $__interval. */
const MAX_DATA_POINTS = 1000;

export function loadDashboards(): Map<string, Dashboard> {
  const dashboards = new Map<string, Dashboard>();
  for (const file of readdirSync(repoPath('grafana/dashboards'))
    .filter((f) => f.endsWith('.json'))
    .sort()) {
    dashboards.set(file, JSON.parse(readRepoFile('grafana/dashboards', file)) as Dashboard);
  }
  return dashboards;
}

/** Every panel, rows' nested panels included, without rows and text panels. */
export function dataPanels(dashboard: Dashboard): Panel[] {
  return dashboard.panels.flatMap((p) => [p, ...(p.panels ?? [])]).filter((p) => p.type !== 'row' && p.type !== 'text');
}

function rangeSeconds(from: string): number {
  const match = /^now-(\d+)([smhdw])$/.exec(from);
  if (!match) throw new Error(`unsupported dashboard time range ${from}`);
  const unit = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 }[match[2] as 's' | 'm' | 'h' | 'd' | 'w'];
  return Number(match[1]) * unit;
}

function escapeRegex(value: string): string {
  return value.replace(/[\\^$.|?*+()[\]{}]/g, '\\$&');
}

export class GrafanaStandIn {
  private readonly prometheus: PrometheusApi;
  private readonly loki: LokiApi;
  private readonly jaeger: JaegerApi;

  constructor(apis: { prometheus: PrometheusApi; loki: LokiApi; jaeger: JaegerApi }) {
    this.prometheus = apis.prometheus;
    this.loki = apis.loki;
    this.jaeger = apis.jaeger;
  }

  /** The values a query variable offers, computed the way Grafana's datasource does. */
  async variableOptions(variable: Variable, fromSeconds: number): Promise<string[]> {
    const uid = variable.datasource?.uid;
    const query = typeof variable.query === 'string' ? variable.query : variable.query?.query;
    if (uid === 'prometheus') {
      const match = /^label_values\((?:([^,]+),\s*)?(\w+)\)$/.exec(String(query ?? variable.definition).trim());
      if (!match) throw new Error(`variable ${variable.name}: unsupported query ${query}`);
      return this.prometheus.labelValues(match[2]!, match[1]?.trim());
    }
    if (uid === 'loki') {
      // Loki's variable editor writes an object ({ label, stream }).
      const label = (variable.query as { label?: string } | undefined)?.label;
      if (!label)
        throw new Error(`variable ${variable.name}: unsupported Loki query ${JSON.stringify(variable.query)}`);
      return this.loki.labelValues(label, fromSeconds);
    }
    throw new Error(`variable ${variable.name}: unsupported datasource ${uid}`);
  }

  /**
   * Every combination of variable values to evaluate the dashboard with: a single-value
   * variable is tried with each of its values (or only `pick[name]` when given); a
   * multi-value or include-All variable uses "All" (its allValue, else every value as a regex
   * alternation, as Grafana formats it); a textbox its current text.
   */
  async variableSets(dashboard: Dashboard, pick: Record<string, string> = {}): Promise<Record<string, string>[]> {
    const from = Date.now() / 1000 - rangeSeconds(dashboard.time?.from ?? 'now-30m');
    let sets: Record<string, string>[] = [{}];
    for (const variable of dashboard.templating?.list ?? []) {
      let values: string[];
      if (variable.type === 'textbox') {
        values = [String(variable.current?.value ?? variable.query ?? '')];
      } else if (variable.type === 'query') {
        const options = await this.variableOptions(variable, from);
        if (variable.includeAll || variable.multi) {
          values = [variable.allValue ?? (options.length ? `(${options.map(escapeRegex).join('|')})` : '')];
        } else if (pick[variable.name] !== undefined) {
          if (!options.includes(pick[variable.name]!)) {
            throw new Error(
              `${dashboard.title}: ${variable.name} offers ${options.join(', ')}, not ${pick[variable.name]}`,
            );
          }
          values = [pick[variable.name]!];
        } else {
          values = options;
        }
        if (values.length === 0) throw new Error(`${dashboard.title}: variable ${variable.name} has no values`);
      } else {
        throw new Error(`${dashboard.title}: unsupported variable type ${variable.type}`);
      }
      sets = sets.flatMap((set) => values.map((value) => ({ ...set, [variable.name]: value })));
    }
    return sets;
  }

  /** Runs every target of every data panel of `dashboard` with the given variable values. */
  async evaluate(file: string, dashboard: Dashboard, variables: Record<string, string>): Promise<PanelResult[]> {
    const range = rangeSeconds(dashboard.time?.from ?? 'now-30m');
    const end = Date.now() / 1000;
    const start = end - range;
    const interval = Math.max(MIN_INTERVAL_SECONDS, Math.round(range / MAX_DATA_POINTS));
    const macros: Record<string, string> = {
      ...variables,
      __range: `${range}s`,
      __range_s: String(range),
      __interval: `${interval}s`,
      __rate_interval: `${Math.max(interval + MIN_INTERVAL_SECONDS, 4 * MIN_INTERVAL_SECONDS)}s`,
      __auto: `${interval}s`,
    };
    const fill = (text: string) =>
      text.replace(/\$\{(\w+)(?::\w+)?\}|\$(\w+)/g, (whole, braced?: string, bare?: string) => {
        // Like Grafana, a name that is no variable (e.g. label_replace's "$1") stays as it is.
        return macros[braced ?? bare ?? ''] ?? whole;
      });
    const label = Object.entries(variables)
      .map(([k, v]) => `${k}=${v}`)
      .join(', ');

    const panels: PanelResult[] = [];
    for (const panel of dataPanels(dashboard)) {
      const targets: TargetResult[] = [];
      for (const target of panel.targets ?? []) {
        if (target.hide) continue;
        const datasource = target.datasource?.uid ?? panel.datasource?.uid;
        targets.push(await this.runTarget(datasource, target, fill, { start, end, interval, range }));
      }
      panels.push({ dashboard: file, panel: panel.title, type: panel.type, variables: label, targets });
    }
    return panels;
  }

  private async runTarget(
    datasource: string | undefined,
    target: Target,
    fill: (text: string) => string,
    time: { start: number; end: number; interval: number; range: number },
  ): Promise<TargetResult> {
    if (datasource === 'prometheus') {
      const query = fill(target.expr!);
      const instant = target.instant === true && target.range !== true;
      const r = instant
        ? await this.prometheus.query(query, time.end)
        : await this.prometheus.queryRange(query, time.start, time.end, time.interval);
      return { datasource, query, error: r.error, hasData: !r.error && hasFiniteValue(r.result) };
    }
    if (datasource === 'loki') {
      const query = fill(target.expr!);
      const r = await this.loki.queryRange(query, time.start, time.end, { step: `${time.interval}s`, limit: 100 });
      const hasData =
        !r.error &&
        r.result.some((s) =>
          (s.values ?? []).some((v: [unknown, string]) => r.resultType === 'streams' || Number.isFinite(Number(v[1]))),
        );
      return { datasource, query, error: r.error, hasData };
    }
    if (datasource === 'jaeger') {
      if (target.queryType !== 'search') throw new Error(`Jaeger query type ${target.queryType} is not supported here`);
      const service = fill(target.service!);
      // Grafana turns the logfmt tags field ("error=true") into the API's JSON map.
      const tags = target.tags
        ? Object.fromEntries(
            fill(target.tags)
              .split(/\s+/)
              .filter(Boolean)
              .map((pair: string) => pair.split('=') as [string, string]),
          )
        : undefined;
      const r = await this.jaeger.search({
        service,
        operation: target.operation ? fill(target.operation) : undefined,
        tags,
        limit: target.limit ?? 20,
        start: Math.floor(time.start * 1e6),
        end: Math.ceil(time.end * 1e6),
      });
      const query = `search service=${service}${tags ? ` tags=${JSON.stringify(tags)}` : ''}`;
      return { datasource, query, error: r.error, hasData: !r.error && r.traces.length > 0 };
    }
    throw new Error(`datasource ${datasource} is not stood in`);
  }
}
