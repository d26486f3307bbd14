import { type ServiceClient, sha256Hex, unauthorized } from '@shopscope/common';
import { z } from 'zod';
import { expectAnswer } from './answers';

/** The authenticated caller, as user-service describes them. */
export interface Caller {
  id: number;
  username: string;
}

const userAnswer = z.object({
  result: z.object({ id: z.number().int().positive(), username: z.string() }),
});

export interface UserDirectoryOptions {
  /** How long a positive answer is reused (a revoked key keeps working this long outside checkout). */
  ttlMs?: number;
  /** Most remembered callers; the oldest is forgotten first. */
  maxEntries?: number;
}

interface Remembered {
  caller: Caller;
  expiresAt: number;
}

/**
 * Identifies callers by asking user-service `GET /api/user` with their API key.
 *
 * Positive answers are remembered for a few seconds so that browsing a cart does not cost
 * a user-service call per request. They are keyed by the key's SHA-256: the service never
 * keeps raw keys in memory longer than a request. Checkout passes `fresh` and always asks.
 */
export class UserDirectory {
  private readonly client: ServiceClient;
  private readonly ttlMs: number;
  private readonly maxEntries: number;
  private readonly remembered = new Map<string, Remembered>();

  constructor(client: ServiceClient, { ttlMs = 5_000, maxEntries = 10_000 }: UserDirectoryOptions = {}) {
    this.client = client;
    this.ttlMs = ttlMs;
    this.maxEntries = maxEntries;
  }

  /** The caller owning `apiKey`; 401 when user-service does not know the key, 503 when it is down. */
  async identify(apiKey: string, { fresh = false } = {}): Promise<Caller> {
    const cacheKey = sha256Hex(apiKey);
    const hit = this.remembered.get(cacheKey);
    if (!fresh && hit && hit.expiresAt > Date.now()) return hit.caller;

    const response = await this.client.get<unknown>('/api/user', { apiKey });
    if (response.status === 401 || response.status === 403) {
      this.remembered.delete(cacheKey);
      throw unauthorized('Invalid or revoked API key');
    }
    const { result } = expectAnswer(this.client.name, response, 200, userAnswer);
    const caller = { id: result.id, username: result.username };
    this.remember(cacheKey, caller);
    return caller;
  }

  private remember(cacheKey: string, caller: Caller): void {
    this.remembered.delete(cacheKey); // re-inserting moves it to the young end of the Map
    if (this.remembered.size >= this.maxEntries) {
      const oldest = this.remembered.keys().next().value;
      if (oldest !== undefined) this.remembered.delete(oldest);
    }
    this.remembered.set(cacheKey, { caller, expiresAt: Date.now() + this.ttlMs });
  }
}
