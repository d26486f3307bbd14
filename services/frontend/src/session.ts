import { annotateActiveSpan } from '@shopscope/telemetry';
import cookieSession from 'cookie-session';
import type { Request, RequestHandler, Response } from 'express';
import { loginPath } from './paths';
import { parseTraceParent } from './trace-links';

/**
 * The session is a signed cookie (cookie-session), not server state, so any number of
 * frontends can serve the same shopper behind a load balancer. It holds exactly the
 * signed-in user's id, username and API key — never a password — plus the header's cart
 * count, remembered for a minute (`rememberCartCount`).
 * The cookie is signed (tamper-proof) but not encrypted; it is httpOnly so page scripts
 * cannot read the key, and SameSite=Lax so other sites cannot ride on it for POSTs.
 */
export interface SessionUser {
  id: number;
  username: string;
  apiKey: string;
}

interface StoredSession {
  user_id?: unknown;
  username?: unknown;
  api_key?: unknown;
  /** The header's cart count and when it was read (epoch ms). */
  cart_count?: unknown;
  cart_count_at?: unknown;
  /** The last checkout's traceparent, until the page its redirect leads to is rendered. */
  checkout_traceparent?: unknown;
}

export const SESSION_COOKIE = 'shopscope_session';

export function sessionMiddleware(secret: string): RequestHandler[] {
  const session = cookieSession({
    name: SESSION_COOKIE,
    keys: [secret],
    httpOnly: true,
    sameSite: 'lax',
    maxAge: 24 * 60 * 60 * 1000,
  });
  const secureWhenHttps: RequestHandler = (req, _res, next) => {
    // Mark the cookie Secure whenever the browser came over HTTPS (directly or through a
    // trusted proxy); the demo stack itself is plain HTTP on localhost.
    if (req.sessionOptions) req.sessionOptions.secure = req.secure;
    const user = sessionUser(req);
    if (user) annotateActiveSpan({ 'user.id': String(user.id) });
    next();
  };
  return [session, secureWhenHttps];
}

/** The signed-in shopper, or undefined (also for a session cookie of an unexpected shape). */
export function sessionUser(req: Request): SessionUser | undefined {
  const stored = req.session as StoredSession | null | undefined;
  if (!stored) return undefined;
  const { user_id, username, api_key } = stored;
  if (typeof user_id !== 'number' || typeof username !== 'string' || typeof api_key !== 'string') return undefined;
  return { id: user_id, username, apiKey: api_key };
}

/**
 * How long the header's cart count is reused without asking order-service. Asking on every
 * page cost a cart lookup at order-service (and a price lookup at product-service) per page
 * view: a third of the backend calls of a shopping journey. The shop's own pages update
 * the count whenever they change the cart, so only a change made elsewhere (the API,
 * another browser) shows late, by at most this long.
 */
const CART_COUNT_TTL_MS = 60_000;

/** The cart count this session remembers, if it is recent enough. */
export function rememberedCartCount(req: Request, now = Date.now()): number | undefined {
  const stored = req.session as StoredSession | null | undefined;
  const count = stored?.cart_count;
  const at = stored?.cart_count_at;
  if (typeof count !== 'number' || typeof at !== 'number' || now - at > CART_COUNT_TTL_MS || at > now) return undefined;
  return count;
}

/** Remembers the cart count just read or changed; `undefined` forgets it (e.g. order-service failed). */
export function rememberCartCount(req: Request, count: number | undefined, now = Date.now()): void {
  const stored = req.session as StoredSession | null | undefined;
  if (!stored || !sessionUser(req)) return;
  if (count === undefined) {
    if (stored.cart_count === undefined) return;
    delete stored.cart_count;
    delete stored.cart_count_at;
    return;
  }
  // Rewriting an unchanged count would re-send the cookie on every page: only when it changed or aged.
  if (
    stored.cart_count === count &&
    typeof stored.cart_count_at === 'number' &&
    now - stored.cart_count_at < CART_COUNT_TTL_MS / 2
  )
    return;
  stored.cart_count = count;
  stored.cart_count_at = now;
}

export function signIn(req: Request, user: { id: number; username: string }, apiKey: string): void {
  req.session = { user_id: user.id, username: user.username, api_key: apiKey };
}

export function signOut(req: Request): void {
  req.session = null;
}

/** A handler that only runs for a signed-in shopper. */
export type SignedInHandler = (req: Request, res: Response, user: SessionUser) => Promise<void>;

/**
 * Guards a page: anonymous visitors are sent to the login page, which brings them back.
 * `returnTo` says where "back" is for forms (a POST URL cannot be reloaded after login).
 */
export function requireUser(handler: SignedInHandler, returnTo?: (req: Request) => string): RequestHandler {
  return async (req, res) => {
    const user = sessionUser(req);
    if (!user) {
      const next = returnTo ? returnTo(req) : req.originalUrl;
      res.redirect(303, loginPath(next, 'signInRequired'));
      return;
    }
    await handler(req, res, user);
  };
}

/**
 * Carries a checkout's trace to the page its redirect leads to: a form post cannot send a
 * traceparent, but the thank-you page can render the checkout's, so the browser's load of
 * it joins the checkout's trace — one trace from the page load down to every service's SQL.
 * In the signed session rather than the URL, which shoppers and load tests read.
 */
export function rememberCheckoutTrace(req: Request, traceparent: string | undefined): void {
  const stored = req.session as StoredSession | null | undefined;
  if (!stored) return;
  if (traceparent) stored.checkout_traceparent = traceparent;
  else delete stored.checkout_traceparent;
}

/** The remembered checkout's traceparent if it belongs to trace `traceId`; forgotten either way. */
export function takeCheckoutTrace(req: Request, traceId: string | undefined): string | undefined {
  const stored = req.session as StoredSession | null | undefined;
  if (!stored || stored.checkout_traceparent === undefined) return undefined;
  const traceparent = parseTraceParent(stored.checkout_traceparent);
  delete stored.checkout_traceparent;
  return traceId && traceparent?.startsWith(`00-${traceId}-`) ? traceparent : undefined;
}
