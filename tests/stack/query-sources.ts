/**
 * Every LogQL and PromQL query the repository holds, found where it is written, and a checker
 * that parses each with the official grammars (@grafana/lezer-logql,
 * @prometheus-io/lezer-promql) — no backend and no built tool needed.
 *
 * Sources:
 *   grafana/dashboards/*.json        targets (by their datasource's type), annotations,
 *                                    template-variable queries (label_values(…) and friends)
 *   grafana/provisioning/**.yaml     datasource links that embed queries (trace → logs,
 *                                    trace → metrics, derived fields into Loki or Prometheus)
 *   prometheus/rules/*.yml           `expr` of every alert and recording rule, and queries that
 *                                    annotations or labels run through `query "…"`
 *   prometheus/tests/*.yml           promql_expr_test expressions and input series
 *   **.md                            ```promql / ```logql blocks, inline `…` queries, the
 *                                    queries of curl commands in ```sh blocks, `expr` of
 *                                    rules quoted in ```yaml blocks
 *   scripts/**.sh                    prom_query / prom_value / prom_has_result arguments and
 *                                    curl --data-urlencode "query=…" sent to Prometheus or Loki
 *
 * A query keeps its text as written; `prepare` turns it into what the backend would receive
 * (Grafana variables and macros, provisioning `$$`, shell variables filled in with plausible
 * values) and `checkQuery` parses that, failing on any error node (⚠).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parser as logqlParser } from '@grafana/lezer-logql';
import { parser as promqlParser } from '@prometheus-io/lezer-promql';
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, Scalar } from 'yaml';
import { repoRoot } from '../../tools/stack/repo.ts';
import type { Dashboard, DatasourceRef } from './grafana-standin.ts';

export type Language = 'logql' | 'promql';

/**
 * How the text is to be read:
 *   expr      a whole query
 *   series    a series in promtool's input_series notation: a vector selector only
 *   variable  a Grafana template-variable query of the Prometheus datasource
 *             (label_values(…), label_names(…), query_result(…), metrics(…))
 *   stream    a Loki stream selector on its own (a Loki template variable's `stream`)
 *   pipeline  a LogQL pipeline fragment as prose quotes it (`| trace_id="…"`): checked
 *             behind a stream selector
 */
export type Shape = 'expr' | 'series' | 'variable' | 'stream' | 'pipeline';

/**
 * What fills in the placeholders before parsing:
 *   grafana       Grafana variables and macros ($service, ${var:fmt}, [[var]], $__auto…)
 *   provisioning  a Grafana provisioning file: `$$` is a literal `$`, then as `grafana`
 *   shell         shell variables of a script ($1, $metric, ${selector})
 *   none          used as written
 */
export type Interpolation = 'grafana' | 'provisioning' | 'shell' | 'none';

export interface FoundQuery {
  language: Language;
  /** The kind of place it was found in, e.g. "dashboards", "runbooks" (see sourceOf). */
  source: string;
  /** Repository-relative path (or the display path given to an extractor). */
  file: string;
  /** 1-based line where the query text starts. */
  line: number;
  /** Where in the file: panel title, rule name, "```promql block"… */
  context: string;
  /** The query as written (shell quoting and JSON/YAML escapes already undone). */
  query: string;
  shape: Shape;
  interpolation: Interpolation;
  /** Values of the Grafana variables of the query's dashboard (name → sample value). */
  variables?: Record<string, string>;
}

// ---------------------------------------------------------------------------------------
// Sample values, as Grafana or the shell would fill them in
// ---------------------------------------------------------------------------------------

/** Grafana's built-in macros and the link variables of the datasource provisioning. */
export const GRAFANA_BUILTINS: Record<string, string> = {
  __rate_interval: '1m',
  __interval: '15s',
  __interval_ms: '15000',
  __range: '1h',
  __range_s: '3600',
  __range_ms: '3600000',
  __auto: '1m',
  '__trace.traceId': '4bf92f3577b34da6a3ce929d0e0e4736',
  '__span.spanId': '00f067aa0ba902b7',
  '__span.name': 'GET /api/products',
  '__value.raw': '4bf92f3577b34da6a3ce929d0e0e4736',
};

/** A plausible value per dashboard variable name (multi-value ones get an alternation). */
const VARIABLE_SAMPLES: Record<string, string> = {
  service: 'order-service',
  scenario: 'load',
  search: 'error',
};

/**
 * The shell variables the scripts put into queries, with a value each would hold. A query
 * using a variable not listed here fails the check (add it here), so a script can never
 * hide a query behind an unknown variable.
 */
export const SHELL_SAMPLES: Record<string, string> = {
  // validate.sh's check_* functions take the service name as $1.
  '1': 'order-service',
  service: 'order-service',
  // validate.sh's COLLECTOR_LOSS_METRICS.
  metric: 'otelcol_receiver_refused_spans_total',
  // common.sh's alert_selector ALERT SERVICE.
  selector: 'alertname="ServiceDown",service_name="order-service"',
};

/** The sample values of a dashboard's template variables, the way Grafana would format them. */
export function dashboardVariableSamples(dashboard: Dashboard | undefined): Record<string, string> {
  const values: Record<string, string> = {};
  for (const variable of dashboard?.templating?.list ?? []) {
    const sample = VARIABLE_SAMPLES[variable.name] ?? 'sample';
    if (variable.type === 'textbox') {
      const current = String(variable.current?.value ?? variable.query ?? '');
      values[variable.name] = current || sample;
    } else if (variable.type === 'constant' || variable.type === 'custom') {
      values[variable.name] =
        String(variable.query ?? sample)
          .split(',')[0]
          ?.trim() || sample;
    } else if (variable.type === 'interval') {
      values[variable.name] = '1m';
    } else if (variable.multi || variable.includeAll) {
      // "All" is the allValue when set, else every value as a regex alternation.
      values[variable.name] = variable.allValue ?? `(${sample}|${sample}-2)`;
    } else {
      values[variable.name] = sample;
    }
  }
  return values;
}

