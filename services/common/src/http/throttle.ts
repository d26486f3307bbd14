import { businessMetrics } from '@shopscope/telemetry';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { ipKeyGenerator, rateLimit } from 'express-rate-limit';
import { RetryLaterError } from '../errors';

/**
 * Throttling of failed attempts (wrong passwords, unknown API keys), on express-rate-limit.
 *
 * Only FAILED attempts count: every attempt is counted when it arrives (so a burst of
 * concurrent guesses cannot slip past the limit) and given back when it finishes without
 * failing (`skipSuccessfulRequests`). Legitimate load (hundreds of shoppers signing in from
 * one address) therefore never adds up; what adds up is `limit` failures per key within
 * `windowMs` (a fixed window that starts at the key's first failure). The attempt after that
 * is refused with a 429 and `Retry-After` (the seconds left in the window), before any
 * password is hashed or key looked up, until the window ends.
 *
 * The counters live in memory (express-rate-limit's MemoryStore): each service runs as ONE
 * process, so that is the whole count. Running replicas would need a shared store
 * (e.g. rate-limit-redis), otherwise each replica allows `limit` on its own. A restart
 * forgets the counts.
 *
 * Every refusal adds one to `shopscope.auth.throttled{limit}` (Prometheus:
 * `shopscope_auth_throttled_total`), besides the 429 in the HTTP RED metrics.
 */
export interface FailureThrottleOptions {
  /** Names the limit in metrics and logs: `login_account`, `login_address`, `api_key_address`, `web_login_address`. */
  name: string;
  /** Failures allowed per key within the window; the next attempt gets a 429. */
  limit: number;
  windowMs: number;
  /** What an attempt counts against (see accountKey, clientAddressKey); undefined: not counted. */
  key: (req: Request) => string | undefined;
  /** Whether a finished request was a failed attempt. Default: it was answered 401. */
  failed?: (req: Request, res: Response) => boolean;
  /** Attempts that are not counted nor refused (e.g. an API key known to be valid). */
  skip?: (req: Request) => boolean;
  /** The 429's message (JSON `{message, details: {retry_after_seconds}}`). */
  message?: string;
  /**
   * Answers the refusal itself (the web shop shows its form again). `Retry-After` is
   * already set. Default: a RetryLaterError (429) through the service's error handler.
   */
  onThrottled?: (req: Request, res: Response, next: NextFunction, retryAfterSeconds: number) => void | Promise<void>;
}

export interface FailureThrottle extends RequestHandler {
  /** Forgets the failures counted against the request's key (e.g. after a successful login). */
  reset(req: Request): Promise<void>;
}

interface LimitInfo {
  resetTime?: Date;
}

export function failureThrottle(options: FailureThrottleOptions): FailureThrottle {
  const { name, limit, windowMs, key } = options;
  const failed = options.failed ?? ((_req: Request, res: Response) => res.statusCode === 401);
  const message = options.message ?? 'Too many failed attempts, try again later';
  // Each limiter keeps its info under its own name: several throttles see the same request.
  const property = `throttle_${name}`;
  // The series exists at 0 from start-up: the Business dashboard shows 0 rather than
  // "No data", and rate() sees the very first refusal (a counter that appears at 1 has no
  // earlier sample to rise from).
  businessMetrics.authThrottled.add(0, { limit: name });

  const limiter = rateLimit({
    windowMs,
    limit,
    // Retry-After is set by the handler below; no RateLimit-* headers (they would tell an
    // attacker how many guesses are left, and two throttles on a route would overwrite them).
    standardHeaders: false,
    legacyHeaders: false,
    requestPropertyName: property,
    keyGenerator: (req) => key(req) ?? '',
    skip: (req) => key(req) === undefined || (options.skip?.(req) ?? false),
    skipSuccessfulRequests: true,
    requestWasSuccessful: (req, res) => !failed(req, res),
    handler: async (req, res, next) => {
      const info = (req as unknown as Record<string, LimitInfo | undefined>)[property];
      const resetAt = info?.resetTime?.getTime() ?? Date.now() + windowMs;
      const retryAfterSeconds = Math.max(1, Math.ceil((resetAt - Date.now()) / 1000));
      businessMetrics.authThrottled.add(1, { limit: name });
      if (options.onThrottled) {
        res.set('Retry-After', String(retryAfterSeconds));
        await options.onThrottled(req, res, next, retryAfterSeconds);
        return;
      }
      next(new RetryLaterError(429, message, retryAfterSeconds, 'throttled'));
    },
  });

  return Object.assign(limiter as RequestHandler, {
    reset: async (req: Request) => {
      const k = key(req);
      if (k !== undefined) await limiter.resetKey(k);
    },
  });
}

/**
 * The client's address as the service sees it (`req.ip`: the connection's address, or the
 * client named in X-Forwarded-For when the connection comes from a trusted proxy: see
 * `trust proxy` in http/app.ts). IPv6 addresses count per /56, as one household or
 * server gets a whole prefix.
 */
export function clientAddressKey(req: Request): string {
  return ipKeyGenerator(req.ip ?? req.socket.remoteAddress ?? 'unknown');
}

/**
 * The account a login names, normalised as the users table compares it
 * (utf8mb4_unicode_ci ignores case and accents, and trailing spaces): `Admin`, ` admin`
 * and `ädmin` are one account and share one count. Undefined for a missing name.
 */
export function accountKey(name: unknown): string | undefined {
  if (typeof name !== 'string') return undefined;
  const normalised = name.normalize('NFKD').replace(/\p{M}/gu, '').trim().toLowerCase();
  return normalised ? normalised : undefined;
}
