import { clientAddressKey, DependencyError, failureThrottle } from '@shopscope/common';
import { Router, type Request, type Response } from 'express';
import type { Registration } from '../clients';
import { type FormErrors, formRaw, formText } from '../forms';
import type { Messages } from '../i18n';
import { loginPath, safeLocalPath } from '../paths';
import { sessionUser, signIn, signOut } from '../session';
import type { RouteDeps } from './deps';

/** The registration form's fields, in display order; the password is never echoed back. */
export const REGISTRATION_FIELDS = ['username', 'email', 'password', 'first_name', 'last_name'] as const;
type RegistrationField = (typeof REGISTRATION_FIELDS)[number];

/**
 * Failed sign-ins allowed per browser address within the window, then the form answers 429
 * with Retry-After (WEB_LOGIN_MAX_FAILURES_PER_ADDRESS, LOGIN_THROTTLE_WINDOW_SECONDS).
 * Lower than user-service's per-address limit (100): every web login reaches user-service
 * from this shop's single address, so it is here that each browser is held back, and one
 * attacker at the form cannot use up user-service's count for all shoppers. user-service's
 * per-account limit (10 per 15 min) applies to web logins too; its 429 is shown the same way.
 */
export const WEB_LOGIN_THROTTLE: WebLoginThrottleSettings = { maxFailuresPerAddress: 20, windowSeconds: 15 * 60 };

export interface WebLoginThrottleSettings {
  maxFailuresPerAddress: number;
  windowSeconds: number;
}

