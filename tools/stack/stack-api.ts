/**
 * Small clients for the HTTP APIs of the stack's components, as the stack tests, the
 * benchmark and the Grafana stand-in use them: Prometheus (/api/v1), Jaeger's query service
 * (/api), Loki (/loki/api/v1), Alertmanager (/api/v2) and Mailpit (/api/v1). Every call has
 * a timeout.
 */

const TIMEOUT_MS = 15_000;

/**
 * GET (or POST form) returning parsed JSON whatever the status; throws only on network errors or non-JSON.
 * `T` is the JSON the caller expects: declared, not checked.
 */
export async function fetchJson<T>(url: string, form?: Record<string, string>): Promise<{ status: number; body: T }> {
  const res = await fetch(url, {
    method: form ? 'POST' : 'GET',
    headers: form ? { 'content-type': 'application/x-www-form-urlencoded' } : undefined,
    body: form ? new URLSearchParams(form).toString() : undefined,
    signal: AbortSignal.timeout(TIMEOUT_MS),
  });
  const text = await res.text();
  try {
    return { status: res.status, body: JSON.parse(text) };
  } catch {
    throw new Error(`${url} answered ${res.status} with non-JSON: ${text.slice(0, 300)}`);
  }
}

// --- Prometheus -----------------------------------------------------------------------

/** Every /api/v1 answer: `data` when `status` is "success" (absent otherwise), `errorType` and `error` when not. */
interface PromAnswer<T> {
  status: 'success' | 'error';
  data: T;
  errorType?: string;
  error?: string;
}

/** A sample's value: [time in seconds, value as a string]. */
type PromValue = [number, string];

/** `data` of /api/v1/query and /api/v1/query_range. */
interface PromQueryData {
  resultType: 'matrix' | 'vector' | 'scalar' | 'string';
  /** Series ("matrix", "vector"), or one value ("scalar", "string"). */
  result: PromSample[] | PromValue;
}

/** One series of /api/v1/query_exemplars, with the exemplars seen on it. */
export interface PromExemplarSeries {
  seriesLabels: Record<string, string>;
  exemplars: { labels: Record<string, string>; value: string; timestamp: number }[];
}

/** An alert of /api/v1/alerts (pending or firing). */
export interface PromAlert {
  labels: Record<string, string>;
  state: string;
  value: string;
}

/** A rule group of /api/v1/rules, with the state of its last evaluation. */
export interface PromRuleGroup {
  name: string;
  file: string;
  /** RFC 3339; "0001-01-01T00:00:00Z" until the group's first evaluation. */
  lastEvaluation: string;
  rules: PromRule[];
}

/** A recording or alerting rule of /api/v1/rules. */
export interface PromRule {
  /** The recorded series or the alert's name. */
  name: string;
  query: string;
  type: 'recording' | 'alerting';
  health: 'ok' | 'err' | 'unknown';
  lastError?: string;
}

/** An active scrape target of /api/v1/targets. */
export interface PromTarget {
  /** The target's labels after relabelling (job, instance, …). */
  labels: Record<string, string>;
  scrapeUrl: string;
  health: 'up' | 'down' | 'unknown';
  lastError: string;
}

export interface PromSample {
  metric: Record<string, string>;
  value?: PromValue;
  values?: PromValue[];
}

export interface PromResult {
  /** undefined when the query ran; Prometheus's error message otherwise. */
  error?: string;
  resultType?: string;
  result: PromSample[];
}

/**
 * The samples of a query's answer. A scalar or string result is one [time, value] pair: it
 * becomes one sample without labels (being an array itself, it must be told apart by its
 * resultType, not by its shape).
 */
function samplesOf(data: PromQueryData): PromSample[] {
  if (data.resultType === 'scalar' || data.resultType === 'string')
    return [{ metric: {}, value: data.result as PromValue }];
  return data.result as PromSample[];
}

export class PrometheusApi {
  readonly url: string;
  constructor(url: string) {
    this.url = url;
  }

  private async call(path: string, params: Record<string, string>): Promise<PromResult> {
    const { status, body } = await fetchJson<PromAnswer<PromQueryData>>(`${this.url}${path}`, params);
    if (body.status !== 'success')
      return { error: `${body.errorType ?? status}: ${body.error ?? 'unknown error'}`, result: [] };
    return { resultType: body.data.resultType, result: samplesOf(body.data) };
  }

