import { type Logger, parseBody, unauthorized } from '@shopscope/common';
import { annotateActiveSpan, businessMetrics } from '@shopscope/telemetry';
import { Router } from 'express';
import { z } from 'zod';
import { checkCredentials, issueApiKey, revokeApiKey } from '../accounts';
import { authenticate, callerOf } from '../auth';
import { toPublicUser, type UserModels } from '../db/models';

const required = (max: number) =>
  z
    .string({ error: (issue) => (issue.input === undefined ? 'is required' : 'must be text') })
    .min(1, 'is required')
    .max(max, `must be at most ${max} characters`);

const loginSchema = z.object({ username: required(254), password: required(1024) });

/** Log in (a fresh API key per login) and log out (that key is revoked). */
export function sessionsRouter(models: UserModels, logger: Logger): Router {
  const router = Router();

  router.post('/api/user/login', async (req, res) => {
    const { username, password } = parseBody(loginSchema, req.body);
    const user = await checkCredentials(models, username.trim(), password);
    if (!user) {
      businessMetrics.logins.add(1, { outcome: 'failure' });
      throw unauthorized('Invalid username or password');
    }
    const apiKey = await issueApiKey(models, user);
    businessMetrics.logins.add(1, { outcome: 'success' });
    annotateActiveSpan({ 'user.id': user.id });
    logger.info({ user_id: user.id }, 'user logged in');
    // `api_key` at the top level too: the Flask-era clients read it there.
    res.json({ result: { api_key: apiKey, user: toPublicUser(user) }, api_key: apiKey });
  });

  router.post('/api/user/logout', authenticate(models), async (_req, res) => {
    const { user, apiKey } = callerOf(res);
    await revokeApiKey(models, apiKey.id);
    logger.info({ user_id: user.id }, 'user logged out');
    res.json({ message: 'Logged out: the API key is revoked' });
  });

  return router;
}