function fillGrafana(text: string, variables: Record<string, string>): string {
  const value = (name: string) => variables[name] ?? GRAFANA_BUILTINS[name];
  return text.replace(
    /\$\{([\w.]+)(?::[\w]+)?\}|\[\[(\w+)(?::\w+)?\]\]|\$(\w+)/g,
    (whole, braced?: string, brackets?: string, bare?: string) =>
      // Like Grafana, a name that is no variable (label_replace's "$1") stays as it is.
      value(braced ?? brackets ?? bare ?? '') ?? whole,
  );
}

/** The text the backend receives: placeholders filled in. Throws on an unknown shell variable. */
export function prepare(found: Pick<FoundQuery, 'query' | 'interpolation' | 'variables'>): string {
  switch (found.interpolation) {
    case 'none':
      return found.query;
    case 'grafana':
      return fillGrafana(found.query, found.variables ?? {});
    case 'provisioning':
      return fillGrafana(found.query.replaceAll('$$', '$'), found.variables ?? {});
    case 'shell':
      return found.query.replace(/\$\{(\w+)\}|\$(\w+)/g, (_whole, braced?: string, bare?: string) => {
        const name = braced ?? bare ?? '';
        const sample = SHELL_SAMPLES[name];
        if (sample === undefined) {
          throw new Error(
            `shell variable $${name} has no sample value: add one to SHELL_SAMPLES in tests/stack/query-sources.ts`,
          );
        }
        return sample;
      });
  }
}

// ---------------------------------------------------------------------------------------
// The checker
// ---------------------------------------------------------------------------------------

type Tree = ReturnType<typeof promqlParser.parse>;
type SyntaxNode = Tree['topNode'];

export interface ParseProblem {
  /** Offset in the parsed text. */
  at: number;
  message: string;
}

function errorNodes(tree: Tree): number[] {
  const found: number[] = [];
  const cursor = tree.cursor();
  do {
    if (cursor.type.isError) found.push(cursor.from);
  } while (cursor.next());
  return found;
}

/** PromQL functions whose argument must be a range vector (`x[5m]` or a subquery), by argument index. */
const RANGE_FUNCTIONS: Record<string, number> = Object.fromEntries([
  ...[
    'rate',
    'irate',
    'increase',
    'delta',
    'idelta',
    'deriv',
    'predict_linear',
    'changes',
    'resets',
    'holt_winters',
    'double_exponential_smoothing',
    'avg_over_time',
    'min_over_time',
    'max_over_time',
    'sum_over_time',
    'count_over_time',
    'stddev_over_time',
    'stdvar_over_time',
    'last_over_time',
    'first_over_time',
    'present_over_time',
    'absent_over_time',
    'mad_over_time',
    'ts_of_min_over_time',
    'ts_of_max_over_time',
    'ts_of_last_over_time',
    'ts_of_first_over_time',
  ].map((name) => [name, 0]),
  ['quantile_over_time', 1],
]);

function children(node: SyntaxNode): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  for (let child = node.firstChild; child; child = child.nextSibling) out.push(child);
  return out;
}

/** Type errors the PromQL grammar lets through but Prometheus refuses: rate(x) without a range. */
function promqlRangeProblems(tree: Tree, text: string): ParseProblem[] {
  const problems: ParseProblem[] = [];
  const cursor = tree.cursor();
  do {
    if (cursor.name !== 'FunctionCall') continue;
    const node = cursor.node;
    const identifier = node.getChild('FunctionIdentifier');
    const body = node.getChild('FunctionCallBody');
    if (!identifier || !body) continue;
    const name = text.slice(identifier.from, identifier.to);
    const index = RANGE_FUNCTIONS[name];
    if (index === undefined) continue;
    let arg: SyntaxNode | undefined = children(body)[index];
    while (arg?.name === 'ParenExpr') arg = arg.firstChild ?? undefined;
    if (arg && arg.name !== 'MatrixSelector' && arg.name !== 'SubqueryExpr') {
      problems.push({
        at: arg.from,
        message: `${name}() needs a range vector (e.g. metric[5m]), not ${text.slice(arg.from, arg.to)}`,
      });
    }
  } while (cursor.next());
  return problems;
}

function parseProblemsOf(language: Language, text: string): ParseProblem[] {
  if (!text.trim()) return [{ at: 0, message: 'empty query' }];
  const tree = (language === 'logql' ? logqlParser : promqlParser).parse(text);
  const problems = errorNodes(tree).map((at) => ({ at, message: 'syntax error' }));
  if (language === 'promql' && problems.length === 0) problems.push(...promqlRangeProblems(tree, text));
  return problems;
}

/** The top node below the root (PromQL) or below Expr (LogQL). */
function topNodeName(language: Language, text: string): string | undefined {
  const tree = (language === 'logql' ? logqlParser : promqlParser).parse(text);
  let node = tree.topNode.firstChild;
  if (language === 'logql' && node?.name === 'Expr') node = node.firstChild;
  return node?.name;
}

