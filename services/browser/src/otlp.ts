import { type ExportResult, ExportResultCode } from '@opentelemetry/core';
import { JsonTraceSerializer } from '@opentelemetry/otlp-transformer';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace';

/**
 * OTLP/HTTP (JSON) to the collector, with one rule the upstream OTLP exporters do not
 * have: a failed export is never retried, and the next minute's exports of this tab are
 * dropped without a request. The upstream browser exporters retry up to five times with
 * backoff; with the collector stopped that is a row of failed requests in the learner's
 * console on every page and requests piling up across navigations. Here an export that a
 * page sees fail pauses the tab for a minute, and that minute's data is dropped (the span
 * queue is bounded too, see main.ts). An export sent as a page unloads cannot learn its
 * outcome (the page is gone): it costs that page one request per signal, never more.
 */

/** Chromium refuses keepalive bodies beyond 64 KiB in flight in total: bigger ones go without. */
const KEEPALIVE_MAX_BYTES = 60_000;
/** An export that has not answered by then is abandoned (the socket is not kept). */
const EXPORT_TIMEOUT_MS = 10_000;
/** After a failure, this tab sends nothing for a minute (kept in sessionStorage across its pages). */
export const PAUSE_AFTER_FAILURE_MS = 60_000;
const PAUSE_KEY = 'shopscope.telemetry.pausedUntil';

export type OtlpPath = '/v1/traces' | '/v1/metrics';

export class OtlpSender {
  private pausedUntil = 0;
  private readonly baseUrl: string;
  private readonly fetchFn: typeof fetch;

  /** `fetchFn` is the browser's own fetch, taken before the fetch instrumentation wraps it. */
  constructor(baseUrl: string, fetchFn: typeof fetch) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
    this.fetchFn = fetchFn;
    this.pausedUntil = readPause();
  }

  async send(path: OtlpPath, body: Uint8Array | undefined): Promise<ExportResult> {
    if (!body || Date.now() < Math.max(this.pausedUntil, readPause())) return failed();
    try {
      const response = await this.fetchFn(`${this.baseUrl}${path}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: body as BufferSource,
        // keepalive lets an export started while the page goes away (navigation, tab closed) finish.
        keepalive: body.byteLength <= KEEPALIVE_MAX_BYTES,
        mode: 'cors',
        credentials: 'omit',
        signal: AbortSignal.timeout(EXPORT_TIMEOUT_MS),
      });
      // Read the answer to its end: Chromium returns a keepalive request's share of the
      // 64 KiB budget only then, so unread answers would starve the next exports.
      await response.arrayBuffer().catch(() => undefined);
      if (response.ok) return { code: ExportResultCode.SUCCESS };
    } catch {
      // Unreachable, refused by CORS or timed out: the same for the shopper, nothing to show.
    }
    this.pause();
    return failed();
  }

  private pause(): void {
    this.pausedUntil = Date.now() + PAUSE_AFTER_FAILURE_MS;
    try {
      sessionStorage.setItem(PAUSE_KEY, String(this.pausedUntil));
    } catch {
      // Storage off (private mode, policies): the pause then lasts for this page only.
    }
  }
}

function readPause(): number {
  try {
    return Number(sessionStorage.getItem(PAUSE_KEY)) || 0;
  } catch {
    return 0;
  }
}

function failed(): ExportResult {
  return { code: ExportResultCode.FAILED };
}

export class OtlpSpanExporter implements SpanExporter {
  private readonly sender: OtlpSender;
  constructor(sender: OtlpSender) {
    this.sender = sender;
  }
  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    void this.sender.send('/v1/traces', JsonTraceSerializer.serializeRequest(spans)).then(done);
  }
  async shutdown(): Promise<void> {}
}
