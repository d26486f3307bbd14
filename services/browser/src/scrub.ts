import type { Context } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace';

/**
 * The shop's URLs carry things that must not leave the browser in telemetry: search terms
 * (`/?q=`), return paths (`/login?next=`), the checkout's trace and order ids, and any
 * query a visitor types. Every URL-valued attribute keeps its scheme, host and path only;
 * attributes that hold nothing but a query or fragment are removed.
 */
const URL_ATTRIBUTES = ['url.full', 'http.url', 'http.target', 'url.path', 'page.url'];
const QUERY_ATTRIBUTES = ['url.query', 'url.fragment'];

/** `http://shop/product/x?q=1#top` → `http://shop/product/x` (any string: cut at the first ? or #). */
export function withoutQuery(value: string): string {
  const cut = value.search(/[?#]/);
  return cut === -1 ? value : value.slice(0, cut);
}

/** Runs before the exporting processor sees the span: at `onEnding`, while it can still be changed. */
export class QueryScrubber implements SpanProcessor {
  onStart(_span: Span, _parentContext: Context): void {}

  onEnding(span: Span): void {
    const attributes = span.attributes as Record<string, unknown>;
    for (const key of URL_ATTRIBUTES) {
      const value = attributes[key];
      if (typeof value === 'string') span.setAttribute(key, withoutQuery(value));
    }
    for (const key of QUERY_ATTRIBUTES) delete attributes[key];
  }

  onEnd(_span: ReadableSpan): void {}

  async forceFlush(): Promise<void> {}

  async shutdown(): Promise<void> {}
}