/** Splits `a, b` at the last comma outside braces, brackets, parentheses and quotes. */
function splitLastTopLevelComma(text: string): [string, string] | undefined {
  let depth = 0;
  let quote = '';
  let last = -1;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = '';
    } else if (c === '"' || c === "'" || c === '`') quote = c;
    else if ('({['.includes(c!)) depth++;
    else if (')}]'.includes(c!)) depth--;
    else if (c === ',' && depth === 0) last = i;
  }
  return last < 0 ? undefined : [text.slice(0, last), text.slice(last + 1)];
}

/**
 * The problems of one piece of text of a given shape; offsets are in `text`. Grafana's
 * variable functions are not PromQL: their inner selector or expression is checked.
 */
export function problemsOf(language: Language, shape: Shape, text: string): ParseProblem[] {
  switch (shape) {
    case 'expr':
      return parseProblemsOf(language, text);
    case 'pipeline': {
      const prefix = '{service_name="sample"} ';
      return parseProblemsOf('logql', prefix + text).map((p) => ({ ...p, at: Math.max(0, p.at - prefix.length) }));
    }
    case 'stream': {
      const problems = parseProblemsOf('logql', text);
      if (problems.length === 0 && topNodeName('logql', text) !== 'LogExpr') {
        problems.push({ at: 0, message: 'not a stream selector' });
      }
      return problems;
    }
    case 'series': {
      const problems = parseProblemsOf('promql', text);
      if (problems.length === 0 && topNodeName('promql', text) !== 'VectorSelector') {
        problems.push({ at: 0, message: 'not a series (metric{label="value", …})' });
      }
      return problems;
    }
    case 'variable': {
      const match = /^(\s*)(label_values|label_names|query_result|metrics)\s*\(([\s\S]*)\)\s*$/.exec(text);
      if (!match)
        return [
          { at: 0, message: 'not a Grafana variable function (label_values, label_names, query_result, metrics)' },
        ];
      const [, lead = '', fn, inner = ''] = match;
      const innerAt = text.indexOf('(', lead.length) + 1;
      const shifted = (problems: ParseProblem[], offset: number) => problems.map((p) => ({ ...p, at: p.at + offset }));
      if (fn === 'metrics') return [];
      if (fn === 'query_result') return shifted(parseProblemsOf('promql', inner), innerAt);
      if (fn === 'label_names') return inner.trim() ? shifted(problemsOf('promql', 'series', inner), innerAt) : [];
      // label_values(label) or label_values(selector, label)
      const parts = splitLastTopLevelComma(inner);
      const label = (parts ? parts[1] : inner).trim();
      const problems: ParseProblem[] = [];
      if (parts) problems.push(...shifted(parseProblemsOf('promql', parts[0]), innerAt));
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(label)) {
        problems.push({
          at: innerAt + (parts ? parts[0].length + 1 : 0),
          message: `${JSON.stringify(label)} is not a label name`,
        });
      }
      return problems;
    }
  }
}

function lineAndColumn(text: string, at: number): { line: number; column: number } {
  const before = text.slice(0, at);
  const line = before.split('\n').length;
  return { line, column: at - (before.lastIndexOf('\n') + 1) + 1 };
}

/** One line saying where a query is, for messages. */
export function locate(found: FoundQuery): string {
  return `${found.file}:${found.line} (${found.context})`;
}

/**
 * Undefined when the query parses; otherwise a message naming the file, the line, the place
 * and the query, with the error marked (⟦here⟧) in the text the parser saw.
 */
