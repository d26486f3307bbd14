import { notFound, pageFields, parseBody, parseQuery, textField } from '@shopscope/common';
import { annotateActiveSpan, businessMetrics } from '@shopscope/telemetry';
import { Router } from 'express';
import { z } from 'zod';
import type { ExistsAnswer, UserAnswer, UserPage } from '@shopscope/contracts';
import { register } from '../domain/accounts';
import { authenticate, callerOf, requireAdmin } from '../auth';
import { toPublicUser } from '../domain/views';
import type { RouteDeps } from './deps';

const USERNAME = /^[A-Za-z0-9_.-]{3,32}$/;

const registrationSchema = z.object({
  username: textField(3, 32).regex(USERNAME, 'may contain only letters, digits, "_", "." and "-"'),
  email: textField(3, 254).toLowerCase().pipe(z.email('must be a valid email address')),
  // Not trimmed: every character of a password counts.
  password: z
    .string({ error: (issue) => (issue.input === undefined ? 'is required' : 'must be text') })
    .min(8, 'must be at least 8 characters')
    .max(128, 'must be at most 128 characters'),
  first_name: textField(1, 100),
  last_name: textField(1, 100),
});

const listSchema = z.object({ ...pageFields() });

/** Accounts: sign-up, "does this username exist", the caller's profile, the admin's list. */
export function userRoutes({ models, logger, throttles }: RouteDeps): Router {
  const router = Router();
  const { User } = models;
  // Unknown keys are throttled per address before they are looked up (src/throttles.ts).
  const auth = [throttles.apiKeys, authenticate(models)] as const;

  router.post('/api/user/create', async (req, res) => {
    const user = await register(models, parseBody(registrationSchema, req.body));
    businessMetrics.registrations.add(1);
    annotateActiveSpan({ 'user.id': user.id });
    logger.info({ user_id: user.id }, 'user registered');
    res.status(201).json({ result: toPublicUser(user) } satisfies UserAnswer);
  });

  router.get('/api/user/:username/exists', async (req, res) => {
    const { username } = req.params;
    const found = USERNAME.test(username) && (await User.count({ where: { username } })) > 0;
    if (!found) throw notFound('User not found');
    res.json({ result: true } satisfies ExistsAnswer);
  });

  router.get('/api/user', ...auth, (_req, res) => {
    res.json({ result: toPublicUser(callerOf(res).user) } satisfies UserAnswer);
  });

  router.get('/api/users', ...auth, requireAdmin, async (req, res) => {
    const { limit, offset } = parseQuery(listSchema, req.query);
    const { rows, count } = await User.findAndCountAll({ order: [['id', 'ASC']], limit, offset });
    res.json({ results: rows.map(toPublicUser), total: count } satisfies UserPage);
  });

  return router;
}
