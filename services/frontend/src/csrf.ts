import { createHmac } from 'node:crypto';
import { HttpError } from '@shopscope/common';
import { doubleCsrf } from 'csrf-csrf';
import type { Request, RequestHandler, Response } from 'express';
import { sessionUser } from './session';

/**
 * CSRF protection for every form: the signed double-submit cookie pattern (csrf-csrf).
 *
 * Why this and not a synchronizer token: a synchronizer token must be stored server-side
 * or in the session, and our session is a stateless cookie that holds only the user id,
 * username and API key. With double submit, the token is an HMAC (keyed from
 * SESSION_SECRET) of a random value and the shopper's session, set in an httpOnly cookie
 * and repeated in a hidden form field; a POST is accepted only when both match and the
 * HMAC verifies. Another site can make the browser send the cookie but can neither read
 * it nor forge the HMAC, so it cannot fill in the field. Binding the HMAC to the API key
 * means a token minted before login stops working after it (and vice versa).
 */
export const CSRF_COOKIE = 'shopscope_csrf';
export const CSRF_FIELD = '_csrf';

export interface CsrfProtection {
  /** Rejects state-changing requests (POST…) without a valid token with a 403. */
  verify: RequestHandler;
  /** The token to put in this page's forms (re-used while the cookie is valid). */
  tokenFor(req: Request, res: Response): string;
}

export function csrfProtection(sessionSecret: string): CsrfProtection {
  // A key of its own, derived from the session secret, so the two uses never share a key.
  const csrfSecret = createHmac('sha256', sessionSecret).update('shopscope csrf').digest('hex');
  const { validateRequest, generateCsrfToken } = doubleCsrf({
    getSecret: () => csrfSecret,
    getSessionIdentifier: (req) => sessionUser(req)?.apiKey ?? '',
    cookieName: CSRF_COOKIE,
    cookieOptions: { sameSite: 'strict', path: '/', httpOnly: true, secure: false },
    getCsrfTokenFromRequest: (req) => {
      const fromForm = (req.body as Record<string, unknown> | undefined)?.[CSRF_FIELD];
      return typeof fromForm === 'string' ? fromForm : req.get('x-csrf-token');
    },
  });

  return {
    verify: (req, _res, next) => {
      if (req.method === 'GET' || req.method === 'HEAD' || req.method === 'OPTIONS') return next();
      if (validateRequest(req)) return next();
      next(new HttpError(403, 'Invalid or missing CSRF token', undefined, 'csrf_invalid'));
    },
    tokenFor: (req, res) =>
      generateCsrfToken(req, res, {
        cookieOptions: { sameSite: 'strict', path: '/', httpOnly: true, secure: req.secure },
      }),
  };
}