export function checkQuery(found: FoundQuery): string | undefined {
  let text: string;
  try {
    // Trailing blank lines (a YAML block scalar's last newline) are no part of the query.
    text = prepare(found).trimEnd();
  } catch (error) {
    return `${locate(found)}: ${(error as Error).message}\n  query: ${found.query}`;
  }
  const problems = problemsOf(found.language, found.shape, text);
  if (problems.length === 0) return undefined;
  const first = problems[0]!;
  const where = lineAndColumn(text, first.at);
  // Multi-line queries come from YAML block scalars and Markdown fences, which keep the lines.
  const position = text.includes('\n')
    ? `line ${where.line} column ${where.column} of the query (line ${found.line + where.line - 1} of the file)`
    : `column ${where.column}`;
  const marked = `${text.slice(0, first.at)}⟦here⟧${text.slice(first.at)}`;
  const lines = [
    `${locate(found)}: ${found.language === 'logql' ? 'LogQL' : 'PromQL'} ${found.shape === 'expr' ? '' : `(${found.shape}) `}does not parse: ${first.message} at ${position}`,
    `  query: ${found.query.trimEnd()}`,
  ];
  if (text !== found.query.trimEnd()) lines.push(`  as sent (placeholders filled in): ${text}`);
  lines.push(`  error: ${marked}`);
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------
// Where a file belongs
// ---------------------------------------------------------------------------------------

/** The kind of source a repository file is, for the per-source counts. */
export function sourceOf(file: string): string {
  const f = file.split(path.sep).join('/');
  if (f.startsWith('grafana/dashboards/')) return 'dashboards';
  if (f.startsWith('grafana/provisioning/')) return 'grafana provisioning';
  if (f.startsWith('prometheus/rules/')) return 'prometheus rules';
  if (f.startsWith('prometheus/tests/')) return 'prometheus rule tests';
  if (f.startsWith('docs/runbooks/')) return 'runbooks';
  if (f.startsWith('docs/labs/')) return 'labs';
  if (f.startsWith('docs/')) return 'docs';
  if (f === 'README.md') return 'README';
  if (f.startsWith('k6/')) return 'k6';
  if (f.startsWith('scripts/') && f.endsWith('.sh')) return 'scripts';
  return 'other markdown';
}

// ---------------------------------------------------------------------------------------
// Grafana dashboards
// ---------------------------------------------------------------------------------------

/** Provisioned datasource uid → type (prometheus, loki, jaeger…), from grafana/provisioning/datasources. */
export function provisionedDatasourceTypes(root = repoRoot): Map<string, string> {
  const types = new Map<string, string>();
  const dir = path.join(root, 'grafana/provisioning/datasources');
  for (const file of readdirSync(dir).filter((f) => /\.ya?ml$/.test(f))) {
    const data = parseDocument(readFileSync(path.join(dir, file), 'utf8')).toJS() as {
      datasources?: { uid: string; type: string }[];
    } | null;
    for (const d of data?.datasources ?? []) types.set(d.uid, d.type);
  }
  return types;
}

function languageOfDatasource(ref: unknown, types: Map<string, string>): Language | 'other' | undefined {
  if (ref === undefined || ref === null) return undefined;
  const uid = typeof ref === 'string' ? ref : (ref as DatasourceRef).uid;
  const type = (typeof ref === 'object' ? (ref as DatasourceRef).type : undefined) ?? types.get(uid);
  if (type === 'loki') return 'logql';
  if (type === 'prometheus') return 'promql';
  return 'other';
}

/** Finds the line of the n-th occurrence of `needle` in `text` (1-based), or 0. */
function lineOfOccurrence(text: string, needle: string, n: number): number {
  let at = -1;
  for (let i = 0; i <= n; i++) {
    at = text.indexOf(needle, at + 1);
    if (at < 0) return 0;
  }
  return text.slice(0, at).split('\n').length;
}

/**
 * Every query of a dashboard: targets of every panel (rows' panels included), annotation
 * queries and template-variable queries, each with its language from its datasource's type.
 * A query whose datasource cannot be told is an error, not a skip.
 */
export function dashboardQueries(file: string, text: string, types: Map<string, string>): FoundQuery[] {
  const dashboard: Dashboard = JSON.parse(text);
  const variables = dashboardVariableSamples(dashboard);
  const out: FoundQuery[] = [];
  const seen = new Map<string, number>();
  const lineOf = (key: string, value: string, fallback: string) => {
    const needle = `"${key}": ${JSON.stringify(value)}`;
    const n = seen.get(needle) ?? 0;
    seen.set(needle, n + 1);
    return (
      lineOfOccurrence(text, needle, n) ||
      lineOfOccurrence(text, JSON.stringify(value), 0) ||
      lineOfOccurrence(text, fallback, 0)
    );
  };
  const add = (
    q: Omit<FoundQuery, 'source' | 'file' | 'line' | 'interpolation' | 'variables'>,
    key: string,
    fallback: string,
  ) =>
    out.push({
      ...q,
      source: sourceOf(file),
      file,
      line: lineOf(key, q.query, fallback),
      interpolation: 'grafana',
      variables,
    });

  const panels = (dashboard.panels ?? []).flatMap((p) => [p, ...(p.panels ?? [])]);
  for (const panel of panels) {
    for (const target of panel.targets ?? []) {
      if (typeof target.expr !== 'string') continue;
      const language = languageOfDatasource(target.datasource, types) ?? languageOfDatasource(panel.datasource, types);
      if (language !== 'logql' && language !== 'promql') {
        throw new Error(
          `${file}: panel "${panel.title}" target ${target.refId}: an expr on datasource ${JSON.stringify(target.datasource ?? panel.datasource)}, neither Loki nor Prometheus`,
        );
      }
      add(
        { language, context: `panel "${panel.title}" ${target.refId ?? ''}`.trim(), query: target.expr, shape: 'expr' },
        'expr',
        `"title": ${JSON.stringify(panel.title)}`,
      );
    }
  }
  for (const annotation of dashboard.annotations?.list ?? []) {
    const language = languageOfDatasource(annotation.datasource, types);
    const expr = annotation.expr ?? annotation.target?.expr;
    if (typeof expr !== 'string' || (language !== 'logql' && language !== 'promql')) continue;
    add(
      { language, context: `annotation "${annotation.name}"`, query: expr, shape: 'expr' },
      'expr',
      `"name": ${JSON.stringify(annotation.name)}`,
    );
  }
  for (const variable of dashboard.templating?.list ?? []) {
    if (variable.type !== 'query') continue;
    const language = languageOfDatasource(variable.datasource, types);
    const context = `variable ${variable.name}`;
    const fallback = `"name": ${JSON.stringify(variable.name)}`;
    if (language === 'promql') {
      const query =
        typeof variable.query === 'string' ? variable.query : (variable.query?.query ?? variable.definition);
      add({ language, context, query: query!, shape: 'variable' }, 'query', fallback);
    } else if (language === 'logql') {
      // Loki's variable editor: { type, label, stream }; the stream selector is LogQL.
      const stream = (variable.query as { stream?: string } | undefined)?.stream ?? '';
      if (stream) add({ language, context: `${context} (stream)`, query: stream, shape: 'stream' }, 'stream', fallback);
      const definition = /^label_values\((\{[\s\S]*\}),\s*\w+\)$/.exec(String(variable.definition ?? '').trim());
      if (definition?.[1])
        add(
          { language, context: `${context} (definition)`, query: definition[1], shape: 'stream' },
          'definition',
          fallback,
        );
    } else if (language === 'other') {
      throw new Error(
        `${file}: variable ${variable.name} queries datasource ${JSON.stringify(variable.datasource)}: add its language to query-sources.ts`,
      );
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// YAML files: every scalar with its path and line
// ---------------------------------------------------------------------------------------

interface YamlScalar {
  path: (string | number)[];
  value: unknown;
  /** 1-based line of the scalar's text (for a block scalar: its first content line). */
  line: number;
}

function yamlScalars(text: string): { data: any; scalars: YamlScalar[] } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter });
  if (doc.errors.length) throw new Error(doc.errors.map((e) => e.message).join('\n'));
  const scalars: YamlScalar[] = [];
  const walk = (node: unknown, at: (string | number)[]) => {
    if (isMap(node)) {
      for (const pair of node.items) {
        if (isPair(pair) && isScalar(pair.key)) walk(pair.value, [...at, String(pair.key.value)]);
      }
    } else if (isSeq(node)) {
      for (const [i, item] of node.items.entries()) walk(item, [...at, i]);
    } else if (isScalar(node) && node.range) {
      const block = node.type === Scalar.BLOCK_LITERAL || node.type === Scalar.BLOCK_FOLDED;
      scalars.push({ path: at, value: node.value, line: lineCounter.linePos(node.range[0]).line + (block ? 1 : 0) });
    }
  };
  walk(doc.contents, []);
  return { data: doc.toJS(), scalars };
}

function matches(pathOf: (string | number)[], pattern: (string | number | null)[]): boolean {
  return pathOf.length === pattern.length && pattern.every((p, i) => p === null || p === pathOf[i]);
}

/** Queries run by Go templates: {{ query "…" }} or {{ with query `…` }}. */
function templateQueries(value: string): { query: string; at: number }[] {
  const out: { query: string; at: number }[] = [];
  for (const match of value.matchAll(/\bquery\s+("((?:[^"\\]|\\.)*)"|`([^`]*)`)/g)) {
    const query = match[2] !== undefined ? JSON.parse(`"${match[2]}"`) : (match[3] ?? '');
    out.push({ query, at: match.index ?? 0 });
  }
  return out;
}

