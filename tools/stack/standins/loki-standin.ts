/**
 * A stand-in for Loki in the native stack tests: an HTTP server written as test code that
 * takes the place of Loki 3 run as one process ("single binary", the image docker-compose.yml
 * runs at LOKI_VERSION of .env.example). Loki is AGPL, so this project does not build or run
 * it outside the product's own container; the product (docker-compose.yml, loki/config.yaml,
 * Grafana's datasource, the docs and labs) still uses the real Loki image.
 *
 * What it does, as Loki does it for this stack:
 * - ingestion: `POST /otlp/v1/logs`, the endpoint the collector's `otlp_http/loki` exporter
 *   calls, OTLP/HTTP protobuf (or OTLP JSON), optionally gzip-encoded, decoded with protobufjs
 *   from the same .proto files as the tests' gRPC receiver (tests/src/harness/otlp-proto).
 *   Answers an empty ExportLogsServiceResponse with 200; 400 on a body it cannot decode; 415
 *   on another content type or encoding.
 * - the record → Loki mapping of loki/config.yaml's `otlp_config` (read from the file, see
 *   `otlpMappingFromConfig`, which refuses settings it does not implement): the listed
 *   resource attributes become index labels (dots → underscores; service_name is
 *   "unknown_service" when service.name is missing); every other resource attribute, the
 *   scope (scope_name, scope_version, its attributes), the record's attributes (nested maps
 *   flattened with "_"), trace_id, span_id, flags, severity_text, severity_number and
 *   observed_timestamp become structured metadata; the body is the line; detected_level is
 *   derived from severity_number (trace…fatal by OTLP's ranges), else from severity_text,
 *   else "unknown". Lines are kept in memory, the newest `maxLines` (50,000) by arrival.
 * - queries: `GET /ready`, `/metrics`, `/loki/api/v1/query_range`, `/loki/api/v1/query`,
 *   `/loki/api/v1/labels`, `/loki/api/v1/label/<name>/values` (GET, or POST with a form),
 *   with Loki's JSON shapes: `streams` results whose stream labels are the index labels
 *   merged with the structured metadata (Loki's answer without the categorize-labels
 *   header), `matrix` and `vector` results for metric queries.
 * - LogQL, parsed with @grafana/lezer-logql (Grafana's grammar of Loki's LogQL), evaluated
 *   for the forms the stack uses (scripts/validate.sh, the dashboards, the Jaeger datasource's
 *   trace-to-logs query, the labs, the tests): stream selectors (=, !=, =~, !~, at least one
 *   non-empty-compatible = or =~), line filters (|=, !=, |~, !~), label filters on labels and
 *   structured metadata (=, !=, =~, !~, joined by `and` or `,`), rate and count_over_time
 *   over a range, and sum/avg/min/max/count with `by`/`without`. Anything else (parsers,
 *   formatting, `or`, unwrap, offset, binary operations, topk, pattern or ip filters,
 *   regexps the RE2 → JavaScript translation cannot carry exactly…) is answered 400 with a
 *   message naming what the stand-in does not implement: never a wrong answer.
 * - time ranges as Loki reads them: start/end (Unix ns, Unix s, or RFC 3339), since, limit
 *   (at most 5,000 lines), direction; logs in [start, end); metric queries evaluated at
 *   start, start+step, … ≤ end over (t - range, t], steps without lines omitted, at most
 *   11,000 points and 500 series.
 *
 * What it cannot prove — only the real Loki image (docker compose up) does:
 * - that Loki accepts loki/config.yaml at all (tests/stack/configs.test.ts checks the
 *   settings the stack relies on statically), and anything of its storage: the TSDB index,
 *   chunks on the filesystem, schema v13, the WAL, restarts keeping data;
 * - retention (LOKI_RETENTION_PERIOD) and the compactor deleting old logs;
 * - the real LogQL engine: its exact semantics beyond the forms above, query splitting and
 *   sharding, caching, its performance and memory under load (a bench run here measures
 *   this stand-in, not Loki);
 * - ingestion limits (rate and burst limits, line size, old or future samples, per-stream
 *   limits, structured metadata size), multi-tenancy and authentication (auth_enabled is
 *   false here and in compose), Loki's level detection from the line content when a record
 *   has no severity, Loki's ring and readiness delay, the ruler, tail, volume and
 *   Logs Drilldown endpoints;
 * - its /metrics: the stand-in exposes only its own counters (lines received, under Loki's
 *   name loki_distributor_lines_received_total, and what it refused or evicted).
 *
 * Run on its own (the native stack starts it this way, tools/stack/loki.ts, as a child process):
 *   node tools/stack/standins/loki-standin.ts --port=3100 --config=loki/config.yaml
 * and in the compose rehearsal as the image grafana/loki:<LOKI_VERSION> (tests/compose/
 * standins/loki), listening on every interface of its container (--host=0.0.0.0).
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';
import { parser } from '@grafana/lezer-logql';
import type { SyntaxNode } from '@lezer/common';
import protobuf from 'protobufjs';
import { parse as parseYaml } from 'yaml';

// The stand-in's image (tests/compose/standins/loki) puts the protos elsewhere.
const PROTO_DIR =
  process.env.LOKI_STANDIN_PROTO_DIR ??
  path.join(path.dirname(fileURLToPath(import.meta.url)), '../../../tests/src/harness/otlp-proto');

/** Defaults of Loki 3's limits_config that the stand-in applies to queries. */
export const LIMITS = {
  maxEntriesPerQuery: 5_000,
  maxQuerySeries: 500,
  maxPointsPerSeries: 11_000,
  /** Largest request body accepted, after gzip decoding. */
  maxBodyBytes: 64 * 1024 * 1024,
} as const;

// ---------------------------------------------------------------------------------------
// The OTLP → Loki mapping, from loki/config.yaml.
// ---------------------------------------------------------------------------------------

export interface OtlpMapping {
  /** OTLP resource attributes that become index labels (service.name → service_name). */
  indexLabels: string[];
  /** limits_config.discover_log_levels (Loki 3's default: on): add detected_level. */
  discoverLogLevels: boolean;
}

/**
 * The mapping loki/config.yaml (parsed) sets up, or an error naming a setting the stand-in
 * does not implement — so a change to the file cannot silently differ from what the tests run.
 */
export function otlpMappingFromConfig(config: any): OtlpMapping {
  const limits = config?.limits_config ?? {};
  const unsupported = (what: string) =>
    new Error(
      `loki/config.yaml: ${what} is not implemented by tools/stack/standins/loki-standin.ts (extend it, or keep the setting)`,
    );
  if (limits.allow_structured_metadata === false) throw unsupported('allow_structured_metadata: false');
  const otlp = limits.otlp_config ?? {};
  for (const key of Object.keys(otlp)) {
    if (key !== 'resource_attributes') throw unsupported(`otlp_config.${key}`);
  }
  const resource = otlp.resource_attributes ?? {};
  if (resource.ignore_defaults !== true) throw unsupported("Loki's default index labels (ignore_defaults is not true)");
  const indexLabels: string[] = [];
  for (const entry of resource.attributes_config ?? []) {
    if (entry.action !== 'index_label') throw unsupported(`attributes_config action ${entry.action}`);
    if (entry.regex !== undefined) throw unsupported('attributes_config regex');
    for (const name of entry.attributes ?? []) indexLabels.push(String(name));
  }
  for (const key of Object.keys(resource)) {
    if (key !== 'ignore_defaults' && key !== 'attributes_config')
      throw unsupported(`otlp_config.resource_attributes.${key}`);
  }
  return { indexLabels, discoverLogLevels: limits.discover_log_levels !== false };
}

