/**
 * Small clients for the HTTP APIs of the stack's components, as the stack tests, the
 * benchmark and the Grafana stand-in use them: Prometheus (/api/v1), Jaeger's query service
 * (/api), Loki (/loki/api/v1), Alertmanager (/api/v2) and Mailpit (/api/v1). Every call has
 * a timeout.
 */

const TIMEOUT_MS = 15_000;

/** GET (or POST form) returning parsed JSON whatever the status; throws only on network errors or non-JSON. */
export async function fetchJson(url: string, form?: Record<string, string>): Promise<{ status: number; body: any }> {
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

export interface PromSample {
  metric: Record<string, string>;
  value?: [number, string];
  values?: [number, string][];
}

export interface PromResult {
  /** undefined when the query ran; Prometheus's error message otherwise. */
  error?: string;
  resultType?: string;
  result: PromSample[];
}

export class PrometheusApi {
  readonly url: string;
  constructor(url: string) {
    this.url = url;
  }

  private async call(path: string, params: Record<string, string>): Promise<PromResult> {
    const { status, body } = await fetchJson(`${this.url}${path}`, params);
    if (body.status !== 'success')
      return { error: `${body.errorType ?? status}: ${body.error ?? 'unknown error'}`, result: [] };
    const data = body.data;
    // A scalar or string result is one value without labels.
    const result: PromSample[] = Array.isArray(data.result) ? data.result : [{ metric: {}, value: data.result }];
    return { resultType: data.resultType, result };
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

  async exemplars(expr: string, start: number, end: number): Promise<any[]> {
    const { body } = await fetchJson(`${this.url}/api/v1/query_exemplars`, {
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
    const { body } = await fetchJson(`${this.url}/api/v1/label/${encodeURIComponent(label)}/values?${params}`);
    if (body.status !== 'success') throw new Error(`label values of ${label}: ${body.error}`);
    return body.data;
  }

  /** Alerts as Prometheus holds them (pending and firing). */
  async alerts(): Promise<{ labels: Record<string, string>; state: string; value: string }[]> {
    const { body } = await fetchJson(`${this.url}/api/v1/alerts`);
    return body.data.alerts;
  }

  async rules(): Promise<any[]> {
    const { body } = await fetchJson(`${this.url}/api/v1/rules`);
    return body.data.groups;
  }

  async targets(): Promise<any[]> {
    const { body } = await fetchJson(`${this.url}/api/v1/targets`);
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

export class JaegerApi {
  readonly url: string;
  constructor(url: string) {
    this.url = url;
  }

  async services(): Promise<string[]> {
    const { body } = await fetchJson(`${this.url}/api/services`);
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
    const { status, body } = await fetchJson(`${this.url}/api/traces?${q}`);
    if (status !== 200 || body.errors) return { traces: [], error: `${status}: ${JSON.stringify(body.errors)}` };
    return { traces: body.data ?? [] };
  }

  async trace(traceId: string): Promise<JaegerTrace | undefined> {
    const { status, body } = await fetchJson(`${this.url}/api/traces/${traceId}`);
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

export interface LokiResult {
  error?: string;
  resultType?: string;
  result: any[];
}

export class LokiApi {
  readonly url: string;
  constructor(url: string) {
    this.url = url;
  }

  async labelValues(label: string, startSeconds: number): Promise<string[]> {
    const { body } = await fetchJson(
      `${this.url}/loki/api/v1/label/${encodeURIComponent(label)}/values?start=${Math.floor(startSeconds)}000000000`,
    );
    return body.data ?? [];
  }

  /** A range query (log or metric LogQL); times in seconds. */
  async queryRange(
    query: string,
    start: number,
    end: number,
    options: { step?: string; limit?: number } = {},
  ): Promise<LokiResult> {
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
    const body = JSON.parse(text);
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
    const { body } = await fetchJson(`${this.url}/api/v2/alerts`);
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
