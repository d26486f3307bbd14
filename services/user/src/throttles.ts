import {
  accountKey,
  apiKeyFromHeader,
  clientAddressKey,
  type FailureThrottle,
  failureThrottle,
  sha256Hex,
} from '@shopscope/common';
import type { Request, RequestHandler } from 'express';

/**
 * user-service's throttles of failed attempts (the mechanism: services/common/src/http/throttle.ts;
 * the counts are in memory, one process per service). Only failures (401s) count, so any
 * number of successful logins or valid keys from one address never trips them.
 *
 * - login per ACCOUNT (every caller: the API, the web shop's form, scripts): 10 wrong
 *   passwords for one username in 15 minutes, then every login to that account, the right
 *   password included, gets a 429 until the window ends. Refusing the right password too
 *   is deliberate: otherwise the 429/200 difference would still let a guesser test passwords.
 * - login per ADDRESS: 100 failures (over any accounts) from one address in 15 minutes.
 *   Generous because the web shop signs in all its shoppers from its single address; the
 *   shop limits each browser address itself (20 failures, services/frontend), so one
 *   attacker at the web form cannot trip this limit for every web shopper.
 * - API keys per ADDRESS: 100 presented-but-unknown (or revoked) keys in 5 minutes. A key
 *   that authenticated before (or was just issued) is never counted nor refused: order- and
 *   product-service check their callers' keys here from their own single address, so an
 *   attacker sending random keys through them locks out guessing, not their real users.
 */
export interface ThrottleSettings {
  loginFailuresPerAccount: number;
  loginFailuresPerAddress: number;
  loginWindowSeconds: number;
  apiKeyFailuresPerAddress: number;
  apiKeyWindowSeconds: number;
}

export const DEFAULT_THROTTLE_SETTINGS: Readonly<ThrottleSettings> = {
  loginFailuresPerAccount: 10,
  loginFailuresPerAddress: 100,
  loginWindowSeconds: 15 * 60,
  apiKeyFailuresPerAddress: 100,
  apiKeyWindowSeconds: 5 * 60,
};

export interface Throttles {
  /** Mount both, address first, before `POST /api/user/login`. */
  login: { byAddress: FailureThrottle; byAccount: FailureThrottle };
  /** Mount before `authenticate` on every route that takes an API key. */
  apiKeys: RequestHandler;
  /** Keys known to be valid (issued or accepted): exempt from the API-key throttle. */
  knownKeys: KnownKeys;
}

export function createThrottles(settings: ThrottleSettings = DEFAULT_THROTTLE_SETTINGS): Throttles {
  const loginWindowMs = settings.loginWindowSeconds * 1000;
  const knownKeys = new KnownKeys();
  const loginMessage = 'Too many failed logins, try again later';

  const byAddress = failureThrottle({
    name: 'login_address',
    limit: settings.loginFailuresPerAddress,
    windowMs: loginWindowMs,
    key: clientAddressKey,
    message: loginMessage,
  });
  const byAccount = failureThrottle({
    name: 'login_account',
    limit: settings.loginFailuresPerAccount,
    windowMs: loginWindowMs,
    // The raw body: a malformed one (no username, wrong types) is a 400, never counted.
    key: (req) => accountKey((req.body as { username?: unknown } | undefined)?.username),
    message: loginMessage,
  });

  const presentedKey = (req: Request) => apiKeyFromHeader(req.get('authorization'));
  const apiKeyThrottle = failureThrottle({
    name: 'api_key_address',
    limit: settings.apiKeyFailuresPerAddress,
    windowMs: settings.apiKeyWindowSeconds * 1000,
    // No key at all is not a guess (a plain 401); a known-good key is never held back.
    key: (req) => (presentedKey(req) ? clientAddressKey(req) : undefined),
    skip: (req) => knownKeys.has(presentedKey(req)),
    message: 'Too many invalid API keys, try again later',
  });
  const apiKeys: RequestHandler = (req, res, next) => {
    // A key that got past authenticate is valid: remember it (a 2xx/3xx, or the 403 of a
    // shopper's key on an admin route; never a 5xx, where the key may not have been checked).
    res.once('finish', () => {
      if (res.statusCode < 400 || res.statusCode === 403) knownKeys.remember(presentedKey(req));
    });
    apiKeyThrottle(req, res, next);
  };

  return { login: { byAddress, byAccount }, apiKeys, knownKeys };
}

/**
 * SHA-256 digests of API keys seen valid, the most recent `maxEntries` (a bounded LRU,
 * ~10 MB at most). Only an exemption from throttling: authenticate still looks every key
 * up, so a revoked key is refused as before.
 */
export class KnownKeys {
  private readonly digests = new Map<string, true>();
  constructor(private readonly maxEntries = 50_000) {}

  remember(key: string | undefined): void {
    if (!key) return;
    const digest = sha256Hex(key);
    this.digests.delete(digest); // re-inserting moves it to the young end
    if (this.digests.size >= this.maxEntries) {
      const oldest = this.digests.keys().next().value;
      if (oldest !== undefined) this.digests.delete(oldest);
    }
    this.digests.set(digest, true);
  }

  has(key: string | undefined): boolean {
    return key !== undefined && this.digests.has(sha256Hex(key));
  }
}
