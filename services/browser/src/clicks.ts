import { type SpanContext, type Tracer, TraceFlags } from '@opentelemetry/api';
import { withoutQuery } from './scrub.ts';

/**
 * A span per click on the shop's links and buttons, named after what was clicked (`click
 * link /checkout`, `click button /checkout/process`): the element's kind and where it
 * leads (a link's path, or its form's action), never its text or any form value.
 *
 * Written here instead of @opentelemetry/instrumentation-user-interaction: that package
 * is still on SDK 2 (a second copy of the SDK in the bundle, an API peer range that
 * excludes the shop's 1.10) and wants zone.js to follow clicks into async work. The shop's
 * clicks are navigations and form posts, which no browser instrumentation can follow
 * into the next page's trace anyway: the next page's documentLoad span links back to the
 * click instead (see `lastClick`).
 */

const CLICKABLE = 'a[href], button, input[type="submit"], input[type="button"]';
const LAST_CLICK_KEY = 'shopscope.telemetry.lastClick';
/** A click older than this did not lead to the page being loaded now. */
const CLICK_LINK_MAX_AGE_MS = 30_000;

/** `/orders/42` → `/orders/:id`: ids make span names (and the span metrics named after them) unbounded. */
export function pathTemplate(path: string): string {
  return path.replace(/\/\d+(?=\/|$)/g, '/:id') || '/';
}

/** Where a clicked element leads, as a low-cardinality description (no query, no fragment). */
export function describeTarget(element: Element, here: Location): { kind: 'link' | 'button'; target: string } {
  if (element instanceof HTMLAnchorElement) {
    const url = new URL(element.href, here.href);
    // Another site (the footer's Jaeger and Grafana links): its origin only, never its path.
    if (url.origin !== here.origin) return { kind: 'link', target: url.origin };
    return { kind: 'link', target: pathTemplate(url.pathname) };
  }
  const form = (element as HTMLButtonElement | HTMLInputElement).form;
  if (form) {
    const action = new URL(form.getAttribute('action') ?? here.pathname, here.href);
    const target = action.origin === here.origin ? pathTemplate(action.pathname) : action.origin;
    return { kind: 'button', target: `${form.method.toUpperCase()} ${withoutQuery(target)}` };
  }
  return { kind: 'button', target: pathTemplate(here.pathname) };
}

export function recordClicks(tracer: Tracer, route: string): void {
  document.addEventListener(
    'click',
    (event) => {
      const element = event.target instanceof Element ? event.target.closest(CLICKABLE) : null;
      if (!element) return;
      const { kind, target } = describeTarget(element, window.location);
      const span = tracer.startSpan(`click ${kind} ${target}`, {
        attributes: { 'ui.element.kind': kind, 'ui.element.target': target, 'page.route': route },
      });
      span.end();
      rememberClick(span.spanContext());
    },
    // Capture: seen even when a handler stops the event, and before the navigation starts.
    { capture: true, passive: true },
  );
}

function rememberClick(spanContext: SpanContext): void {
  try {
    sessionStorage.setItem(
      LAST_CLICK_KEY,
      JSON.stringify({ traceId: spanContext.traceId, spanId: spanContext.spanId, at: Date.now() }),
    );
  } catch {
    // No storage: the next page simply has no link to the click.
  }
}

/** The click that led to this page (within the last 30 s of this tab), taken once. */
export function takeLastClick(): SpanContext | undefined {
  try {
    const raw = sessionStorage.getItem(LAST_CLICK_KEY);
    sessionStorage.removeItem(LAST_CLICK_KEY);
    const saved = raw ? (JSON.parse(raw) as { traceId?: unknown; spanId?: unknown; at?: unknown }) : undefined;
    if (
      !saved ||
      typeof saved.traceId !== 'string' ||
      typeof saved.spanId !== 'string' ||
      typeof saved.at !== 'number' ||
      Date.now() - saved.at > CLICK_LINK_MAX_AGE_MS
    )
      return undefined;
    return { traceId: saved.traceId, spanId: saved.spanId, traceFlags: TraceFlags.SAMPLED, isRemote: true };
  } catch {
    return undefined;
  }
}
