import { apiKeyFromHeader, DependencyError, forbidden, type ServiceClient, unauthorized } from '@shopscope/common';
import { annotateActiveSpan } from '@shopscope/telemetry';
import type { RequestHandler } from 'express';

interface UserAnswer {
  result?: { id?: unknown; is_admin?: unknown };
}

/**
 * Middleware for catalogue changes: the API key must belong to an administrator, which
 * only user-service knows, so it is asked (`GET /api/user` with the caller's key) on every
 * call. 401 for a missing or unknown key, 403 for a non-admin, 503 when user-service is
 * unreachable or answers nonsense.
 */
export function requireAdmin(users: ServiceClient): RequestHandler {
  return async (req, _res, next) => {
    const apiKey = apiKeyFromHeader(req.get('authorization'));
    if (!apiKey) throw unauthorized('API key required (Authorization: Bearer <api_key>)');

    const answer = await users.get<UserAnswer>('/api/user', { apiKey });
    if (answer.status === 401) throw unauthorized('Invalid or revoked API key');
    const user = answer.body.result;
    if (answer.status !== 200 || typeof user?.id !== 'number' || typeof user.is_admin !== 'boolean') {
      throw new DependencyError(users.name, `unexpected answer ${answer.status} to GET /api/user`);
    }
    annotateActiveSpan({ 'user.id': user.id });
    if (!user.is_admin) throw forbidden('Administrator access required');
    next();
  };
}
