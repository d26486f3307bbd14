import { isSpanContextValid, TraceFlags, trace } from '@opentelemetry/api';

/**
 * Every page leads to its own trace: the trace id of the request that rendered it, linked
 * to that trace in Jaeger and to its log lines in Grafana (Explore on the Loki datasource,
 * by the `trace_id` structured metadata every log line written inside a request carries).
 * The links hold nothing but the configured base URL and the trace id.
 */

/** Base URLs of the observability UIs, as the learner's browser reaches them (config.ts). */
export interface TraceLinkSettings {
  /** e.g. `http://localhost:16686`; undefined: no Jaeger link (the id is still shown). */
  jaegerUiUrl: string | undefined;
  /** e.g. `http://localhost:3000`; undefined: no Grafana logs link. */
  grafanaUrl: string | undefined;
}

/** What a template shows for one trace. */
export interface TraceView {
  id: string;
  /** The trace in Jaeger's UI. */
  jaegerUrl: string | undefined;
  /** The trace's log lines, from every service, in Grafana Explore. */
  logsUrl: string | undefined;
}

/** The uid of the provisioned Loki datasource (grafana/provisioning/datasources/datasources.yaml). */
export const LOKI_DATASOURCE_UID = 'loki';

/** How far around the page's time the logs link looks (the trace's lines are within a second of it). */
const LOGS_WINDOW_MS = 60 * 60 * 1000;

const TRACE_ID = /^[0-9a-f]{32}$/;
const INVALID_TRACE_ID = '0'.repeat(32);

/** A W3C trace id (32 lowercase hex digits, not all zero), or undefined for anything else. */
export function parseTraceId(value: unknown): string | undefined {
  return typeof value === 'string' && TRACE_ID.test(value) && value !== INVALID_TRACE_ID ? value : undefined;
}

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/;

/**
 * A sampled W3C `traceparent` (`00-<trace id>-<span id>-01`, neither id all zero), or
 * undefined for anything else: what a redirect may carry to the page that follows it.
 */
export function parseTraceParent(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const match = TRACEPARENT.exec(value);
  return match && parseTraceId(match[1]) && match[2] !== '0'.repeat(16) ? value : undefined;
}

/**
 * The trace id of the request being handled, when it is traced and sampled (a trace that
 * is not recorded would lead to "trace not found"). Undefined when telemetry is off.
 */
export function currentTraceId(): string | undefined {
  return sampledSpanContext()?.traceId;
}

/**
 * The W3C `traceparent` of the span handling this request (`00-<trace id>-<span id>-01`),
 * for the page's `<meta name="traceparent">`: the browser's documentLoad span becomes its
 * child, so the page load and the server's work are one trace. Undefined when not traced.
 */
export function currentTraceParent(): string | undefined {
  const spanContext = sampledSpanContext();
  return spanContext && `00-${spanContext.traceId}-${spanContext.spanId}-01`;
}

function sampledSpanContext(): { traceId: string; spanId: string } | undefined {
  const spanContext = trace.getActiveSpan()?.spanContext();
  if (!spanContext || !isSpanContextValid(spanContext)) return undefined;
  if ((spanContext.traceFlags & TraceFlags.SAMPLED) !== TraceFlags.SAMPLED) return undefined;
  const traceId = parseTraceId(spanContext.traceId);
  return traceId ? { traceId, spanId: spanContext.spanId } : undefined;
}

/** `<JAEGER_UI_URL>/trace/<id>`: Jaeger's page for one trace. */
export function jaegerTraceUrl(jaegerUiUrl: string, traceId: string): string {
  return `${jaegerUiUrl}/trace/${traceId}`;
}

/** The LogQL query of a trace's log lines, the same one as Jaeger's "Logs for this span" link in Grafana. */
export function traceLogsQuery(traceId: string): string {
  return `{service_namespace="shopscope"} | trace_id="${traceId}"`;
}

/**
 * Grafana Explore on the Loki datasource, showing the log lines of one trace from
 * `around - 1 h` to `around + 1 h`: `<GRAFANA_URL>/explore?schemaVersion=1&panes=<JSON>&orgId=1`,
 * the URL form Grafana 10 and later write themselves.
 */
export function grafanaLogsUrl(grafanaUrl: string, traceId: string, around: number): string {
  const panes = {
    logs: {
      datasource: LOKI_DATASOURCE_UID,
      queries: [
        {
          refId: 'A',
          datasource: { type: 'loki', uid: LOKI_DATASOURCE_UID },
          expr: traceLogsQuery(traceId),
          queryType: 'range',
        },
      ],
      range: { from: String(around - LOGS_WINDOW_MS), to: String(around + LOGS_WINDOW_MS) },
    },
  };
  const query = new URLSearchParams({ schemaVersion: '1', panes: JSON.stringify(panes), orgId: '1' });
  return `${grafanaUrl}/explore?${query}`;
}

/** The links of one trace, or undefined without a trace id. */
export function traceView(
  settings: TraceLinkSettings,
  traceId: string | undefined,
  around = Date.now(),
): TraceView | undefined {
  if (!traceId) return undefined;
  return {
    id: traceId,
    jaegerUrl: settings.jaegerUiUrl ? jaegerTraceUrl(settings.jaegerUiUrl, traceId) : undefined,
    logsUrl: settings.grafanaUrl ? grafanaLogsUrl(settings.grafanaUrl, traceId, around) : undefined,
  };
}