  /** Instant query at `time` (seconds; now by default). */
  query(expr: string, time = Date.now() / 1000): Promise<PromResult> {
    return this.call('/api/v1/query', { query: expr, time: String(time) });
  }

  queryRange(expr: string, start: number, end: number, stepSeconds: number): Promise<PromResult> {
    return this.call('/api/v1/query_range', {
      query: expr,
      start: String(start),
      end: String(end),
      step: String(stepSeconds),
    });
  }

  /** Instant query that must succeed; returns its samples. */
  async samples(expr: string): Promise<PromSample[]> {
    const r = await this.query(expr);
    if (r.error) throw new Error(`${expr}: ${r.error}`);
    return r.result;
  }

  async exemplars(expr: string, start: number, end: number): Promise<PromExemplarSeries[]> {
    const { body } = await fetchJson<PromAnswer<PromExemplarSeries[] | null>>(`${this.url}/api/v1/query_exemplars`, {
      query: expr,
      start: String(start),
      end: String(end),
    });
    if (body.status !== 'success') throw new Error(`query_exemplars ${expr}: ${body.error}`);
    return body.data ?? [];
  }

  async labelValues(label: string, match?: string): Promise<string[]> {
    const params = new URLSearchParams();
    if (match) params.set('match[]', match);
    const { body } = await fetchJson<PromAnswer<string[]>>(
      `${this.url}/api/v1/label/${encodeURIComponent(label)}/values?${params}`,
    );
    if (body.status !== 'success') throw new Error(`label values of ${label}: ${body.error}`);
    return body.data;
  }

  /** Alerts as Prometheus holds them (pending and firing). */
  async alerts(): Promise<PromAlert[]> {
    const { body } = await fetchJson<PromAnswer<{ alerts: PromAlert[] }>>(`${this.url}/api/v1/alerts`);
    return body.data.alerts;
  }

  async rules(): Promise<PromRuleGroup[]> {
    const { body } = await fetchJson<PromAnswer<{ groups: PromRuleGroup[] }>>(`${this.url}/api/v1/rules`);
    return body.data.groups;
  }

  async targets(): Promise<PromTarget[]> {
    const { body } = await fetchJson<PromAnswer<{ activeTargets: PromTarget[] }>>(`${this.url}/api/v1/targets`);
    return body.data.activeTargets;
  }
}

/** True when a query result holds at least one finite number. */
export function hasFiniteValue(result: PromSample[]): boolean {
  return result.some((s) => {
    const values = s.values ?? (s.value ? [s.value] : []);
    return values.some(([, v]) => Number.isFinite(Number(v)));
  });
}

// --- Jaeger ---------------------------------------------------------------------------

export interface JaegerSpan {
  traceID: string;
  spanID: string;
  operationName: string;
  processID: string;
  tags: { key: string; type: string; value: unknown }[];
  references?: { refType: string; spanID: string }[];
}

export interface JaegerTrace {
  traceID: string;
  spans: JaegerSpan[];
  processes: Record<string, { serviceName: string }>;
}

/** Every /api answer of Jaeger's query service: `data` (null when there is none), `errors` (null when there is none). */
interface JaegerAnswer<T> {
  data: T | null;
  errors: { code: number; msg: string }[] | null;
}

export class JaegerApi {
  readonly url: string;
  constructor(url: string) {
    this.url = url;
  }

  async services(): Promise<string[]> {
    const { body } = await fetchJson<JaegerAnswer<string[]>>(`${this.url}/api/services`);
    return body.data ?? [];
  }

  /** Trace search, as Grafana's Jaeger datasource and the Jaeger UI do it. */
  async search(params: {
    service: string;
    operation?: string;
    tags?: Record<string, string>;
    limit?: number;
    lookback?: string;
    start?: number;
    end?: number;
  }): Promise<{ traces: JaegerTrace[]; error?: string }> {
    const q = new URLSearchParams({ service: params.service, limit: String(params.limit ?? 20) });
    if (params.operation) q.set('operation', params.operation);
    if (params.tags) q.set('tags', JSON.stringify(params.tags));
    if (params.start !== undefined) q.set('start', String(params.start));
    if (params.end !== undefined) q.set('end', String(params.end));
    if (params.lookback) q.set('lookback', params.lookback);
    const { status, body } = await fetchJson<JaegerAnswer<JaegerTrace[]>>(`${this.url}/api/traces?${q}`);
    if (status !== 200 || body.errors) return { traces: [], error: `${status}: ${JSON.stringify(body.errors)}` };
    return { traces: body.data ?? [] };
  }

