/**
 * The shop's browser telemetry, loaded (defer) by every page when the frontend is given
 * BROWSER_OTLP_URL. Configuration comes from the page's meta tags, written by the server:
 *   traceparent                   the server span that rendered this page: the
 *                                 documentLoad span becomes its child, in the same trace
 *   shopscope-telemetry-endpoint  the collector's OTLP/HTTP base URL (…/v1/traces, …/v1/metrics)
 *   shopscope-page-route          the page's route template (`/product/:slug`)
 * Spans: documentLoad, documentFetch and resourceFetch (document load instrumentation),
 * fetch calls, clicks; metrics: the Core Web Vitals (vitals.ts). Everything is exported to
 * the collector as service `shopscope-browser`. The page works the same without this
 * script (JavaScript off, collector down): it only observes.
 */
import { context, isSpanContextValid, propagation, trace } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { DocumentLoadInstrumentation } from '@opentelemetry/instrumentation-document-load';
import { FetchInstrumentation } from '@opentelemetry/instrumentation-fetch';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, StackContextManager, TracerProvider } from '@opentelemetry/sdk-trace';
import { recordClicks, takeLastClick } from './clicks.ts';
import { OtlpSender, OtlpSpanExporter } from './otlp.ts';
import { QueryScrubber } from './scrub.ts';
import { watchVitals } from './vitals.ts';

export const SERVICE_NAME = 'shopscope-browser';

function meta(name: string): string | undefined {
  return document.querySelector<HTMLMetaElement>(`meta[name="${name}"]`)?.content || undefined;
}

function start(): void {
  const endpoint = meta('shopscope-telemetry-endpoint');
  if (!endpoint || typeof fetch !== 'function') return;
  const route = meta('shopscope-page-route') ?? 'unmatched';
  // The browser's own fetch, before the fetch instrumentation wraps it: exports are not traced.
  const sender = new OtlpSender(endpoint, window.fetch.bind(window));

  const resourceAttributes = {
    'service.name': SERVICE_NAME,
    'service.namespace': 'shopscope',
    'telemetry.sdk.language': 'webjs',
  };
  const resource = resourceFromAttributes(resourceAttributes);
  const tracerProvider = new TracerProvider({
    resource,
    // Long values (a user agent, a long URL) are cut; a page's spans stay small.
    spanLimits: { attributeValueLengthLimit: 512, eventCountLimit: 32 },
    spanProcessors: [
      new QueryScrubber(),
      new BatchSpanProcessor({
        exporter: new OtlpSpanExporter(sender),
        // Bounded: beyond 256 waiting spans new ones are dropped (a collector that is down
        // must not make the page grow).
        maxQueueSize: 256,
        maxExportBatchSize: 128,
        scheduledDelayMillis: 2000,
        exportTimeoutMillis: 10_000,
        // Flushed by `onPageHidden` below, together with the metrics.
        disableAutoFlushOnDocumentHide: true,
      }),
    ],
  });
  context.setGlobalContextManager(new StackContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(tracerProvider);

  // The vitals' resource names this page view (vitals.ts says why); spans keep the shared one.
  const vitals = watchVitals({ ...resourceAttributes, 'service.instance.id': crypto.randomUUID() }, route);

  const clickThatLedHere = takeLastClick();
  registerInstrumentations({
    tracerProvider,
    instrumentations: [
      new DocumentLoadInstrumentation({
        applyCustomAttributesOnSpan: {
          documentLoad: (span) => {
            span.setAttribute('page.route', route);
            if (clickThatLedHere && isSpanContextValid(clickThatLedHere)) span.addLink({ context: clickThatLedHere });
          },
        },
      }),
      // Propagates traceparent to the shop's own origin only (the default: no other origin
      // listed), so the shop's servers continue a fetch's trace and nobody else sees it.
      new FetchInstrumentation({ ignoreUrls: [new RegExp(`^${escapeRegExp(new URL(endpoint).origin)}/`)] }),
    ],
  });
  recordClicks(tracerProvider.getTracer(SERVICE_NAME), route);

  // Navigation, tab switch or close: the last chance to send. Exports use keepalive, so they
  // finish after the page is gone.
  let flushing = false;
  const onPageHidden = () => {
    if (flushing) return;
    flushing = true;
    const vitalsRequest = vitals.takeFinal();
    void Promise.allSettled([
      tracerProvider.forceFlush(),
      vitalsRequest ? sender.send('/v1/metrics', vitalsRequest) : undefined,
    ]).then(() => {
      flushing = false;
    });
  };
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'hidden') onPageHidden();
  });
  window.addEventListener('pagehide', onPageHidden);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

try {
  start();
} catch {
  // Telemetry must never break the page.
}