/** Alert and recording rules: every `expr`, and queries run by annotation or label templates. */
export function ruleQueries(file: string, text: string): FoundQuery[] {
  const { data, scalars } = yamlScalars(text);
  const out: FoundQuery[] = [];
  const base = { file, interpolation: 'none' as const, shape: 'expr' as const, language: 'promql' as const };
  for (const s of scalars) {
    const [, group, , rule] = s.path;
    if (matches(s.path, ['groups', null, 'rules', null, 'expr'])) {
      const r = data.groups[group as number].rules[rule as number];
      const name = r.alert ? `alert ${r.alert}` : `record ${r.record}`;
      out.push({ ...base, source: sourceOf(file), line: s.line, context: `${name} expr`, query: String(s.value) });
    } else if (
      matches(s.path, ['groups', null, 'rules', null, 'annotations', null]) ||
      matches(s.path, ['groups', null, 'rules', null, 'labels', null])
    ) {
      const r = data.groups[group as number].rules[rule as number];
      for (const { query } of templateQueries(String(s.value))) {
        out.push({
          ...base,
          source: 'alert annotations',
          line: s.line,
          context: `alert ${r.alert ?? r.record} ${s.path[4]} ${s.path[5]}`,
          query,
        });
      }
    }
  }
  return out;
}

/** promtool unit tests: promql_expr_test expressions and the input series. */
export function ruleTestQueries(file: string, text: string): FoundQuery[] {
  const { scalars } = yamlScalars(text);
  const out: FoundQuery[] = [];
  for (const s of scalars) {
    const base = {
      file,
      source: sourceOf(file),
      line: s.line,
      interpolation: 'none' as const,
      language: 'promql' as const,
    };
    if (matches(s.path, ['tests', null, 'promql_expr_test', null, 'expr'])) {
      out.push({
        ...base,
        context: `test ${Number(s.path[1]) + 1} promql_expr_test`,
        query: String(s.value),
        shape: 'expr',
      });
    } else if (matches(s.path, ['tests', null, 'input_series', null, 'series'])) {
      out.push({
        ...base,
        context: `test ${Number(s.path[1]) + 1} input series`,
        query: String(s.value),
        shape: 'series',
      });
    }
  }
  return out;
}

/**
 * Datasource provisioning: the queries of the links between signals. A link's language is
 * the type of the datasource it opens (trace → logs in Loki is LogQL, trace → metrics is
 * PromQL; a derived field pointing at Loki or Prometheus holds a query in its url).
 */
