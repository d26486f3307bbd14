import { apiKeyFromHeader, type UserDirectory, unauthorized } from '@shopscope/common';
import type { PublicUser } from '@shopscope/contracts';
import { annotateActiveSpan } from '@shopscope/telemetry';
import type { Request, RequestHandler, Response } from 'express';

/** The caller's API key from `Authorization: Bearer …` (or the Flask-era `Basic …`); 401 without one. */
export function apiKeyOf(req: Request): string {
  const apiKey = apiKeyFromHeader(req.get('authorization'));
  if (!apiKey) throw unauthorized('An API key is required (Authorization: Bearer <api_key>)');
  return apiKey;
}

/** Middleware: identifies the caller with user-service (briefly cached) and stores them on `res.locals`. */
export function authenticate(users: UserDirectory): RequestHandler {
  return async (req, res, next) => {
    const caller = await users.identify(apiKeyOf(req));
    res.locals.caller = caller;
    annotateActiveSpan({ 'user.id': caller.id });
    next();
  };
}

/** The caller stored by `authenticate`. */
export function callerOf(res: Response): PublicUser {
  const caller = res.locals.caller as PublicUser | undefined;
  if (!caller) throw new Error('authenticate() must run before this handler');
  return caller;
}
