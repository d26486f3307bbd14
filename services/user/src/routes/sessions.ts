import { PasswordHashingBusyError, parseBody, passwordHashingFull, unauthorized } from '@shopscope/common';
import { annotateActiveSpan, businessMetrics } from '@shopscope/telemetry';
import { Router } from 'express';
import { z } from 'zod';
import type { LoginAnswer, MessageAnswer } from '@shopscope/contracts';
import { checkCredentials, issueApiKey, revokeApiKey } from '../domain/accounts';
import { authenticate, callerOf } from '../auth';
import { toPublicUser } from '../domain/views';
import type { RouteDeps } from './deps';

const required = (max: number) =>
  z
    .string({ error: (issue) => (issue.input === undefined ? 'is required' : 'must be text') })
    .min(1, 'is required')
    .max(max, `must be at most ${max} characters`);

const loginSchema = z.object({ username: required(254), password: required(1024) });

/**
 * Log in (a fresh API key per login) and log out (that key is revoked). Failed logins are
 * throttled per client address and per account (src/throttles.ts): a 429 with Retry-After,
 * before the password is hashed, so a throttled guess costs no scrypt.
 */
export function sessionRoutes({ models, logger, throttles, apiKeyLifetimeMs }: RouteDeps): Router {
  const router = Router();
  const { byAddress, byAccount } = throttles.login;

  router.post('/api/user/login', byAddress, byAccount, async (req, res) => {
    const { username, password } = parseBody(loginSchema, req.body);
    // A flood fills the hashing line: shed at once (503, Retry-After), before the lookup.
    if (passwordHashingFull()) throw new PasswordHashingBusyError();
    const user = await checkCredentials(models, username.trim(), password);
    if (!user) {
      businessMetrics.logins.add(1, { outcome: 'failure' });
      throw unauthorized('Invalid username or password');
    }
    const apiKey = await issueApiKey(models, user, apiKeyLifetimeMs);
    throttles.knownKeys.remember(apiKey);
    // The account's owner got in: earlier typos no longer count against it (the per-address
    // count is kept, or a guesser could clear it by signing in to an account of their own).
    await byAccount.reset(req);
    businessMetrics.logins.add(1, { outcome: 'success' });
    annotateActiveSpan({ 'user.id': user.id });
    logger.info({ user_id: user.id }, 'user logged in');
    // `api_key` at the top level too: the Flask-era clients read it there.
    res.json({ result: { api_key: apiKey, user: toPublicUser(user) }, api_key: apiKey } satisfies LoginAnswer);
  });

  router.post('/api/user/logout', throttles.apiKeys, authenticate(models), async (_req, res) => {
    const { user, apiKey } = callerOf(res);
    await revokeApiKey(models, apiKey.id);
    logger.info({ user_id: user.id }, 'user logged out');
    res.json({ message: 'Logged out: the API key is revoked' } satisfies MessageAnswer);
  });

  return router;
}