export function datasourceQueries(file: string, text: string, types: Map<string, string>): FoundQuery[] {
  const { data, scalars } = yamlScalars(text);
  const out: FoundQuery[] = [];
  for (const s of scalars) {
    if (s.path[0] !== 'datasources' || s.path[2] !== 'jsonData' || typeof s.value !== 'string') continue;
    const ds = data.datasources[s.path[1] as number];
    const rest = s.path.slice(3);
    let target: unknown;
    let context = '';
    if (matches(rest, ['tracesToLogsV2', 'query']) || matches(rest, ['tracesToLogs', 'query'])) {
      target = ds.jsonData[rest[0] as string].datasourceUid;
      context = `${ds.name} ${rest[0]} query`;
    } else if (matches(rest, ['tracesToMetrics', 'queries', null, 'query'])) {
      target = ds.jsonData.tracesToMetrics.datasourceUid;
      context = `${ds.name} tracesToMetrics "${ds.jsonData.tracesToMetrics.queries[rest[2] as number].name}"`;
    } else if (matches(rest, ['derivedFields', null, 'url'])) {
      const field = ds.jsonData.derivedFields[rest[1] as number];
      // A derived field with an internal link opens its url as a query of that datasource.
      if (!field.datasourceUid) continue;
      target = field.datasourceUid;
      context = `${ds.name} derived field "${field.name}"`;
    } else {
      continue;
    }
    const language = languageOfDatasource(target, types);
    if (language !== 'logql' && language !== 'promql') continue;
    out.push({
      language,
      source: sourceOf(file),
      file,
      line: s.line,
      context,
      query: s.value,
      shape: 'expr',
      interpolation: 'provisioning',
    });
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// Shell scripts
// ---------------------------------------------------------------------------------------

/** Reads one shell word at `at`: quotes removed, escapes undone, $expansions kept as text. */
function readShellWord(text: string, at: number): { value: string; end: number; commandSubstitution: boolean } {
  let value = '';
  let i = at;
  let commandSubstitution = false;
  while (i < text.length && !/[\s;&|)<>]/.test(text[i]!)) {
    const c = text[i]!;
    if (c === "'") {
      const close = text.indexOf("'", i + 1);
      value += text.slice(i + 1, close < 0 ? text.length : close);
      i = close < 0 ? text.length : close + 1;
    } else if (c === '"') {
      i++;
      while (i < text.length && text[i] !== '"') {
        if (text[i] === '\\' && '"\\$`'.includes(text[i + 1] ?? '')) {
          value += text[i + 1];
          i += 2;
        } else {
          if (text.startsWith('$(', i) || text[i] === '`') commandSubstitution = true;
          value += text[i];
          i++;
        }
      }
      i++;
    } else if (c === '\\') {
      value += text[i + 1] ?? '';
      i += 2;
    } else {
      if (text.startsWith('$(', i) || c === '`') commandSubstitution = true;
      value += c;
      i++;
    }
  }
  return { value, end: i, commandSubstitution };
}

/**
 * Logical lines of a script: backslash-continued lines joined by a space, with the line
 * number of each offset.
 */
function shellCommands(text: string): { text: string; lineAt: (offset: number) => number }[] {
  const out: { text: string; lineAt: (offset: number) => number }[] = [];
  let parts: { text: string; line: number }[] = [];
  const flush = () => {
    const starts: { at: number; line: number }[] = [];
    let joined = '';
    for (const part of parts) {
      if (joined) joined += ' ';
      starts.push({ at: joined.length, line: part.line });
      joined += part.text;
    }
    out.push({ text: joined, lineAt: (offset) => starts.filter((s) => s.at <= offset).at(-1)?.line ?? parts[0]!.line });
    parts = [];
  };
  text.split('\n').forEach((raw, i) => {
    const continued = /\\$/.test(raw);
    parts.push({ text: continued ? raw.slice(0, -1) : raw, line: i + 1 });
    if (!continued) flush();
  });
  if (parts.length) flush();
  return out;
}

const PROM_HELPERS = ['prom_query', 'prom_value', 'prom_has_result'];

/**
 * The queries a shell script sends: the argument of common.sh's prom_query / prom_value /
 * prom_has_result, and every `--data-urlencode "query=…"` (PromQL to Prometheus, LogQL to
 * Loki, told by the URL of the same command). An argument that only forwards a variable
 * (`prom_query "$1"` inside a helper) is not a query of its own.
 */
export function shellQueries(file: string, text: string, source = sourceOf(file), lineOffset = 0): FoundQuery[] {
  const out: FoundQuery[] = [];
  const forwarded = (value: string) => /^\$\{?\w+\}?$/.test(value);
  for (const command of shellCommands(text)) {
    const code = command.text.replace(/(^|\s)#.*$/, '$1');
    const add = (
      language: Language,
      context: string,
      at: number,
      word: ReturnType<typeof readShellWord>,
      value: string,
    ) => {
      if (forwarded(value)) return;
      const line = command.lineAt(at) + lineOffset;
      if (word.commandSubstitution)
        throw new Error(`${file}:${line}: a query built by command substitution cannot be checked: ${value}`);
      out.push({ language, source, file, line, context, query: value, shape: 'expr', interpolation: 'shell' });
    };
    for (const match of code.matchAll(new RegExp(`(?:^|[\\s;&|(])(${PROM_HELPERS.join('|')})\\s+`, 'g'))) {
      const at = (match.index ?? 0) + match[0].length;
      const word = readShellWord(code, at);
      add('promql', `${match[1]} argument`, at, word, word.value);
    }
    for (const match of code.matchAll(/--data-urlencode[\s=]+/g)) {
      const at = (match.index ?? 0) + match[0].length;
      const word = readShellWord(code, at);
      if (!word.value.startsWith('query=')) continue;
      const value = word.value.slice('query='.length);
      let language: Language;
      if (/loki\/api|LOKI_URL|:3100/.test(code)) language = 'logql';
      else if (/api\/v1\/query|PROMETHEUS_URL|:9090/.test(code)) language = 'promql';
      else
        throw new Error(
          `${file}:${command.lineAt(at) + lineOffset}: cannot tell whether this query goes to Loki or Prometheus: ${command.text.trim()}`,
        );
      add(language, `curl --data-urlencode query= (${language === 'logql' ? 'Loki' : 'Prometheus'})`, at, word, value);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// Markdown
// ---------------------------------------------------------------------------------------

const PROMQL_FUNCTIONS = [
  'abs',
  'absent',
  'absent_over_time',
  'avg',
  'avg_over_time',
  'bottomk',
  'ceil',
  'changes',
  'clamp',
  'clamp_max',
  'clamp_min',
  'count',
  'count_over_time',
  'count_values',
  'delta',
  'deriv',
  'exp',
  'floor',
  'group',
  'histogram_quantile',
  'holt_winters',
  'idelta',
  'increase',
  'irate',
  'label_join',
  'label_replace',
  'last_over_time',
  'ln',
  'max',
  'max_over_time',
  'min',
  'min_over_time',
  'predict_linear',
  'quantile',
  'quantile_over_time',
  'rate',
  'resets',
  'round',
  'scalar',
  'sort',
  'sort_desc',
  'sqrt',
  'stddev',
  'stdvar',
  'sum',
  'sum_over_time',
  'time',
  'timestamp',
  'topk',
  'vector',
];

/**
 * Whether an inline code span of prose is a query a reader would type, and which language:
 *   LogQL   a stream selector `{label="value"…}` not after a metric name, or a pipeline
 *           fragment starting with `|`
 *   PromQL  a selector with matchers, `by (…)`, a known function call, a range `[5m]`, or a
 *           comparison or division of a metric name
 * Not queries: names alone, brace expansions (otelcol_{a,b}_total), k6 threshold syntax
 * ({name:value}), and abbreviations with `…` outside a string (rate(…[5m])).
 */
export function classifyInline(span: string): { language: Language; shape: Shape; query: string } | undefined {
  const query = span.replace(/^expr:\s+/, '').trim();
  const outsideStrings = query.replace(/"(?:[^"\\]|\\.)*"|`[^`]*`/g, '""');
  if (outsideStrings.includes('…')) return undefined;
  if (/^\|[=~]?\s/.test(query)) return { language: 'logql', shape: 'pipeline', query };
  const braces = [...outsideStrings.matchAll(/\{([^}]*)\}/g)].map((m) => m[1] ?? '');
  const matchersOnly = braces.every((inner) => inner.trim() === '' || /^\s*[A-Za-z_]\w*\s*(=~|!~|!=|=)/.test(inner));
  if (!matchersOnly || braces.some((inner) => /^[\w\s,]*$/.test(inner) && inner.includes(','))) return undefined;
  if (/(^|[\s(])\{\s*[A-Za-z_]\w*\s*(=~|!~|!=|=)\s*""/.test(outsideStrings))
    return { language: 'logql', shape: 'expr', query };
  const promql =
    /[A-Za-z_:][\w:]*\{\s*[A-Za-z_]\w*\s*(=~|!~|!=|=)/.test(outsideStrings) ||
    /\b(by|without)\s*\(/.test(outsideStrings) ||
    new RegExp(`(^|[^\\w.])(${PROMQL_FUNCTIONS.join('|')})\\s*\\(\\s*[^)\\s]`).test(outsideStrings) ||
    /\[\d+[smhdwy]\]/.test(outsideStrings) ||
    /^[a-z_:][\w:]*_[\w:]*\s+(==|!=|>=|<=|>|<|\/)\s+\S/.test(outsideStrings);
  return promql ? { language: 'promql', shape: 'expr', query } : undefined;
}

/**
 * Splits a fenced block into queries: a line at the block's base indentation starts a new
 * query unless it begins with `)` or a binary operator; deeper lines continue the previous
 * one; blank lines and `#` comments separate.
 */
function splitFencedQueries(lines: { text: string; line: number }[]): { query: string; line: number }[] {
  const content = lines.filter((l) => l.text.trim() && !l.text.trim().startsWith('#'));
  const base = Math.min(...content.map((l) => /^\s*/.exec(l.text)![0].length));
  const out: { query: string; line: number }[] = [];
  let current: { query: string; line: number } | undefined;
  for (const l of lines) {
    const trimmed = l.text.trim();
    if (!trimmed || trimmed.startsWith('#')) {
      if (current) out.push(current);
      current = undefined;
      continue;
    }
    const indent = /^\s*/.exec(l.text)![0].length;
    const continues =
      indent > base ||
      /^(\)|and\b|or\b|unless\b|on\b|ignoring\b|group_left\b|group_right\b|[-+*/%^<>=!|])/.test(trimmed);
    if (current && continues) {
      current.query += `\n${l.text.slice(base)}`;
    } else {
      if (current) out.push(current);
      current = { query: l.text.slice(base), line: l.line };
    }
  }
  if (current) out.push(current);
  return out;
}

/** Statistics of a markdown scan, for the completeness checks. */
export interface MarkdownScan {
  queries: FoundQuery[];
  /** ```promql and ```logql fences seen (each must yield at least one query). */
  fences: { language: Language; line: number; queries: number }[];
}

export function markdownQueries(file: string, text: string): MarkdownScan {
  const source = sourceOf(file);
  const queries: FoundQuery[] = [];
  const fences: MarkdownScan['fences'] = [];
  const lines = text.split('\n');
  const prose: { text: string; line: number }[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,}|~{3,})\s*([\w+-]*)/.exec(lines[i]!);
    if (!open) {
      prose.push({ text: lines[i]!, line: i + 1 });
      continue;
    }
    const [, indent = '', marker = '```', info = ''] = open;
    const body: { text: string; line: number }[] = [];
    let j = i + 1;
    for (; j < lines.length; j++) {
      const close = new RegExp(`^\\s*${marker[0] === '`' ? '`' : '~'}{${marker.length},}\\s*$`);
      if (close.test(lines[j]!)) break;
      body.push({
        text: lines[j]!.startsWith(indent) ? lines[j]!.slice(indent.length) : lines[j]!.trimStart(),
        line: j + 1,
      });
    }
    const lang = info.toLowerCase();
    if (lang === 'promql' || lang === 'logql') {
      const found = splitFencedQueries(body);
      fences.push({ language: lang, line: i + 1, queries: found.length });
      for (const q of found) {
        queries.push({
          language: lang,
          source,
          file,
          line: q.line,
          context: `\`\`\`${lang} block`,
          query: q.query,
          shape: 'expr',
          interpolation: 'none',
        });
      }
    } else if (lang === 'yaml' || lang === 'yml') {
      // A rule quoted in the docs: every `expr` of the block.
      let scalars: YamlScalar[];
      try {
        scalars = yamlScalars(body.map((l) => l.text).join('\n')).scalars;
      } catch (error) {
        throw new Error(`${file}:${i + 1}: a \`\`\`${lang} block that is not YAML: ${(error as Error).message}`);
      }
      for (const s of scalars.filter((x) => x.path.at(-1) === 'expr' && typeof x.value === 'string')) {
        queries.push({
          language: 'promql',
          source,
          file,
          line: s.line + i + 1,
          context: `\`\`\`${lang} block expr`,
          query: String(s.value),
          shape: 'expr',
          interpolation: 'none',
        });
      }
    } else if (['sh', 'bash', 'shell', 'console'].includes(lang)) {
      const script = body.map((l) => l.text.replace(/^\$ /, '')).join('\n');
      queries.push(
        ...shellQueries(file, script, source, i + 1).map((q) => ({
          ...q,
          context: `\`\`\`${lang} block: ${q.context}`,
        })),
      );
    }
    prose.push({ text: '', line: i + 1 });
    i = j;
  }
  // Inline code spans, which may run over a line break inside a paragraph.
  const paragraphs: { text: string; line: number }[][] = [[]];
  for (const l of prose) {
    if (l.text.trim() === '') paragraphs.push([]);
    else paragraphs.at(-1)!.push(l);
  }
  for (const paragraph of paragraphs.filter((p) => p.length)) {
    const joined = paragraph.map((l) => l.text).join('\n');
    for (const match of joined.matchAll(/(?<!`)(`+)(?!`)([\s\S]+?)(?<!`)\1(?!`)/g)) {
      // A line break inside a span is a space; in a table, a code span writes | as \|.
      const span = match[2]!
        .replace(/\s*\n\s*/g, ' ')
        .replaceAll('\\|', '|')
        .trim();
      const kind = classifyInline(span);
      if (!kind) continue;
      const line = paragraph[joined.slice(0, match.index).split('\n').length - 1]!.line;
      queries.push({ ...kind, source, file, line, context: 'inline code', interpolation: 'none' });
    }
  }
  return { queries, fences };
}

// ---------------------------------------------------------------------------------------
// The whole repository
// ---------------------------------------------------------------------------------------

const SKIPPED_DIRS = new Set(['node_modules', 'dist', 'coverage']);

function walk(dir: string, root: string, keep: (relative: string) => boolean, out: string[] = []): string[] {
  if (!existsSync(dir)) return out;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name.startsWith('.') || SKIPPED_DIRS.has(entry.name)) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) walk(full, root, keep, out);
    else if (keep(path.relative(root, full))) out.push(path.relative(root, full));
  }
  return out.sort();
}

export interface RepositoryQueries {
  queries: FoundQuery[];
  /** The files read per kind, for the completeness checks. */
  files: {
    dashboards: string[];
    provisioning: string[];
    rules: string[];
    ruleTests: string[];
    markdown: string[];
    scripts: string[];
  };
  fences: (MarkdownScan['fences'][number] & { file: string })[];
}

export function repositoryQueries(root = repoRoot): RepositoryQueries {
  const read = (file: string) => readFileSync(path.join(root, file), 'utf8');
  const list = (dir: string, pattern: RegExp) => walk(path.join(root, dir), root, (f) => pattern.test(f));
  const types = provisionedDatasourceTypes(root);
  const files = {
    dashboards: list('grafana/dashboards', /\.json$/),
    provisioning: list('grafana/provisioning', /\.ya?ml$/),
    rules: list('prometheus/rules', /\.ya?ml$/),
    ruleTests: list('prometheus/tests', /\.ya?ml$/),
    markdown: walk(root, root, (f) => f.endsWith('.md')),
    scripts: list('scripts', /\.sh$/),
  };
  const queries: FoundQuery[] = [];
  const fences: RepositoryQueries['fences'] = [];
  for (const f of files.dashboards) queries.push(...dashboardQueries(f, read(f), types));
  for (const f of files.provisioning.filter((p) => p.includes('/datasources/')))
    queries.push(...datasourceQueries(f, read(f), types));
  for (const f of files.rules) queries.push(...ruleQueries(f, read(f)));
  for (const f of files.ruleTests) queries.push(...ruleTestQueries(f, read(f)));
  for (const f of files.markdown) {
    const scan = markdownQueries(f, read(f));
    queries.push(...scan.queries);
    fences.push(...scan.fences.map((fence) => ({ ...fence, file: f })));
  }
  for (const f of files.scripts) queries.push(...shellQueries(f, read(f)));
  return { queries, files, fences };
}
