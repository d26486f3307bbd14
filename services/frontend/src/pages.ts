import type { Logger } from '@shopscope/common';
import { businessMetrics } from '@shopscope/telemetry';
import cookieParser from 'cookie-parser';
import type { Request, Response } from 'express';
import { assetUrl, TELEMETRY_SCRIPT } from './assets';
import type { Backends } from './clients';
import { CSRF_FIELD, type CsrfProtection } from './csrf';
import { dictionaries, type Formatters, formattersFor, LANGUAGES, type Language, type Messages } from './i18n';
import { langAttribute, type ProductSource, type ProductText, productText } from './i18n/catalogue';
import { resolveLanguage } from './language';
import { rememberCartCount, rememberedCartCount, type SessionUser, sessionUser } from './session';
import {
  currentTraceId,
  currentTraceParent,
  parseTraceParent,
  type TraceLinkSettings,
  type TraceView,
  traceView,
} from './trace-links';

/** The templates under views/pages; each is rendered inside views/layout.ejs. */
export type PageView =
  | 'catalogue'
  | 'product'
  | 'register'
  | 'login'
  | 'cart'
  | 'thank-you'
  | 'orders'
  | 'order'
  | 'error';

/** What every template can use: the language, its text and formatters, the shopper. */
export interface PageContext {
  lang: Language;
  t: Messages;
  fmt: Formatters;
  user: SessionUser | undefined;
}

export interface PageLocals {
  title: string;
  /** Items in the cart for the header; fetched when omitted, `null` to not show it. */
  cartCount?: number | null;
  /** Where the language switch returns to when this page answers a form (POST) URL. */
  returnPath?: string;
  [name: string]: unknown;
}

export interface PagesDeps {
  backends: Backends;
  csrf: CsrfProtection;
  defaultLanguage: Language;
  logger: Logger;
  /** Where the pages link a trace to (Jaeger, Grafana). */
  traceLinks: TraceLinkSettings;
  /** The collector's OTLP/HTTP base URL for the browser telemetry script; undefined: no script. */
  browserOtlpUrl?: string | undefined;
}

/** The header's cart count is decoration: it must never make a page slow or fail. */
const CART_COUNT_TIMEOUT_MS = 1000;

/**
 * Renders server-side pages: the page template, then the layout around it, with the
 * shared locals (language, CSRF token, cart count, notices). Counts one page view per
 * rendered page, labelled with the route template and the status.
 */
export class Pages {
  constructor(private readonly deps: PagesDeps) {}

  context(req: Request): PageContext {
    ensureCookies(req);
    const lang = resolveLanguage(req, this.deps.defaultLanguage);
    return { lang, t: dictionaries[lang], fmt: formattersFor(lang), user: sessionUser(req) };
  }

  async render(req: Request, res: Response, view: PageView, locals: PageLocals, status = 200): Promise<void> {
    const context = this.context(req);
    const { returnPath, ...pageLocals } = locals;
    const cartCount = locals.cartCount === undefined ? await this.cartCount(req, context.user) : locals.cartCount;
    if (typeof locals.cartCount === 'number') rememberCartCount(req, locals.cartCount);
    const shared = {
      ...context,
      ...pageLocals,
      cartCount,
      csrfField: CSRF_FIELD,
      csrfToken: this.deps.csrf.tokenFor(req, res),
      currentPath: req.method === 'GET' ? pathWithoutLanguage(req.originalUrl) : (returnPath ?? req.path),
      notice: noticeFrom(req, context.t),
      languages: LANGUAGES.map((code) => ({ code, name: dictionaries[code].languageName })),
      asset: assetUrl,
      // The footer's link to the trace of the request rendering this page (none when telemetry is off).
      trace: this.traceView(currentTraceId()),
      // The same trace for the browser telemetry script (layout.ejs): its page load joins it
      // (or the one a page names, e.g. the thank-you page its checkout's).
      traceparent: parseTraceParent(locals.traceparent) ?? currentTraceParent(),
      browserTelemetry: this.deps.browserOtlpUrl
        ? { endpoint: this.deps.browserOtlpUrl, route: routeTemplate(req), script: assetUrl(TELEMETRY_SCRIPT) }
        : undefined,
      observability: { jaegerUrl: this.deps.traceLinks.jaegerUiUrl, grafanaUrl: this.deps.traceLinks.grafanaUrl },
      // Product names and descriptions in the page's language, and the lang attribute they need.
      productText: (product: ProductSource) => productText(product, context.lang),
      langAttr: (text: Pick<ProductText, 'lang'>) => langAttribute(text, context.lang),
    };
    const body = await renderTemplate(res, `pages/${view}`, shared);
    const html = await renderTemplate(res, 'layout', { ...shared, view, body });
    // Pages show the shopper's own data: never let a shared cache keep them.
    res.status(status).set({ 'Cache-Control': 'private, no-cache', 'Content-Language': context.lang });
    res.type('html').send(html);
    businessMetrics.pageViews.add(1, { page: routeTemplate(req), status });
  }

  /** The Jaeger and Grafana links of a trace (e.g. the checkout's, on the thank-you page). */
  traceView(traceId: string | undefined): TraceView | undefined {
    return traceView(this.deps.traceLinks, traceId);
  }

  /** The header's cart count: remembered by the session (session.ts) or asked of order-service. */
  private async cartCount(req: Request, user: SessionUser | undefined): Promise<number | null> {
    if (!user) return null;
    const remembered = rememberedCartCount(req);
    if (remembered !== undefined) return remembered;
    try {
      const count = await this.deps.backends.orders.cartCount(user.apiKey, { timeoutMs: CART_COUNT_TIMEOUT_MS });
      rememberCartCount(req, count);
      return count;
    } catch (err) {
      this.deps.logger.debug({ err: err instanceof Error ? err.message : String(err) }, 'cart count unavailable');
      return null;
    }
  }
}

const parseCookies = cookieParser();

/**
 * Errors raised before the cookie middleware ran (a body too large or malformed is refused
 * while parsing it) still render a page in the visitor's language, with a CSRF token.
 */
function ensureCookies(req: Request): void {
  if (req.cookies === undefined) parseCookies(req, {} as Response, () => undefined);
}

/** The route template (`/product/:slug`), never the raw path: metric labels must stay few. */
function routeTemplate(req: Request): string {
  const route = req.route as { path?: unknown } | undefined;
  return typeof route?.path === 'string' ? `${req.baseUrl}${route.path}` : 'unmatched';
}

/** Notices are chosen by key (`?notice=signedOut`), so a link cannot inject text. */
function noticeFrom(req: Request, t: Messages): string | undefined {
  const key = req.query.notice;
  return typeof key === 'string' && Object.hasOwn(t.notices, key)
    ? t.notices[key as keyof Messages['notices']]
    : undefined;
}

function pathWithoutLanguage(originalUrl: string): string {
  const url = new URL(originalUrl, 'http://shop.invalid');
  url.searchParams.delete('lang');
  return `${url.pathname}${url.search}`;
}

function renderTemplate(res: Response, view: string, locals: Record<string, unknown>): Promise<string> {
  return new Promise((resolve, reject) => {
    res.render(view, locals, (err, html) => (err ? reject(err) : resolve(html)));
  });
}