/** An attribute name as a Loki label name: every character outside [a-zA-Z0-9_] becomes "_". */
export function labelName(key: string): string {
  const name = key.replace(/[^a-zA-Z0-9_]/g, '_');
  return /^[0-9]/.test(name) ? `_${name}` : name;
}

const SEVERITY_RANGES: [number, string][] = [
  [4, 'trace'],
  [8, 'debug'],
  [12, 'info'],
  [16, 'warn'],
  [20, 'error'],
  [24, 'fatal'],
];

const LEVEL_WORDS: Record<string, string> = {
  trace: 'trace',
  debug: 'debug',
  dbg: 'debug',
  info: 'info',
  information: 'info',
  informational: 'info',
  notice: 'info',
  warn: 'warn',
  warning: 'warn',
  error: 'error',
  err: 'error',
  critical: 'critical',
  crit: 'critical',
  fatal: 'fatal',
  panic: 'fatal',
};

/** detected_level from an OTLP record's severity. */
export function detectedLevel(severityNumber: number, severityText: string): string {
  if (severityNumber >= 1) {
    for (const [upTo, level] of SEVERITY_RANGES) if (severityNumber <= upTo) return level;
  }
  return LEVEL_WORDS[severityText.trim().toLowerCase()] ?? 'unknown';
}

// ---------------------------------------------------------------------------------------
// Storage.
// ---------------------------------------------------------------------------------------

type Labels = Record<string, string>;

interface Stream {
  /** Index labels. */
  labels: Labels;
  key: string;
}

interface Entry {
  /** Unix nanoseconds. */
  ts: bigint;
  line: string;
  stream: Stream;
  /** Structured metadata shared by the records of one resource and scope. */
  shared: Labels;
  /** The record's own structured metadata. */
  own: Labels;
}

function labelsKey(labels: Labels): string {
  return JSON.stringify(
    Object.keys(labels)
      .sort()
      .map((k) => [k, labels[k]]),
  );
}

function sortedLabels(labels: Labels): Labels {
  const out: Labels = {};
  for (const key of Object.keys(labels).sort()) out[key] = labels[key]!;
  return out;
}

/** Index labels merged with structured metadata: a line's labels in a query answer. */
function allLabels(entry: Entry): Labels {
  return sortedLabels({ ...entry.stream.labels, ...entry.shared, ...entry.own });
}

function labelValue(entry: Entry, name: string): string {
  return entry.own[name] ?? entry.shared[name] ?? entry.stream.labels[name] ?? '';
}

// ---------------------------------------------------------------------------------------
// OTLP decoding: protobuf with protobufjs, or OTLP JSON, to the same object shape.
// ---------------------------------------------------------------------------------------

let requestType: protobuf.Type | undefined;
let responseType: protobuf.Type | undefined;

function otlpTypes(): { request: protobuf.Type; response: protobuf.Type } {
  if (!requestType || !responseType) {
    const root = new protobuf.Root();
    root.resolvePath = (_origin, target) => (path.isAbsolute(target) ? target : path.join(PROTO_DIR, target));
    root.loadSync('logs.proto');
    requestType = root.lookupType('opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest');
    responseType = root.lookupType('opentelemetry.proto.collector.logs.v1.ExportLogsServiceResponse');
  }
  return { request: requestType, response: responseType };
}

/** Decodes an ExportLogsServiceRequest (protobuf) to plain objects with camelCase fields. */
export function decodeOtlpProtobuf(body: Buffer): any {
  const { request } = otlpTypes();
  return request.toObject(request.decode(body), { longs: String, defaults: false, arrays: true });
}

class BadRequest extends Error {}

/** A field of OTLP JSON by its lowerCamelCase or its proto name. */
function field(o: any, camel: string): any {
  if (o === null || typeof o !== 'object') return undefined;
  if (o[camel] !== undefined) return o[camel];
  return o[camel.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)];
}

function list(o: any, camel: string): any[] {
  const value = field(o, camel);
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new BadRequest(`${camel} is not an array`);
  return value;
}

function toBigInt(value: unknown, what: string): bigint {
  if (value === undefined || value === null || value === '') return 0n;
  try {
    if (typeof value === 'bigint') return value;
    if (typeof value === 'number') return BigInt(Math.trunc(value));
    return BigInt(String(value));
  } catch {
    throw new BadRequest(`${what} is not an integer: ${String(value)}`);
  }
}

function bytesHex(value: unknown): string {
  if (value === undefined || value === null) return '';
  const hex = value instanceof Uint8Array ? Buffer.from(value).toString('hex') : String(value).toLowerCase();
  if (!/^[0-9a-f]*$/.test(hex)) throw new BadRequest(`not a hex id: ${String(value)}`);
  return /^0*$/.test(hex) ? '' : hex;
}

/** Go's strconv.FormatFloat(f, 'f', -1, 64): the shortest exact decimal, never an exponent. */
export function formatFloat(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? '+Inf' : '-Inf';
  const text = String(value);
  if (!/e/i.test(text)) return text;
  const [mantissa = '', exponentText = '0'] = text.split(/e/i);
  const exponent = Number(exponentText);
  const negative = mantissa.startsWith('-');
  const digits = mantissa.replace(/^-/, '').replace('.', '');
  const point = (mantissa.replace(/^-/, '').split('.')[0] ?? '').length + exponent;
  const body =
    point <= 0
      ? `0.${'0'.repeat(-point)}${digits}`
      : point >= digits.length
        ? digits + '0'.repeat(point - digits.length)
        : `${digits.slice(0, point)}.${digits.slice(point)}`;
  return negative ? `-${body}` : body;
}

/** An AnyValue as JSON data (for arrays and maps rendered as text). */
function anyJson(v: any): unknown {
  if (v === null || typeof v !== 'object') return null;
  if (field(v, 'stringValue') !== undefined) return String(field(v, 'stringValue'));
  if (field(v, 'boolValue') !== undefined) return Boolean(field(v, 'boolValue'));
  if (field(v, 'intValue') !== undefined) return Number(toBigInt(field(v, 'intValue'), 'intValue'));
  if (field(v, 'doubleValue') !== undefined) return Number(field(v, 'doubleValue'));
  if (field(v, 'arrayValue') !== undefined) return list(field(v, 'arrayValue'), 'values').map(anyJson);
  if (field(v, 'kvlistValue') !== undefined) {
    return Object.fromEntries(
      list(field(v, 'kvlistValue'), 'values').map((kv) => [
        String(field(kv, 'key') ?? ''),
        anyJson(field(kv, 'value')),
      ]),
    );
  }
  if (field(v, 'bytesValue') !== undefined) return bytesBase64(field(v, 'bytesValue'));
  return null;
}

function bytesBase64(value: unknown): string {
  return value instanceof Uint8Array ? Buffer.from(value).toString('base64') : String(value);
}

