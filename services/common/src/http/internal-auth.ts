import type { RequestHandler } from 'express';
import { sha256Hex, timingSafeEqualStrings } from '../crypto';
import { HttpError } from '../errors';

/** Methods whose body must be JSON on an internal endpoint. */
const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH']);

/**
 * Guards an internal endpoint: one that only another ShopScope service may call (e.g.
 * product-service's stock reservations, called by order-service). Mount it on each such
 * route, before the handler: `router.post('/api/…', internalOnly, handler)`.
 *
 * - **Service credential.** The caller presents the shared `INTERNAL_TOKEN` as
 *   `Authorization: Bearer <token>`, the header every ShopScope client already sends
 *   (ServiceClient's `apiKey` option) and that is never logged. It is compared in constant
 *   time (SHA-256 of both sides, then `timingSafeEqualStrings`, so neither the content
 *   nor the length leaks). Only that one token opens the endpoint: a user's API key,
 *   even an administrator's, is just a wrong token (user-service is never asked).
 *   Missing or wrong: 401 `{message}` with a `WWW-Authenticate` challenge.
 * - **Fails closed.** Without a configured token every call answers 503
 *   (`internal_auth_not_configured`): the endpoint is disabled, never open.
 * - **JSON only.** POST/PUT/PATCH must be `Content-Type: application/json`, else 415.
 *   The common app also parses urlencoded bodies (for the web shop's forms); without this
 *   check a cross-site HTML form could post to an internal endpoint. A browser cannot
 *   send `application/json` or an `Authorization` header cross-site without a CORS
 *   preflight, which no ShopScope service grants.
 */
export function requireInternalCaller(token: string | undefined): RequestHandler {
  const expected = token === undefined ? undefined : sha256Hex(token);
  return (req, res, next) => {
    if (expected === undefined) {
      next(
        new HttpError(
          503,
          'Internal endpoint disabled: no service credential (INTERNAL_TOKEN) is configured',
          undefined,
          'internal_auth_not_configured',
        ),
      );
      return;
    }
    const presented = bearerToken(req.headers.authorization);
    if (presented === undefined || !timingSafeEqualStrings(sha256Hex(presented), expected)) {
      res.setHeader('WWW-Authenticate', 'Bearer realm="shopscope-internal"');
      next(
        new HttpError(
          401,
          presented === undefined
            ? 'Internal endpoint: a service credential is required'
            : 'Internal endpoint: invalid service credential',
          undefined,
          'unauthorized',
        ),
      );
      return;
    }
    if (BODY_METHODS.has(req.method) && mediaType(req.headers['content-type']) !== 'application/json') {
      next(
        new HttpError(
          415,
          'Internal endpoints accept only Content-Type: application/json',
          undefined,
          'unsupported_media_type',
        ),
      );
      return;
    }
    next();
  };
}

/** The token of `Authorization: Bearer <token>`, or undefined (other schemes included). */
function bearerToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const match = /^Bearer +([^\s]{1,512}) *$/i.exec(header);
  return match?.[1];
}

/** `application/json; charset=utf-8` → `application/json`. */
function mediaType(header: string | undefined): string {
  return (header ?? '').split(';', 1)[0]?.trim().toLowerCase() ?? '';
}
