import { DependencyError, type HttpError, type Logger } from '@shopscope/common';
import type { Request, Response } from 'express';
import type { Messages } from './i18n';
import type { Pages } from './pages';
import { loginPath } from './paths';
import { rememberCartCount, signOut } from './session';

/** Seconds a browser or script is told to wait before retrying a 503 page. */
const RETRY_AFTER_SECONDS = 10;

/**
 * Turns every error into a page inside the layout: a 503 that says which part of the shop
 * is down, a 404, a 403 for a stale form, a 500 without any detail. Span status and the
 * log line were already handled by the shared error handler (services/common).
 * JSON clients (the fault API, probes, `Accept: application/json`) keep JSON errors.
 */
export function errorPages(pages: Pages, logger: Logger) {
  return (error: HttpError, req: Request, res: Response): boolean => {
    if (req.path.startsWith('/admin/') || req.accepts(['html', 'json']) === 'json') return false;
    renderErrorPage(pages, error, req, res).catch((err: unknown) => {
      // The page itself failed (e.g. a template bug): a bare answer is better than none.
      logger.error({ err }, 'error page failed to render');
      if (!res.headersSent) res.status(500).type('text/plain').send('Internal error');
    });
    return true;
  };
}

async function renderErrorPage(pages: Pages, error: HttpError, req: Request, res: Response): Promise<void> {
  if (error.reason === 'session_expired') {
    // The API key was revoked or forgotten: drop the session and ask to sign in again.
    signOut(req);
    res.redirect(303, loginPath(req.method === 'GET' ? req.originalUrl : '/', 'sessionExpired'));
    return;
  }
  if (error.status === 503) res.set('Retry-After', String(RETRY_AFTER_SECONDS));
  // A backend is failing: the next pages ask order-service again rather than show a count
  // that may be stale (and leave it out while order-service is down).
  if (error.status >= 500) rememberCartCount(req, undefined);
  const { t } = pages.context(req);
  const { title, message, hint } = explain(error, t);
  await pages.render(
    req,
    res,
    'error',
    {
      title,
      message,
      hint,
      status: error.status,
      // A 404 keeps the header's cart count like any other page (remembered, or asked once);
      // other errors call no backend for decoration (a failing one, or a refused request's).
      cartCount: error.status === 404 ? undefined : null,
      canRetry: req.method === 'GET' && error.status >= 500,
    },
    error.status,
  );
}

/** The page's title and wording for an error, in the shopper's language. */
function explain(error: HttpError, t: Messages): { title: string; message: string; hint?: string } {
  const e = t.errors;
  if (error.status === 503) {
    // What is really down: order-service answering that product-service is unavailable
    // means the catalogue, not the cart (DependencyError.underlying, from its 503's details).
    const message =
      error instanceof DependencyError
        ? (unavailableMessage(e, error.underlying) ?? unavailableMessage(e, error.dependency) ?? e.unavailableGeneric)
        : e.unavailableGeneric;
    return { title: e.unavailableTitle, message, hint: e.unavailableHint };
  }
  if (error.status === 404) return { title: e.notFoundTitle, message: e.notFound };
  if (error.reason === 'csrf_invalid') return { title: e.csrfTitle, message: e.csrf };
  if (error.status >= 400 && error.status < 500) return { title: e.badRequestTitle, message: e.badRequest };
  return { title: e.internalTitle, message: e.internal };
}

/** The outage message naming a service the shop knows (`product-service` → "The catalogue…"). */
function unavailableMessage(e: Messages['errors'], dependency: string | undefined): string | undefined {
  return dependency !== undefined && Object.hasOwn(e.unavailable, dependency)
    ? e.unavailable[dependency as keyof typeof e.unavailable]
    : undefined;
}

/** A 404 page with the route's own wording ("This product does not exist"). */
export function renderNotFound(pages: Pages, req: Request, res: Response, message: string): Promise<void> {
  const { t } = pages.context(req);
  return pages.render(req, res, 'error', { title: t.errors.notFoundTitle, message, status: 404 }, 404);
}