/** An AnyValue as Loki writes it into a line or a structured metadata value. */
function anyString(v: any): string {
  if (v === null || v === undefined || typeof v !== 'object') return '';
  if (field(v, 'stringValue') !== undefined) return String(field(v, 'stringValue'));
  if (field(v, 'boolValue') !== undefined) return field(v, 'boolValue') ? 'true' : 'false';
  if (field(v, 'intValue') !== undefined) return toBigInt(field(v, 'intValue'), 'intValue').toString();
  if (field(v, 'doubleValue') !== undefined) return formatFloat(Number(field(v, 'doubleValue')));
  if (field(v, 'bytesValue') !== undefined) return bytesBase64(field(v, 'bytesValue'));
  if (field(v, 'arrayValue') !== undefined || field(v, 'kvlistValue') !== undefined) return JSON.stringify(anyJson(v));
  return '';
}

/** Attributes as structured metadata: names as label names, nested maps flattened with "_". */
function addAttributes(out: Labels, kvs: any[], prefix = ''): void {
  for (const kv of kvs) {
    const key = `${prefix}${labelName(String(field(kv, 'key') ?? ''))}`;
    const value = field(kv, 'value');
    const map = value && typeof value === 'object' ? field(value, 'kvlistValue') : undefined;
    if (map !== undefined) addAttributes(out, list(map, 'values'), `${key}_`);
    else out[key] = anyString(value);
  }
}

// ---------------------------------------------------------------------------------------
// LogQL: parsed by @grafana/lezer-logql, evaluated for the supported forms only.
// ---------------------------------------------------------------------------------------

class QueryError extends Error {}

function unsupported(what: string): QueryError {
  return new QueryError(`unsupported by the Loki stand-in (tools/stack/standins/loki-standin.ts, not Loki): ${what}`);
}

type MatchOp = '=' | '!=' | '=~' | '!~';

interface Matcher {
  name: string;
  op: MatchOp;
  value: string;
  matches: (value: string) => boolean;
}

interface LogQuery {
  kind: 'log';
  selector: Matcher[];
  /** Line and label filters, applied to each line (they commute: no stage changes labels). */
  filters: ((entry: Entry) => boolean)[];
}

interface RangeAggregation {
  kind: 'range';
  op: 'rate' | 'count_over_time';
  rangeNs: bigint;
  log: LogQuery;
}

interface VectorAggregation {
  kind: 'vector';
  op: 'sum' | 'avg' | 'min' | 'max' | 'count';
  grouping: { without: boolean; labels: string[] } | undefined;
  inner: MetricQuery;
}

type MetricQuery = RangeAggregation | VectorAggregation;
export type Query = LogQuery | MetricQuery;

const NS_PER: Record<string, bigint> = {
  ns: 1n,
  us: 1_000n,
  µs: 1_000n,
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
  d: 86_400_000_000_000n,
  w: 604_800_000_000_000n,
  y: 31_536_000_000_000_000n,
};

/** A duration ("1m", "1h30m", "500ms", "1.5m"), as Prometheus and Go durations, in ns. */
export function parseDuration(text: string): bigint {
  const re = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h|d|w|y)/gy;
  let total = 0n;
  let at = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const [whole = '', num = '', unit = ''] = m;
    at += whole.length;
    const [int = '0', frac = ''] = num.split('.');
    const per = NS_PER[unit]!;
    total += BigInt(int || '0') * per;
    if (frac) total += (BigInt(frac) * per) / 10n ** BigInt(frac.length);
  }
  if (at === 0 || at !== text.length) throw new QueryError(`invalid duration ${JSON.stringify(text)}`);
  return total;
}