/** `/register`, `/login`, `POST /logout`: accounts live in user-service; the session here. */
export function accountRoutes({ backends, pages, logger }: RouteDeps, throttle: WebLoginThrottleSettings): Router {
  const router = Router();

  async function showRegister(
    req: Request,
    res: Response,
    values: Partial<Registration> = {},
    errors: FormErrors = {},
    status = 200,
  ) {
    const { t } = pages.context(req);
    const next = safeLocalPath(req.body?.next ?? req.query.next);
    // What was typed comes back, except the password.
    await pages.render(
      req,
      res,
      'register',
      { title: t.register.title, values: { ...values, password: '' }, next, errors },
      status,
    );
  }

  async function showLogin(req: Request, res: Response, username = '', errors: FormErrors = {}, status = 200) {
    const { t } = pages.context(req);
    const next = safeLocalPath(req.body?.next ?? req.query.next);
    await pages.render(req, res, 'login', { title: t.login.title, username, next, errors }, status);
  }

  /** The form again, with "too many attempts, wait N minutes", as a 429 with Retry-After. */
  async function showThrottled(req: Request, res: Response, retryAfterSeconds: number) {
    const { t } = pages.context(req);
    res.set('Retry-After', String(retryAfterSeconds));
    const minutes = Math.max(1, Math.ceil(retryAfterSeconds / 60));
    await showLogin(req, res, formText(req.body, 'username', 100), { _form: t.login.throttled(minutes) }, 429);
  }

  // Counts the form's failed sign-ins (answered 401) per browser address, in memory (one
  // frontend process); successful ones never count (services/common/src/http/throttle.ts).
  const webLoginThrottle = failureThrottle({
    name: 'web_login_address',
    limit: throttle.maxFailuresPerAddress,
    windowMs: throttle.windowSeconds * 1000,
    key: clientAddressKey,
    onThrottled: (req, res, _next, retryAfterSeconds) => showThrottled(req, res, retryAfterSeconds),
  });

  router.get('/register', async (req, res) => {
    if (sessionUser(req)) return res.redirect(303, safeLocalPath(req.query.next));
    await showRegister(req, res);
  });

  router.post('/register', async (req, res) => {
    const registration = {
      username: formText(req.body, 'username', 100),
      email: formText(req.body, 'email', 320),
      password: formRaw(req.body, 'password', 200),
      first_name: formText(req.body, 'first_name', 200),
      last_name: formText(req.body, 'last_name', 200),
    } satisfies Registration;
    const outcome = await backends.users.register(registration);
    if (outcome.ok) {
      await signInAfterRegistering(req, res, registration);
      return;
    }
    const { t } = pages.context(req);
    const errors =
      outcome.reason === 'invalid'
        ? invalidFieldMessages(outcome.fields, registration, t)
        : takenFieldMessages(outcome.fields, t);
    await showRegister(req, res, registration, errors, outcome.reason === 'invalid' ? 400 : 409);
  });

  /**
   * A new account is signed in at once, as the login form would (the same user-service
   * login, the same session), and goes where it was going (`next`: back to the product,
   * its quantity kept), else to the shop with a welcome. Should that login fail (user-service
   * busy), the account exists all the same: the login page says so and keeps `next`.
   */
  async function signInAfterRegistering(req: Request, res: Response, registration: Registration) {
    const next = safeLocalPath(req.body?.next);
    const login = await backends.users.login(registration.username, registration.password);
    if (!login.ok) {
      logger.warn({ reason: login.reason }, 'registered, but the sign-in that follows was refused');
      res.redirect(303, loginPath(next, 'registeredSignIn'));
      return;
    }
    signIn(req, login.user, login.apiKey);
    res.redirect(303, next === '/' ? '/?notice=registered' : next);
  }

  router.get('/login', async (req, res) => {
    if (sessionUser(req)) return res.redirect(303, safeLocalPath(req.query.next));
    await showLogin(req, res);
  });

  router.post('/login', webLoginThrottle, async (req, res) => {
    const username = formText(req.body, 'username', 100);
    const password = formRaw(req.body, 'password', 200);
    const outcome = await backends.users.login(username, password);
    if (outcome.ok) {
      signIn(req, outcome.user, outcome.apiKey);
      res.redirect(303, safeLocalPath(req.body?.next));
      return;
    }
    if (outcome.reason === 'throttled') {
      // user-service holds this account (or this shop's address) back.
      await showThrottled(req, res, outcome.retryAfterSeconds);
      return;
    }
    const { t } = pages.context(req);
    const errors: FormErrors = {};
    if (!username) errors.username = t.form.required;
    if (!password) errors.password = t.form.required;
    if (Object.keys(errors).length === 0) errors._form = t.login.wrongCredentials;
    await showLogin(req, res, username, errors, outcome.reason === 'invalid' ? 400 : 401);
  });

  router.post('/logout', async (req, res) => {
    const user = sessionUser(req);
    signOut(req);
    if (user) {
      try {
        await backends.users.logout(user.apiKey);
      } catch (err) {
        // Leaving the shop must work even when user-service is down; the key then stays
        // valid until user-service forgets it, which is logged for the operator.
        if (!(err instanceof DependencyError)) throw err;
        logger.warn({ user_id: user.id, dependency: err.dependency }, 'signed out locally; API key not revoked');
      }
    }
    res.redirect(303, '/?notice=signedOut');
  });

  return router;
}

/**
 * user-service says which fields it rejected (`details.fields`), in English and in its own
 * words. The page shows, for each rejected field, "required" when it was left empty and
 * otherwise the shop's own hint for that field, in the shopper's language.
 */
function invalidFieldMessages(rejected: Record<string, string>, values: Registration, t: Messages): FormErrors {
  const errors: FormErrors = {};
  for (const [field, backendMessage] of Object.entries(rejected)) {
    if (isRegistrationField(field)) errors[field] = values[field] ? t.register.invalid[field] : t.form.required;
    else errors._form = backendMessage;
  }
  if (Object.keys(errors).length === 0) errors._form = t.form.fixErrors;
  return errors;
}

/** 409: the field(s) already registered, or one message when user-service does not say which. */
function takenFieldMessages(taken: Record<string, string>, t: Messages): FormErrors {
  const errors: FormErrors = {};
  if ('username' in taken) errors.username = t.register.taken.username;
  if ('email' in taken) errors.email = t.register.taken.email;
  if (Object.keys(errors).length === 0) errors._form = t.register.takenEither;
  return errors;
}

function isRegistrationField(field: string): field is RegistrationField {
  return (REGISTRATION_FIELDS as readonly string[]).includes(field);
}
