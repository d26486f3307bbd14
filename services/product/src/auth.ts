import { apiKeyFromHeader, forbidden, unauthorized, type UserDirectory } from '@shopscope/common';
import { annotateActiveSpan } from '@shopscope/telemetry';
import type { RequestHandler } from 'express';

/**
 * Middleware for catalogue changes: the API key must belong to an administrator, which
 * only user-service knows, so it is asked on every call (`fresh`: a key revoked a moment
 * ago changes nothing). 401 for a missing or unknown key, 403 for a non-admin, 503 when
 * user-service is unreachable or answers nonsense.
 */
export function requireAdmin(users: UserDirectory): RequestHandler {
  return async (req, _res, next) => {
    const apiKey = apiKeyFromHeader(req.get('authorization'));
    if (!apiKey) throw unauthorized('API key required (Authorization: Bearer <api_key>)');
    const user = await users.identify(apiKey, { fresh: true });
    annotateActiveSpan({ 'user.id': user.id });
    if (!user.is_admin) throw forbidden('Administrator access required');
    next();
  };
}
