import type { ServiceClient } from '@shopscope/common';
import { errorDetails, fieldErrors, unexpectedAnswer } from './answers';

export interface User {
  id: number;
  username: string;
  email: string;
  first_name: string;
  last_name: string;
  is_admin: boolean;
  created_at: string;
}

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
    const res = await this.client.post<{ result: User }>('/api/user/create', { body: registration });
    if (res.status === 201 || res.status === 200) return { ok: true, user: res.body.result };
    if (res.status === 400) return { ok: false, reason: 'invalid', fields: fieldErrors(res.body) };
    if (res.status === 409) return { ok: false, reason: 'taken', fields: fieldErrors(res.body) };
    throw unexpectedAnswer(this.client.name, 'register', res);
  }

  async login(username: string, password: string): Promise<LoginOutcome> {
    const res = await this.client.post<{ result: { api_key: string; user: User } }>('/api/user/login', {
      body: { username, password },
    });
    if (res.status === 200) return { ok: true, apiKey: res.body.result.api_key, user: res.body.result.user };
    if (res.status === 400) return { ok: false, reason: 'invalid', fields: fieldErrors(res.body) };
    if (res.status === 401) return { ok: false, reason: 'wrong_credentials', fields: {} };
    if (res.status === 429) {
      const seconds = Number(errorDetails(res.body).retry_after_seconds);
      return { ok: false, reason: 'throttled', fields: {}, retryAfterSeconds: seconds > 0 ? Math.ceil(seconds) : 60 };
    }
    throw unexpectedAnswer(this.client.name, 'login', res);
  }

  /** Revokes the key. An already unknown key (401) is as good as revoked. */
  async logout(apiKey: string): Promise<void> {
    const res = await this.client.post('/api/user/logout', { apiKey });
    if (res.status !== 200 && res.status !== 401) throw unexpectedAnswer(this.client.name, 'logout', res);
  }
}