  async trace(traceId: string): Promise<JaegerTrace | undefined> {
    const { status, body } = await fetchJson<JaegerAnswer<JaegerTrace[]>>(`${this.url}/api/traces/${traceId}`);
    if (status !== 200) return undefined;
    return body.data?.[0];
  }
}

/** The service of each span, by span id. */
export function servicesOf(trace: JaegerTrace): Set<string> {
  return new Set(trace.spans.map((s) => trace.processes[s.processID]?.serviceName ?? '?'));
}

export function tag(span: JaegerSpan, key: string): unknown {
  return span.tags.find((t) => t.key === key)?.value;
}

// --- Loki -----------------------------------------------------------------------------

/** A log stream of a log query's answer (resultType "streams"): its labels and its lines as [time in ns, line]. */
export interface LokiStream {
  stream: Record<string, string>;
  values: [string, string][];
}

/** A series of a metric query's answer: [time in s, value] pairs ("matrix"), or one of them ("vector"). */
export interface LokiSeries {
  metric: Record<string, string>;
  values?: [number, string][];
  value?: [number, string];
}

/**
 * `T` is what the query answers: LokiStream for a log query, LokiSeries for a metric query
 * (declared by the caller, not checked).
 */
export interface LokiResult<T extends LokiStream | LokiSeries = LokiStream | LokiSeries> {
  error?: string;
  resultType?: 'streams' | 'matrix' | 'vector';
  result: T[];
}

export class LokiApi {
  readonly url: string;
  constructor(url: string) {
    this.url = url;
  }

  async labelValues(label: string, startSeconds: number): Promise<string[]> {
    const { body } = await fetchJson<{ status: string; data?: string[] }>(
      `${this.url}/loki/api/v1/label/${encodeURIComponent(label)}/values?start=${Math.floor(startSeconds)}000000000`,
    );
    return body.data ?? [];
  }

  /** A range query (log or metric LogQL); times in seconds. `T`: see LokiResult. */
  async queryRange<T extends LokiStream | LokiSeries = LokiStream | LokiSeries>(
    query: string,
    start: number,
    end: number,
    options: { step?: string; limit?: number } = {},
  ): Promise<LokiResult<T>> {
    const params: Record<string, string> = {
      query,
      start: `${Math.floor(start * 1e3)}000000`,
      end: `${Math.ceil(end * 1e3)}000000`,
      limit: String(options.limit ?? 100),
      direction: 'backward',
    };
    if (options.step) params.step = options.step;
    const res = await fetch(`${this.url}/loki/api/v1/query_range?${new URLSearchParams(params)}`, {
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    const text = await res.text();
    if (res.status !== 200) return { error: `${res.status}: ${text.trim()}`, result: [] };
    const body: { data: { resultType: LokiResult['resultType']; result: T[] } } = JSON.parse(text);
    return { resultType: body.data.resultType, result: body.data.result };
  }
}

// --- Alertmanager ---------------------------------------------------------------------

export interface AmAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  status: { state: string; inhibitedBy: string[]; silencedBy: string[] };
  receivers: { name: string }[];
}

export class AlertmanagerApi {
  readonly url: string;
  constructor(url: string) {
    this.url = url;
  }

  async alerts(): Promise<AmAlert[]> {
    const { body } = await fetchJson<AmAlert[]>(`${this.url}/api/v2/alerts`);
    return body;
  }
}

// --- Mailpit --------------------------------------------------------------------------

export interface Mail {
  from: string;
  to: string[];
  subject: string;
}

interface MailpitAddress {
  Address: string;
}
interface MailpitMessages {
  messages: Array<{ From: MailpitAddress | null; To: MailpitAddress[] | null; Subject: string }>;
}

export class MailpitApi {
  readonly url: string;
  constructor(url: string) {
    this.url = url;
  }

  /** The e-mails it holds, newest first, as a learner sees them on its web page (which reads the same API). */
  async messages(): Promise<Mail[]> {
    const res = await fetch(`${this.url}/api/v1/messages?limit=500`, { signal: AbortSignal.timeout(5_000) });
    if (!res.ok) throw new Error(`Mailpit answered ${res.status} to GET /api/v1/messages`);
    const body = (await res.json()) as MailpitMessages;
    return body.messages.map((m) => ({
      from: m.From?.Address ?? '',
      to: (m.To ?? []).map((t) => t.Address),
      subject: m.Subject,
    }));
  }
}
