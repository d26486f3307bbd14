import { apiKeyFromHeader, forbidden, sha256Hex, unauthorized } from '@shopscope/common';
import { annotateActiveSpan } from '@shopscope/telemetry';
import type { RequestHandler, Response } from 'express';
import { isApiKeyExpired } from './domain/accounts';
import type { ApiKey, User, UserModels } from './db/models';

/** Who is calling: the user and the key they presented (never the key itself). */
export interface Caller {
  user: User;
  apiKey: ApiKey;
}

/** `last_used_at` is refreshed at most this often, so authenticating is not a write per request. */
const LAST_USED_RESOLUTION_MS = 60_000;

/**
 * Middleware resolving the caller from `Authorization: Bearer <api_key>`: the key is hashed
 * and looked up with its user in one query. 401 when the key is missing, unknown, revoked or expired.
 */
export function authenticate({ ApiKey }: UserModels): RequestHandler {
  return async (req, res, next) => {
    const key = apiKeyFromHeader(req.get('authorization'));
    if (!key) throw unauthorized('API key required (Authorization: Bearer <api_key>)');
    const apiKey = await ApiKey.findOne({
      where: { key_hash: sha256Hex(key), revoked_at: null },
      include: 'user',
    });
    if (!apiKey?.user) throw unauthorized('Invalid or revoked API key');
    if (isApiKeyExpired(apiKey)) throw unauthorized('API key expired: log in again for a new one');

    const lastUsed = apiKey.last_used_at?.getTime() ?? 0;
    if (Date.now() - lastUsed > LAST_USED_RESOLUTION_MS) {
      await ApiKey.update({ last_used_at: new Date() }, { where: { id: apiKey.id } });
    }
    annotateActiveSpan({ 'user.id': apiKey.user.id });
    res.locals.caller = { user: apiKey.user, apiKey } satisfies Caller;
    next();
  };
}

/** Use after `authenticate`: 403 unless the caller is an administrator. */
export const requireAdmin: RequestHandler = (_req, res, next) => {
  if (!callerOf(res).user.is_admin) throw forbidden('Administrator access required');
  next();
};

/** The caller set by `authenticate` (a route without it mounted is a programming error). */
export function callerOf(res: Response): Caller {
  const caller = res.locals.caller as Caller | undefined;
  if (!caller) throw new Error('callerOf() used on a route without authenticate()');
  return caller;
}
