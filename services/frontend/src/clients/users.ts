import { detailsOf, expectAnswer, type ServiceClient, unexpectedAnswer } from '@shopscope/common';
import { LoginAnswer, type PublicUser, RetryAfterDetails, UserAnswer } from '@shopscope/contracts';
import { fieldErrors } from './answers';

export type User = PublicUser;

export interface Registration {
  username: string;
  email: string;
  password: string;
  first_name: string;
  last_name: string;
}

/** 400: `fields` says which inputs were rejected; 409: which ones are taken (may be empty). */
export type RegisterOutcome =
  | { ok: true; user: User }
  | { ok: false; reason: 'invalid' | 'taken'; fields: Record<string, string> };

export type LoginOutcome =
  | { ok: true; apiKey: string; user: User }
  | { ok: false; reason: 'invalid' | 'wrong_credentials'; fields: Record<string, string> }
  /** 429: too many failed logins for this account (or from the shop's address); wait `retryAfterSeconds`. */
  | { ok: false; reason: 'throttled'; fields: Record<string, string>; retryAfterSeconds: number };

/** user-service: accounts and API keys (docs/api.md). */
export class UserApi {
  constructor(private readonly client: ServiceClient) {}

  async register(registration: Registration): Promise<RegisterOutcome> {
    const res = await this.client.post('/api/user/create', { body: registration });
    if (res.status === 400) return { ok: false, reason: 'invalid', fields: fieldErrors(res) };
    if (res.status === 409) return { ok: false, reason: 'taken', fields: fieldErrors(res) };
    return { ok: true, user: expectAnswer(res, [200, 201], UserAnswer).result };
  }

  async login(username: string, password: string): Promise<LoginOutcome> {
    const res = await this.client.post('/api/user/login', { body: { username, password } });
    if (res.status === 400) return { ok: false, reason: 'invalid', fields: fieldErrors(res) };
    if (res.status === 401) return { ok: false, reason: 'wrong_credentials', fields: {} };
    if (res.status === 429) {
      const seconds = detailsOf(res, RetryAfterDetails)?.retry_after_seconds;
      return { ok: false, reason: 'throttled', fields: {}, retryAfterSeconds: seconds ? Math.ceil(seconds) : 60 };
    }
    const { result } = expectAnswer(res, 200, LoginAnswer);
    return { ok: true, apiKey: result.api_key, user: result.user };
  }

  /** Revokes the key. An already unknown key (401) is as good as revoked. */
  async logout(apiKey: string): Promise<void> {
    const res = await this.client.post('/api/user/logout', { apiKey });
    if (res.status !== 200 && res.status !== 401) throw unexpectedAnswer(res);
  }
}
