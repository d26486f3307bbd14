/** Accounts for tests and the benchmark: sign up and log in through the real user-service API. */
import { randomBytes } from 'node:crypto';

/** Attempts of one sign-up or login the password hashing line sheds (503 + Retry-After). */
const SHED_ATTEMPTS = 5;

/**
 * POSTs a JSON body; the answer's status and parsed JSON body (the text when not JSON).
 * A 503 with Retry-After is tried again after that many seconds, as a well-behaved client
 * does: tests that sign up a crowd at once meet user-service's bounded hashing line
 * (services/common/src/crypto.ts), which sheds what it cannot hash within a second on
 * a busy machine — the behaviour login-throttle.test.ts tests, not the one these set up for.
 */
async function postJson(baseUrl: string, path: string, body: unknown): Promise<{ status: number; body: any }> {
  for (let attempt = 1; ; attempt++) {
    const res = await fetch(`${baseUrl}${path}`, {
      method: 'POST',
      headers: { accept: 'application/json', 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const text = await res.text();
    const retryAfter = Number(res.headers.get('retry-after'));
    if (res.status === 503 && retryAfter > 0 && attempt < SHED_ATTEMPTS) {
      await new Promise((resolve) => setTimeout(resolve, retryAfter * 1000 * (0.5 + Math.random())));
      continue;
    }
    try {
      return { status: res.status, body: text ? JSON.parse(text) : undefined };
    } catch {
      return { status: res.status, body: text };
    }
  }
}

export interface TestAccount {
  username: string;
  email: string;
  password: string;
  apiKey: string;
  user: { id: number; username: string; is_admin: boolean; [key: string]: unknown };
}

/** A fresh, unique username (3–32 characters of the allowed set). */
export function uniqueUsername(prefix = 'user'): string {
  return `${prefix}_${randomBytes(5).toString('hex')}`;
}

/** Logs in and returns the API key; fails the test on anything but a 200. */
export async function login(userServiceUrl: string, username: string, password: string): Promise<string> {
  const res = await postJson(userServiceUrl, '/api/user/login', { username, password });
  if (res.status !== 200) throw new Error(`login of ${username} answered ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body.result.api_key;
}

/** Creates an account with a unique username and logs it in. */
export async function signUp(userServiceUrl: string, prefix = 'user'): Promise<TestAccount> {
  const username = uniqueUsername(prefix);
  const account = { username, email: `${username}@example.test`, password: `pw-${username}` };
  const res = await postJson(userServiceUrl, '/api/user/create', { ...account, first_name: 'Test', last_name: 'User' });
  if (res.status !== 201) throw new Error(`sign-up of ${username} answered ${res.status}: ${JSON.stringify(res.body)}`);
  return { ...account, apiKey: await login(userServiceUrl, username, account.password), user: res.body.result };
}

/** The seeded demo administrator, logged in. */
export async function loginAdmin(userServiceUrl: string): Promise<string> {
  return login(userServiceUrl, 'admin', 'admin123');
}
