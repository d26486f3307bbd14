import { type PublicUser, UserAnswer } from '@shopscope/contracts';
import { sha256Hex } from '../crypto';
import { unauthorized } from '../errors';
import { ExpiringMap } from '../expiring-map';
import { expectAnswer } from '../http/answers';
import type { ServiceClient } from '../http/client';

export interface UserDirectoryOptions {
  /** How long a positive answer is reused (a revoked key keeps working this long, except where `fresh` is asked). */
  ttlMs?: number;
  /** Most remembered callers; the oldest is forgotten first. */
  maxEntries?: number;
}

/**
 * Who holds an API key, as user-service says (`GET /api/user` with the key): the one
 * client of that endpoint, for order-service (every cart and order call) and
 * product-service (is the caller an administrator?).
 *
 * Positive answers are remembered for a few seconds so that browsing a cart does not cost
 * a user-service call per request. They are keyed by the key's SHA-256: the service never
 * keeps raw keys in memory longer than a request. Checkout and catalogue changes pass
 * `fresh` and always ask.
 */
export class UserDirectory {
  private readonly remembered: ExpiringMap<string, PublicUser>;

  constructor(
    private readonly client: ServiceClient,
    { ttlMs = 5_000, maxEntries = 10_000 }: UserDirectoryOptions = {},
  ) {
    this.remembered = new ExpiringMap(ttlMs, maxEntries);
  }

  /** The user owning `apiKey`; 401 when user-service does not know the key, 503 when it is down or answers nonsense. */
  async identify(apiKey: string, { fresh = false } = {}): Promise<PublicUser> {
    const cacheKey = sha256Hex(apiKey);
    const remembered = fresh ? undefined : this.remembered.get(cacheKey);
    if (remembered) return remembered;

    const response = await this.client.get('/api/user', { apiKey });
    if (response.status === 401 || response.status === 403) {
      this.remembered.delete(cacheKey);
      throw unauthorized('Invalid or revoked API key');
    }
    const { result } = expectAnswer(response, 200, UserAnswer);
    this.remembered.set(cacheKey, result);
    return result;
  }
}
