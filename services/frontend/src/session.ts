import { annotateActiveSpan } from '@shopscope/telemetry';
import cookieSession from 'cookie-session';
import type { Request, RequestHandler, Response } from 'express';
import { loginPath } from './paths';

/**
 * The session is a signed cookie (cookie-session), not server state, so any number of
 * frontends can serve the same shopper behind a load balancer. It holds exactly the
 * signed-in user's id, username and API key: never a password, and nothing else.
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