/** A LogQL string literal: Go's double-quoted (with escapes) or back-quoted (raw) string. */
function unquote(text: string): string {
  if (text.length >= 2 && text.startsWith('`') && text.endsWith('`')) return text.slice(1, -1);
  if (!(text.length >= 2 && text.startsWith('"') && text.endsWith('"'))) throw new QueryError(`invalid string ${text}`);
  const body = text.slice(1, -1);
  const bytes: number[] = [];
  const push = (s: string) => bytes.push(...Buffer.from(s, 'utf8'));
  const hex = (from: number, n: number) => {
    const digits = body.slice(from, from + n);
    if (digits.length !== n || !/^[0-9a-fA-F]+$/.test(digits)) throw new QueryError(`invalid escape in ${text}`);
    return Number.parseInt(digits, 16);
  };
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c !== '\\') {
      const code = body.codePointAt(i)!;
      if (code > 0xffff) i++;
      push(String.fromCodePoint(code));
      continue;
    }
    const e = body[++i];
    const simple: Record<string, string> = {
      a: '\x07',
      b: '\b',
      f: '\f',
      n: '\n',
      r: '\r',
      t: '\t',
      v: '\v',
      '\\': '\\',
      '"': '"',
    };
    if (e !== undefined && simple[e] !== undefined) {
      push(simple[e]!);
    } else if (e === 'x') {
      bytes.push(hex(i + 1, 2));
      i += 2;
    } else if (e === 'u' || e === 'U') {
      const n = e === 'u' ? 4 : 8;
      push(String.fromCodePoint(hex(i + 1, n)));
      i += n;
    } else if (e !== undefined && /[0-7]/.test(e)) {
      const digits = body.slice(i, i + 3);
      if (!/^[0-7]{3}$/.test(digits)) throw new QueryError(`invalid escape in ${text}`);
      bytes.push(Number.parseInt(digits, 8));
      i += 2;
    } else {
      throw new QueryError(`invalid escape \\${e ?? ''} in ${text}`);
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/**
 * An RE2 regular expression (Go's regexp, which Loki uses) as a JavaScript RegExp, or a 400
 * for any construct whose meaning differs or that RE2 refuses.
 */
export function re2(source: string, anchored: boolean): RegExp {
  let flags = 'u';
  let body = source;
  const leading = /^\(\?([imsU]+)\)/.exec(body);
  if (leading) {
    if (leading[1]!.includes('U')) throw unsupported(`the regexp flag U in ${JSON.stringify(source)}`);
    flags += [...new Set(leading[1]!)].join('');
    body = body.slice(leading[0].length);
  }
  if (/\(\?[=!]|\(\?<[=!]/.test(body))
    throw new QueryError(`error parsing regexp: invalid or unsupported Perl syntax in ${JSON.stringify(source)}`);
  if (/\\[1-9]/.test(body))
    throw new QueryError(`error parsing regexp: invalid escape sequence in ${JSON.stringify(source)}`);
  if (/\[:\^?[a-z]+:\]/.test(body)) throw unsupported(`POSIX character classes in ${JSON.stringify(source)}`);
  if (/\(\?[a-zA-Z-]+[:)]/.test(body)) throw unsupported(`inline regexp flags inside ${JSON.stringify(source)}`);
  if (/\\[zAQEC]|\\p[A-Za-z]|\\x\{/.test(body)) throw unsupported(`the RE2 escape in ${JSON.stringify(source)}`);
  body = body.replace(/\(\?P</g, '(?<');
  try {
    return new RegExp(anchored ? `^(?:${body})$` : body, flags);
  } catch (err) {
    throw unsupported(`the regexp ${JSON.stringify(source)} (${(err as Error).message})`);
  }
}

function matcherOf(name: string, op: MatchOp, value: string): Matcher {
  let matches: (v: string) => boolean;
  if (op === '=') matches = (v) => v === value;
  else if (op === '!=') matches = (v) => v !== value;
  else {
    const re = re2(value, true);
    matches = op === '=~' ? (v) => re.test(v) : (v) => !re.test(v);
  }
  return { name, op, value, matches };
}

function childrenOf(node: SyntaxNode): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  for (let c = node.firstChild; c; c = c.nextSibling) if (c.name !== 'LineComment') out.push(c);
  return out;
}

class Compiler {
  private readonly text: string;
  constructor(text: string) {
    this.text = text;
  }

  src(node: SyntaxNode): string {
    return this.text.slice(node.from, node.to);
  }

  compile(): Query {
    if (this.text.trim() === '')
      throw new QueryError('parse error : syntax error: unexpected end of input (empty query)');
    const tree = parser.parse(this.text);
    let error: { from: number } | undefined;
    tree.iterate({
      enter: (n) => {
        if (n.type.isError && !error) error = { from: n.from };
      },
    });
    if (error) {
      const before = this.text.slice(0, error.from);
      const line = before.split('\n').length;
      const col = error.from - before.lastIndexOf('\n');
      const near = this.text.slice(error.from, error.from + 20);
      throw new QueryError(
        `parse error at line ${line}, col ${col}: syntax error${near ? ` near ${JSON.stringify(near)}` : ': unexpected end of input'}`,
      );
    }
    const top = childrenOf(tree.topNode);
    if (top.length !== 1 || top[0]!.name !== 'Expr') throw unsupported(`the query ${this.text}`);
    return this.expr(top[0]!);
  }

  private only(node: SyntaxNode): SyntaxNode {
    const children = childrenOf(node);
    if (children.length !== 1) throw unsupported(`${node.name} ${JSON.stringify(this.src(node))}`);
    return children[0]!;
  }

  private expr(node: SyntaxNode): Query {
    const child = this.only(node);
    if (child.name === 'LogExpr') return this.logExpr(child);
    if (child.name === 'MetricExpr') return this.metricExpr(child);
    throw unsupported(`${child.name} ${JSON.stringify(this.src(child))}`);
  }

  private logExpr(node: SyntaxNode): LogQuery {
    return this.logParts(node, childrenOf(node));
  }

  /** A selector (or a parenthesized log query) and the pipelines after it. */
  private logParts(node: SyntaxNode, children: SyntaxNode[]): LogQuery {
    let selector: Matcher[] | undefined;
    const filters: LogQuery['filters'] = [];
    for (const child of children) {
      if (child.name === 'Selector' && !selector) {
        selector = this.selector(child);
      } else if (child.name === 'LogExpr' && !selector) {
        const inner = this.logExpr(child);
        selector = inner.selector;
        filters.push(...inner.filters);
      } else if (child.name === 'PipelineExpr' && selector) {
        this.pipeline(child, filters);
      } else {
        throw unsupported(`${child.name} ${JSON.stringify(this.src(child))}`);
      }
    }
    if (!selector) throw unsupported(`the log query ${JSON.stringify(this.src(node))}`);
    return { kind: 'log', selector, filters };
  }

  private selector(node: SyntaxNode): Matcher[] {
    const matchers: Matcher[] = [];
    const collect = (n: SyntaxNode) => {
      for (const child of childrenOf(n)) {
        if (child.name === 'Matchers') collect(child);
        else if (child.name === 'Matcher') matchers.push(this.matcher(child));
        else throw unsupported(`${child.name} in the stream selector ${JSON.stringify(this.src(node))}`);
      }
    };
    collect(node);
    // Loki refuses a selector that every stream matches (an empty-compatible one).
    if (!matchers.some((m) => (m.op === '=' || m.op === '=~') && !m.matches(''))) {
      throw new QueryError(
        'queries require at least one regexp or equality matcher that does not have an empty-compatible value. For instance, app=~".*" does not meet this requirement, but app=~".+" will',
      );
    }
    return matchers;
  }

  private matcher(node: SyntaxNode): Matcher {
    const [name, op, value, ...rest] = childrenOf(node);
    if (!name || !op || !value || rest.length > 0 || name.name !== 'Identifier' || value.name !== 'String') {
      throw unsupported(`the matcher ${JSON.stringify(this.src(node))}`);
    }
    const ops: Record<string, MatchOp> = { Eq: '=', Neq: '!=', Re: '=~', Nre: '!~' };
    const matchOp = ops[op.name];
    if (!matchOp) throw unsupported(`the operator ${this.src(op)}`);
    return matcherOf(this.src(name), matchOp, unquote(this.src(value)));
  }

  private pipeline(node: SyntaxNode, filters: LogQuery['filters']): void {
    for (const child of childrenOf(node)) {
      if (child.name === 'PipelineExpr') this.pipeline(child, filters);
      else if (child.name === 'PipelineStage') this.stage(child, filters);
      else throw unsupported(`${child.name} ${JSON.stringify(this.src(child))}`);
    }
  }

  private stage(node: SyntaxNode, filters: LogQuery['filters']): void {
    const children = childrenOf(node);
    if (children.length === 1 && children[0]!.name === 'LineFilters') {
      this.lineFilters(children[0]!, filters);
      return;
    }
    if (children.length === 2 && children[0]!.name === 'Pipe' && children[1]!.name === 'LabelFilter') {
      const test = this.labelFilter(children[1]!);
      filters.push(test);
      return;
    }
    const what = children.find((c) => c.name !== 'Pipe');
    throw unsupported(`the pipeline stage ${JSON.stringify(this.src(node))}${what ? ` (${what.name})` : ''}`);
  }

  private lineFilters(node: SyntaxNode, filters: LogQuery['filters']): void {
    for (const child of childrenOf(node)) {
      if (child.name === 'LineFilters') this.lineFilters(child, filters);
      else if (child.name === 'LineFilter') filters.push(this.lineFilter(child));
      else throw unsupported(`${child.name} ${JSON.stringify(this.src(child))}`);
    }
  }

  private lineFilter(node: SyntaxNode): (entry: Entry) => boolean {
    const [filter, value, ...rest] = childrenOf(node);
    if (filter?.name !== 'Filter' || !value || value.name !== 'String' || rest.length > 0) {
      throw unsupported(`the line filter ${JSON.stringify(this.src(node))}`);
    }
    const op = this.only(filter).name;
    const text = unquote(this.src(value));
    switch (op) {
      case 'PipeExact':
        return (e) => e.line.includes(text);
      case 'Neq':
        return (e) => !e.line.includes(text);
      case 'PipeMatch': {
        const re = re2(text, false);
        return (e) => re.test(e.line);
      }
      case 'Nre': {
        const re = re2(text, false);
        return (e) => !re.test(e.line);
      }
      default:
        throw unsupported(`the line filter ${this.src(filter)}`);
    }
  }

  private labelFilter(node: SyntaxNode): (entry: Entry) => boolean {
    const children = childrenOf(node);
    if (children.length === 1 && children[0]!.name === 'Matcher') {
      const m = this.matcher(children[0]!);
      return (e) => m.matches(labelValue(e, m.name));
    }
    if (children.length === 1 && children[0]!.name === 'LabelFilter') return this.labelFilter(children[0]!);
    // `a="x" and b="y"`, or `a="x", b="y"`: both must hold.
    const parts = children.filter((c) => c.name !== 'And');
    if (children.every((c) => c.name === 'LabelFilter' || c.name === 'And') && parts.length >= 2) {
      const tests = parts.map((p) => this.labelFilter(p));
      return (e) => tests.every((t) => t(e));
    }
    const what = children.find((c) => c.name !== 'LabelFilter' && c.name !== 'And');
    throw unsupported(`the label filter ${JSON.stringify(this.src(node))}${what ? ` (${what.name})` : ''}`);
  }

  private metricExpr(node: SyntaxNode): MetricQuery {
    const child = this.only(node);
    if (child.name === 'MetricExpr') return this.metricExpr(child);
    if (child.name === 'RangeAggregationExpr') return this.rangeAggregation(child);
    if (child.name === 'VectorAggregationExpr') return this.vectorAggregation(child);
    throw unsupported(`${child.name} ${JSON.stringify(this.src(child))}`);
  }

  private rangeAggregation(node: SyntaxNode): RangeAggregation {
    const [rangeOp, logRange, ...rest] = childrenOf(node);
    if (rangeOp?.name !== 'RangeOp' || !logRange || logRange.name !== 'LogRangeExpr' || rest.length > 0) {
      throw unsupported(`the range aggregation ${JSON.stringify(this.src(node))}`);
    }
    const ops: Record<string, RangeAggregation['op']> = { Rate: 'rate', CountOverTime: 'count_over_time' };
    const op = ops[this.only(rangeOp).name];
    if (!op) throw unsupported(`the range function ${this.src(rangeOp)}`);
    // `{…} | filters [5m]` or `({…} | filters)[5m]`; the range may also come before the pipeline.
    const ranges = childrenOf(logRange).filter((c) => c.name === 'Range');
    if (ranges.length !== 1) throw unsupported(`the range expression ${JSON.stringify(this.src(logRange))}`);
    const rangeNs = parseDuration(this.src(this.only(ranges[0]!)));
    if (rangeNs <= 0n) throw new QueryError(`invalid range ${JSON.stringify(this.src(logRange))}`);
    const log = this.logParts(
      logRange,
      childrenOf(logRange).filter((c) => c.name !== 'Range'),
    );
    return { kind: 'range', op, rangeNs, log };
  }

  private vectorAggregation(node: SyntaxNode): VectorAggregation {
    let op: VectorAggregation['op'] | undefined;
    let grouping: VectorAggregation['grouping'];
    let inner: MetricQuery | undefined;
    const ops: Record<string, VectorAggregation['op']> = {
      Sum: 'sum',
      Avg: 'avg',
      Min: 'min',
      Max: 'max',
      Count: 'count',
    };
    for (const child of childrenOf(node)) {
      if (child.name === 'VectorOp' && !op) {
        op = ops[this.only(child).name];
        if (!op) throw unsupported(`the aggregation ${this.src(child)}`);
      } else if (child.name === 'Grouping' && !grouping) {
        grouping = this.grouping(child);
      } else if (child.name === 'MetricExpr' && !inner) {
        inner = this.metricExpr(child);
      } else {
        throw unsupported(`${child.name} ${JSON.stringify(this.src(child))} in ${JSON.stringify(this.src(node))}`);
      }
    }
    if (!op || !inner) throw unsupported(`the aggregation ${JSON.stringify(this.src(node))}`);
    return { kind: 'vector', op, grouping, inner };
  }

  private grouping(node: SyntaxNode): { without: boolean; labels: string[] } {
    const [kind, labels, ...rest] = childrenOf(node);
    if (!kind || (kind.name !== 'By' && kind.name !== 'Without') || rest.length > 0)
      throw unsupported(`the grouping ${this.src(node)}`);
    const names: string[] = [];
    const collect = (n: SyntaxNode) => {
      for (const child of childrenOf(n)) {
        if (child.name === 'Labels') collect(child);
        else if (child.name === 'Identifier') names.push(this.src(child));
        else throw unsupported(`${child.name} in the grouping ${this.src(node)}`);
      }
    };
    if (labels) {
      if (labels.name !== 'Labels') throw unsupported(`the grouping ${this.src(node)}`);
      collect(labels);
    }
    return { without: kind.name === 'Without', labels: names };
  }
}

/** Parses a LogQL query into what the stand-in evaluates; a QueryError (400) otherwise. */
export function compileQuery(text: string): Query {
  return new Compiler(text).compile();
}

// ---------------------------------------------------------------------------------------
// Evaluation.
// ---------------------------------------------------------------------------------------

interface Series {
  labels: Labels;
  /** A value per step, undefined where there is none. */
  values: (number | undefined)[];
}

const NS_PER_SECOND = 1_000_000_000n;

function seconds(ns: bigint): number {
  return Number(ns / 1_000_000n) / 1000;
}

/**
 * A Loki time parameter: Unix seconds (≤ 10 digits, or with a fraction), Unix nanoseconds
 * (more digits), or RFC 3339.
 */
export function parseTime(value: string, name: string): bigint {
  if (/^\d+\.\d*$/.test(value)) {
    const [s = '0', frac = ''] = value.split('.');
    return BigInt(s) * NS_PER_SECOND + BigInt(`${frac}000000000`.slice(0, 9));
  }
  if (/^-?\d+$/.test(value)) return value.replace('-', '').length <= 10 ? BigInt(value) * NS_PER_SECOND : BigInt(value);
  const ms = Date.parse(value);
  if (Number.isNaN(ms))
    throw new QueryError(`invalid ${name} parameter: cannot parse ${JSON.stringify(value)} to a valid timestamp`);
  const fraction = /\.(\d+)/.exec(value)?.[1] ?? '';
  return BigInt(ms) * 1_000_000n + BigInt(`${fraction.slice(3)}000000`.slice(0, 6));
}

/** A step: float seconds or a duration. */
function parseStep(value: string): bigint {
  if (/^\d+(\.\d+)?$/.test(value)) {
    const [s = '0', frac = ''] = value.split('.');
    return BigInt(s) * NS_PER_SECOND + BigInt(`${frac}000000000`.slice(0, 9));
  }
  return parseDuration(value);
}

export interface LokiStandInOptions {
  mapping: OtlpMapping;
  /** Lines kept in memory (the newest by arrival). */
  maxLines?: number;
  /** Where to write one line per refused request (default: nowhere). */
  log?: (line: string) => void;
}

export class LokiStandIn {
  readonly mapping: OtlpMapping;
  readonly maxLines: number;
  private readonly log: (line: string) => void;
  private entries: Entry[] = [];
  private streams = new Map<string, Stream>();
  private readonly server = http.createServer((req, res) => {
    this.handle(req, res).catch((err) => this.reply(res, 500, `${err instanceof Error ? err.message : String(err)}\n`));
  });
  private readonly counters = {
    linesReceived: 0,
    bytesReceived: 0,
    linesEvicted: 0,
    refused: new Map<string, number>(),
  };
  port = 0;

  constructor(options: LokiStandInOptions) {
    this.mapping = options.mapping;
    this.maxLines = options.maxLines ?? 50_000;
    this.log = options.log ?? (() => {});
    otlpTypes();
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Lines held now. */
  get size(): number {
    return this.entries.length;
  }

  async start(port = 0, host = '127.0.0.1'): Promise<this> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => resolve());
    });
    const address = this.server.address();
    this.port = typeof address === 'object' && address ? address.port : port;
    return this;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  // --- ingestion -------------------------------------------------------------------------

  /** Stores the records of a decoded ExportLogsServiceRequest; returns how many lines. */
  ingest(request: any): number {
    const added: Entry[] = [];
    const now = BigInt(Date.now()) * 1_000_000n;
    for (const resourceLogs of list(request, 'resourceLogs')) {
      const resourceAttributes = list(field(resourceLogs, 'resource'), 'attributes');
      const index: Labels = {};
      const resourceMetadata: Labels = {};
      for (const kv of resourceAttributes) {
        const key = String(field(kv, 'key') ?? '');
        if (this.mapping.indexLabels.includes(key)) index[labelName(key)] = anyString(field(kv, 'value'));
        else addAttributes(resourceMetadata, [kv]);
      }
      if (!index.service_name) index.service_name = 'unknown_service';
      const stream = this.stream(index);
      for (const scopeLogs of list(resourceLogs, 'scopeLogs')) {
        const scope = field(scopeLogs, 'scope');
        const shared: Labels = { ...resourceMetadata };
        if (field(scope, 'name')) shared.scope_name = String(field(scope, 'name'));
        if (field(scope, 'version')) shared.scope_version = String(field(scope, 'version'));
        addAttributes(shared, list(scope, 'attributes'));
        for (const record of list(scopeLogs, 'logRecords')) {
          const own: Labels = {};
          addAttributes(own, list(record, 'attributes'));
          const observed = toBigInt(field(record, 'observedTimeUnixNano'), 'observedTimeUnixNano');
          const time = toBigInt(field(record, 'timeUnixNano'), 'timeUnixNano');
          const severityNumber = Number(field(record, 'severityNumber') ?? 0);
          if (!Number.isInteger(severityNumber))
            throw new BadRequest(`severityNumber is not an integer: ${field(record, 'severityNumber')}`);
          const severityText = String(field(record, 'severityText') ?? '');
          const traceId = bytesHex(field(record, 'traceId'));
          const spanId = bytesHex(field(record, 'spanId'));
          const flags = Number(field(record, 'flags') ?? 0);
          if (traceId) own.trace_id = traceId;
          if (spanId) own.span_id = spanId;
          if (flags) own.flags = String(flags);
          if (severityText) own.severity_text = severityText;
          if (severityNumber) own.severity_number = String(severityNumber);
          if (observed) own.observed_timestamp = observed.toString();
          if (this.mapping.discoverLogLevels) own.detected_level = detectedLevel(severityNumber, severityText);
          const line = anyString(field(record, 'body'));
          added.push({ ts: time || observed || now, line, stream, shared, own });
        }
      }
    }
    for (const entry of added) this.entries.push(entry);
    this.counters.linesReceived += added.length;
    this.counters.bytesReceived += added.reduce((sum, e) => sum + Buffer.byteLength(e.line), 0);
    const excess = this.entries.length - this.maxLines;
    if (excess > 0) {
      this.entries.splice(0, excess);
      this.counters.linesEvicted += excess;
      if (this.streams.size > 1_000) this.pruneStreams();
    }
    return added.length;
  }

  private stream(labels: Labels): Stream {
    const sorted = sortedLabels(labels);
    const key = labelsKey(sorted);
    let stream = this.streams.get(key);
    if (!stream) {
      stream = { labels: sorted, key };
      this.streams.set(key, stream);
    }
    return stream;
  }

  private pruneStreams(): void {
    const live = new Set(this.entries.map((e) => e.stream.key));
    for (const key of this.streams.keys()) if (!live.has(key)) this.streams.delete(key);
  }

  // --- queries ---------------------------------------------------------------------------

  /** Lines of `query` with from ≤ ts < to (arrival order). */
  private select(query: LogQuery, from: bigint, to: bigint, toInclusive = false): Entry[] {
    const streamMatches = new Map<Stream, boolean>();
    const out: Entry[] = [];
    for (const entry of this.entries) {
      if (entry.ts < from || entry.ts > to || (entry.ts === to && !toInclusive)) continue;
      let ok = streamMatches.get(entry.stream);
      if (ok === undefined) {
        ok = query.selector.every((m) => m.matches(entry.stream.labels[m.name] ?? ''));
        streamMatches.set(entry.stream, ok);
      }
      if (ok && query.filters.every((f) => f(entry))) out.push(entry);
    }
    return out;
  }

  /** A log query's answer: the `limit` lines nearest `direction`'s start, as streams. */
  logStreams(query: LogQuery, start: bigint, end: bigint, limit: number, direction: 'forward' | 'backward'): any[] {
    const lines = this.select(query, start, end)
      .map((entry, i) => ({ entry, i }))
      .sort((a, b) => (a.entry.ts === b.entry.ts ? a.i - b.i : a.entry.ts < b.entry.ts ? -1 : 1));
    if (direction === 'backward') lines.reverse();
    const streams = new Map<string, { stream: Labels; values: [string, string][] }>();
    for (const { entry } of lines.slice(0, limit)) {
      const labels = allLabels(entry);
      const key = labelsKey(labels);
      let stream = streams.get(key);
      if (!stream) {
        stream = { stream: labels, values: [] };
        streams.set(key, stream);
      }
      stream.values.push([entry.ts.toString(), entry.line]);
    }
    return [...streams.values()];
  }

  /** A metric query evaluated at each of `steps` (ascending). */
  evaluate(query: MetricQuery, steps: bigint[]): Series[] {
    if (query.kind === 'range') return this.rangeAggregation(query, steps);
    // sum by/without over a range aggregation: counting each group's lines directly is the
    // same sum, without one series per line first (observed_timestamp, for one, differs on
    // every line, so every line is a series of its own).
    const grouping = query.grouping;
    const direct = query.op === 'sum' && query.inner.kind === 'range' && grouping !== undefined;
    const inner = direct
      ? this.rangeAggregation(query.inner as RangeAggregation, steps, (entry) => {
          if (!grouping.without) {
            const labels: Labels = {};
            for (const name of grouping.labels) {
              const value = labelValue(entry, name);
              if (value) labels[name] = value;
            }
            return labels;
          }
          const labels = allLabels(entry);
          for (const name of grouping.labels) delete labels[name];
          return labels;
        })
      : this.evaluate(query.inner, steps);
    const groups = new Map<string, { labels: Labels; members: Series[] }>();
    for (const series of inner) {
      let labels: Labels;
      if (!query.grouping) labels = {};
      else if (query.grouping.without) {
        labels = { ...series.labels };
        for (const name of query.grouping.labels) delete labels[name];
      } else {
        labels = {};
        for (const name of query.grouping.labels) if (series.labels[name]) labels[name] = series.labels[name]!;
      }
      labels = sortedLabels(labels);
      const key = labelsKey(labels);
      let group = groups.get(key);
      if (!group) {
        group = { labels, members: [] };
        groups.set(key, group);
      }
      group.members.push(series);
    }
    const out: Series[] = [];
    for (const { labels, members } of groups.values()) {
      const values = steps.map((_, i) => {
        const present = members.map((s) => s.values[i]).filter((v): v is number => v !== undefined);
        if (present.length === 0) return undefined;
        switch (query.op) {
          case 'sum':
            return present.reduce((a, b) => a + b, 0);
          case 'avg':
            return present.reduce((a, b) => a + b, 0) / present.length;
          case 'min':
            return Math.min(...present);
          case 'max':
            return Math.max(...present);
          case 'count':
            return present.length;
        }
        return undefined;
      });
      if (values.some((v) => v !== undefined)) out.push({ labels, values });
    }
    return out;
  }

  /** `labelsOf`: the series a line counts in (default: all its labels). */
  private rangeAggregation(
    query: RangeAggregation,
    steps: bigint[],
    labelsOf: (entry: Entry) => Labels = allLabels,
  ): Series[] {
    if (steps.length === 0) return [];
    const first = steps[0]!;
    const last = steps.at(-1)!;
    // Windows are (t - range, t]: lines after the first window's start, up to the last step.
    const lines = this.select(query.log, first - query.rangeNs + 1n, last, true);
    const bySeries = new Map<string, { labels: Labels; times: bigint[] }>();
    for (const entry of lines) {
      const labels = sortedLabels(labelsOf(entry));
      const key = labelsKey(labels);
      let series = bySeries.get(key);
      if (!series) {
        series = { labels, times: [] };
        bySeries.set(key, series);
      }
      series.times.push(entry.ts);
    }
    const rangeSeconds = Number(query.rangeNs) / 1e9;
    const out: Series[] = [];
    for (const { labels, times } of bySeries.values()) {
      times.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      let lo = 0;
      let hi = 0;
      const values = steps.map((t) => {
        while (hi < times.length && times[hi]! <= t) hi++;
        while (lo < hi && times[lo]! <= t - query.rangeNs) lo++;
        const count = hi - lo;
        if (count === 0) return undefined;
        return query.op === 'rate' ? count / rangeSeconds : count;
      });
      if (values.some((v) => v !== undefined)) out.push({ labels, values });
    }
    return out;
  }

  /** Index label names (or one label's values) of the streams with lines in [start, end]. */
  private labelsIn(start: bigint, end: bigint, selector: Matcher[] | undefined, name?: string): string[] {
    const found = new Set<string>();
    const seen = new Set<Stream>();
    for (const entry of this.entries) {
      if (entry.ts < start || entry.ts > end || seen.has(entry.stream)) continue;
      seen.add(entry.stream);
      const labels = entry.stream.labels;
      if (selector && !selector.every((m) => m.matches(labels[m.name] ?? ''))) continue;
      if (name === undefined) for (const key of Object.keys(labels)) found.add(key);
      else if (labels[name] !== undefined) found.add(labels[name]!);
    }
    return [...found].sort();
  }

  // --- HTTP ------------------------------------------------------------------------------

  private reply(
    res: http.ServerResponse,
    status: number,
    body: string | Buffer,
    contentType = 'text/plain; charset=utf-8',
  ): void {
    if (res.headersSent) {
      res.end();
      return;
    }
    res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(body) });
    res.end(body);
  }

  private json(res: http.ServerResponse, body: unknown): void {
    this.reply(res, 200, JSON.stringify(body), 'application/json; charset=UTF-8');
  }

  private refuse(res: http.ServerResponse, status: number, reason: string, message: string): void {
    this.counters.refused.set(reason, (this.counters.refused.get(reason) ?? 0) + 1);
    this.log(`${status} ${reason}: ${message}`);
    this.reply(res, status, `${message}\n`);
  }

  private async body(req: http.IncomingMessage): Promise<Buffer> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > LIMITS.maxBodyBytes) throw new BadRequest(`request body larger than ${LIMITS.maxBodyBytes} bytes`);
      chunks.push(chunk as Buffer);
    }
    return Buffer.concat(chunks);
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://loki');
    const route = url.pathname;
    if (route === '/ready') return this.reply(res, 200, 'ready\n');
    if (route === '/metrics') return this.reply(res, 200, this.metrics(), 'text/plain; version=0.0.4; charset=utf-8');
    if (route === '/otlp/v1/logs') return this.push(req, res);
    const values = route.match(/^\/loki\/api\/v1\/label\/([^/]+)\/values$/);
    const queryRoutes = ['/loki/api/v1/query_range', '/loki/api/v1/query', '/loki/api/v1/labels'];
    if (!values && !queryRoutes.includes(route)) return this.reply(res, 404, '404 page not found\n');
    if (req.method !== 'GET' && req.method !== 'POST') return this.reply(res, 405, 'method not allowed\n');
    const params = new URLSearchParams(url.search);
    if (req.method === 'POST') {
      const form = new URLSearchParams((await this.body(req)).toString('utf8'));
      for (const [k, v] of form) params.append(k, v);
    }
    try {
      if (route === '/loki/api/v1/query_range') return this.json(res, this.queryRange(params));
      if (route === '/loki/api/v1/query') return this.json(res, this.queryInstant(params));
      const end = params.get('end') ? parseTime(params.get('end')!, 'end') : BigInt(Date.now()) * 1_000_000n;
      const since = params.get('since') ? parseDuration(params.get('since')!) : 6n * NS_PER.h!;
      const start = params.get('start') ? parseTime(params.get('start')!, 'start') : end - since;
      const q = params.get('query');
      let selector: Matcher[] | undefined;
      if (q) {
        const compiled = compileQuery(q);
        if (compiled.kind !== 'log' || compiled.filters.length > 0)
          throw unsupported(`a label query other than a stream selector: ${q}`);
        selector = compiled.selector;
      }
      const name = values ? decodeURIComponent(values[1]!) : undefined;
      return this.json(res, { status: 'success', data: this.labelsIn(start, end, selector, name) });
    } catch (err) {
      if (err instanceof QueryError) return this.refuse(res, 400, 'query', err.message);
      throw err;
    }
  }

  private push(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> | void {
    if (req.method !== 'POST') return this.reply(res, 405, 'method not allowed\n');
    const contentType = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    const format =
      contentType === 'application/x-protobuf' ? 'protobuf' : contentType === 'application/json' ? 'json' : undefined;
    if (!format) {
      req.resume();
      return this.refuse(
        res,
        415,
        'content_type',
        `unsupported content type: ${contentType || '(none)'}, supported: [application/json, application/x-protobuf]`,
      );
    }
    const encoding = (req.headers['content-encoding'] ?? '').trim().toLowerCase();
    if (encoding !== '' && encoding !== 'gzip' && encoding !== 'identity') {
      req.resume();
      return this.refuse(res, 415, 'content_encoding', `unsupported content encoding: ${encoding}, supported: [gzip]`);
    }
    return (async () => {
      let request: any;
      try {
        let body = await this.body(req);
        if (encoding === 'gzip') body = zlib.gunzipSync(body, { maxOutputLength: LIMITS.maxBodyBytes });
        request = format === 'protobuf' ? decodeOtlpProtobuf(body) : JSON.parse(body.toString('utf8') || '{}');
        if (request === null || typeof request !== 'object' || Array.isArray(request))
          throw new BadRequest('not an ExportLogsServiceRequest object');
        this.ingest(request);
      } catch (err) {
        return this.refuse(
          res,
          400,
          'decode',
          `failed to parse the OTLP logs request (${format}): ${err instanceof Error ? err.message : String(err)}`,
        );
      }
      if (format === 'protobuf') {
        const { response } = otlpTypes();
        return this.reply(
          res,
          200,
          Buffer.from(response.encode(response.create({})).finish()),
          'application/x-protobuf',
        );
      }
      return this.reply(res, 200, '{}', 'application/json');
    })();
  }

  private limitAndDirection(params: URLSearchParams): { limit: number; direction: 'forward' | 'backward' } {
    const limitText = params.get('limit') ?? '100';
    const limit = Number(limitText);
    if (!Number.isInteger(limit) || limit <= 0)
      throw new QueryError(`invalid limit ${JSON.stringify(limitText)}: must be a positive integer`);
    if (limit > LIMITS.maxEntriesPerQuery) {
      throw new QueryError(
        `max entries limit per query exceeded, limit > max_entries_limit_per_query (${limit} > ${LIMITS.maxEntriesPerQuery})`,
      );
    }
    const direction = (params.get('direction') ?? 'backward').toLowerCase();
    if (direction !== 'forward' && direction !== 'backward')
      throw new QueryError(`invalid direction ${JSON.stringify(direction)}`);
    return { limit, direction };
  }

  private queryRange(params: URLSearchParams): unknown {
    const text = params.get('query') ?? '';
    const query = compileQuery(text);
    const end = params.get('end') ? parseTime(params.get('end')!, 'end') : BigInt(Date.now()) * 1_000_000n;
    const since = params.get('since') ? parseDuration(params.get('since')!) : NS_PER.h!;
    const start = params.get('start') ? parseTime(params.get('start')!, 'start') : end - since;
    if (end < start) throw new QueryError('end timestamp must not be before or equal to start time');
    const { limit, direction } = this.limitAndDirection(params);
    const began = performance.now();
    if (query.kind === 'log') {
      if (params.get('interval')) throw unsupported('the interval parameter');
      const result = this.logStreams(query, start, end, limit, direction);
      const returned = result.reduce((n, s) => n + s.values.length, 0);
      return { status: 'success', data: { resultType: 'streams', result, stats: this.stats(began, returned) } };
    }
    const defaultStep = BigInt(Math.max(1, Math.floor(Number((end - start) / NS_PER_SECOND) / 250))) * NS_PER_SECOND;
    const step = params.get('step') ? parseStep(params.get('step')!) : defaultStep;
    if (step <= 0n)
      throw new QueryError('zero or negative query resolution step widths are not accepted. Try a positive integer');
    if ((end - start) / step > BigInt(LIMITS.maxPointsPerSeries)) {
      throw new QueryError(
        `exceeded maximum resolution of ${LIMITS.maxPointsPerSeries} points per timeseries. Try decreasing the query resolution (?step=XX)`,
      );
    }
    const steps: bigint[] = [];
    for (let t = start; t <= end; t += step) steps.push(t);
    const series = this.limitSeries(this.evaluate(query, steps));
    const result = series.map((s) => ({
      metric: s.labels,
      values: s.values.flatMap((v, i) => (v === undefined ? [] : [[seconds(steps[i]!), formatFloat(v)]])),
    }));
    return { status: 'success', data: { resultType: 'matrix', result, stats: this.stats(began, 0) } };
  }

  private queryInstant(params: URLSearchParams): unknown {
    const text = params.get('query') ?? '';
    const query = compileQuery(text);
    this.limitAndDirection(params);
    if (query.kind === 'log') {
      throw new QueryError(
        'log queries are not supported as an instant query type, please change your query to a range query type',
      );
    }
    const time = params.get('time') ? parseTime(params.get('time')!, 'time') : BigInt(Date.now()) * 1_000_000n;
    const began = performance.now();
    const series = this.limitSeries(this.evaluate(query, [time]));
    const result = series.map((s) => ({ metric: s.labels, value: [seconds(time), formatFloat(s.values[0]!)] }));
    return { status: 'success', data: { resultType: 'vector', result, stats: this.stats(began, 0) } };
  }

  private limitSeries(series: Series[]): Series[] {
    if (series.length > LIMITS.maxQuerySeries) {
      throw new QueryError(`maximum of series (${LIMITS.maxQuerySeries}) reached for a single query`);
    }
    return series;
  }

  /** A subset of Loki's query statistics (the part this stand-in can know). */
  private stats(began: number, entriesReturned: number): unknown {
    return { summary: { execTime: (performance.now() - began) / 1000, totalEntriesReturned: entriesReturned } };
  }

  private metrics(): string {
    const lines = [
      '# HELP loki_standin_info The Loki stand-in of the native tests (tools/stack/standins/loki-standin.ts), not Loki.',
      '# TYPE loki_standin_info gauge',
      'loki_standin_info{replaces="loki"} 1',
      '# HELP loki_distributor_lines_received_total Log lines accepted on /otlp/v1/logs (the count Loki keeps under this name).',
      '# TYPE loki_distributor_lines_received_total counter',
      `loki_distributor_lines_received_total{tenant="fake"} ${this.counters.linesReceived}`,
      '# HELP loki_distributor_bytes_received_total Bytes of the log lines accepted on /otlp/v1/logs.',
      '# TYPE loki_distributor_bytes_received_total counter',
      `loki_distributor_bytes_received_total{tenant="fake"} ${this.counters.bytesReceived}`,
      '# HELP loki_standin_requests_refused_total Requests answered 4xx, by reason (the stand-in enforces no ingestion limit).',
      '# TYPE loki_standin_requests_refused_total counter',
      ...[...this.counters.refused].map(
        ([reason, n]) => `loki_standin_requests_refused_total{reason="${reason}"} ${n}`,
      ),
      '# HELP loki_standin_lines_evicted_total Lines dropped from memory to stay within its bound (not an ingestion loss).',
      '# TYPE loki_standin_lines_evicted_total counter',
      `loki_standin_lines_evicted_total ${this.counters.linesEvicted}`,
      '# HELP loki_standin_lines Lines held in memory.',
      '# TYPE loki_standin_lines gauge',
      `loki_standin_lines ${this.entries.length}`,
    ];
    return `${lines.join('\n')}\n`;
  }
}

// ---------------------------------------------------------------------------------------
// As a process: node tools/stack/standins/loki-standin.ts --port=N --config=loki/config.yaml
// ---------------------------------------------------------------------------------------

async function main(argv: string[]): Promise<void> {
  const option = (name: string) => argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  const port = Number(option('port') ?? 3100);
  const host = option('host') ?? '127.0.0.1';
  const configFile = option('config');
  if (!configFile)
    throw new Error('usage: loki-standin.ts --port=<port> [--host=<address>] --config=<loki/config.yaml>');
  const config = parseYaml(readFileSync(path.resolve(configFile), 'utf8'));
  const mapping = otlpMappingFromConfig(config);
  const log = (line: string) => process.stdout.write(`${new Date().toISOString()} ${line}\n`);
  const standIn = await new LokiStandIn({ mapping, log }).start(port, host);
  log(`loki stand-in listening on ${standIn.url}; index labels from ${configFile}: ${mapping.indexLabels.join(', ')}`);
  const shutdown = () => {
    standIn.stop().then(() => process.exit(0));
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).catch((err) => {
    process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  });
}
