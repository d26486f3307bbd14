/**
 * The web shop's cookies in-process (src/session.ts, src/csrf.ts, src/routes/language.ts):
 * a session cookie signed with SESSION_SECRET signs the shopper in; one whose content was
 * changed, or signed with another secret, or of an unexpected shape, is nobody. A POST
 * without the CSRF token of its page is a 403, and a token is bound to the session it was
 * issued to. `?next=` never redirects off the site. No backend is asked.
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { createLogger } from '@shopscope/common';
import { StubUpstream } from '../../common/test/support/stub-upstream.ts';
import { buildApp } from '../dist/app.js';
import { readConfig } from '../dist/config.js';

const SECRET = 'unit-test-session-secret-0123456789';
let backend: StubUpstream;
let shop: { url: string; close(): Promise<void> };

before(async () => {
  backend = await StubUpstream.start();
  const config = readConfig({
    USER_SERVICE_URL: backend.url,
    PRODUCT_SERVICE_URL: backend.url,
    ORDER_SERVICE_URL: backend.url,
    SESSION_SECRET: SECRET,
  });
  const { app } = buildApp({ config, logger: createLogger('frontend', 'silent') });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  shop = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
});

after(async () => {
  await shop?.close();
  await backend?.stop();
});

/** A session cookie as cookie-session writes it: base64 JSON, signed by keygrip (HMAC-SHA1, base64url). */
function sessionCookie(session: unknown, secret = SECRET): string {
  const value = Buffer.from(JSON.stringify(session)).toString('base64');
  const sig = createHmac('sha1', secret)
    .update(`shopscope_session=${value}`)
    .digest('base64')
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
  return `shopscope_session=${value}; shopscope_session.sig=${sig}`;
}

const ann = { user_id: 3, username: 'ann', api_key: 'ann-api-key-0123456789abcdef' };

async function get(path: string, cookie?: string) {
  return fetch(`${shop.url}${path}`, { redirect: 'manual', headers: cookie ? { cookie } : {} });
}

describe('the session cookie', () => {
  test('signed with SESSION_SECRET: signed in (the login page sends the shopper on to ?next)', async () => {
    const res = await get('/login?next=/orders', sessionCookie(ann));
    assert.equal(res.status, 303);
    assert.equal(res.headers.get('location'), '/orders');
  });

  test('tampered with, signed with another secret, unsigned or garbage: nobody (the login form)', async () => {
    const genuine = sessionCookie(ann);
    const forged = sessionCookie({ ...ann, user_id: 1, username: 'admin' });
    const tampered = `${forged.split(';')[0]}; ${genuine.split('; ')[1]}`; // another content under ann's signature
    for (const cookie of [
      tampered,
      sessionCookie(ann, 'another-secret-0123456789abcdef'),
      genuine.split(';')[0] ?? '',
      'shopscope_session=%%%garbage; shopscope_session.sig=xyz',
    ]) {
      const res = await get('/login?next=/orders', cookie);
      assert.equal(res.status, 200, cookie);
      assert.match(await res.text(), /name="password"/);
    }
  });

  test('correctly signed but of an unexpected shape: nobody', async () => {
    for (const session of [{ ...ann, user_id: '3' }, { user_id: 3, username: 'ann' }, 'ann', [1, 2]]) {
      const res = await get('/login', sessionCookie(session));
      assert.equal(res.status, 200, JSON.stringify(session));
      await res.arrayBuffer();
    }
  });

  test('a signed-in shopper is never redirected off the site by ?next', async () => {
    for (const next of ['//evil.example', '/\\evil.example', 'https://evil.example', 'javascript:alert(1)']) {
      const res = await get(`/login?next=${encodeURIComponent(next)}`, sessionCookie(ann));
      assert.equal(res.headers.get('location'), '/', next);
    }
    const res = await get(`/lang/fr?next=${encodeURIComponent('//evil.example')}`);
    assert.equal(res.status, 303);
    assert.equal(res.headers.get('location'), '/');
  });
});

describe('CSRF', () => {
  /** The token and cookie of the login page as `session` sees it. */
  async function tokenOfLoginPage(): Promise<{ token: string; cookie: string }> {
    const res = await get('/login');
    const html = await res.text();
    const token = /name="_csrf" value="([^"]+)"/.exec(html)?.[1];
    const cookie = res.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .find((c) => c?.startsWith('shopscope_csrf='));
    assert.ok(token && cookie, 'the login page carries a CSRF token and cookie');
    return { token, cookie };
  }
  const postLogout = (cookie: string, form: string) =>
    fetch(`${shop.url}/logout`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: form,
    });

  test("a POST with its page's token and cookie is accepted; without the token, or the cookie, a 403", async () => {
    const { token, cookie } = await tokenOfLoginPage();
    const field = `_csrf=${encodeURIComponent(token)}`;
    assert.equal((await postLogout(cookie, field)).status, 303);
    const missingToken = await postLogout(cookie, '');
    assert.equal(missingToken.status, 403);
    await missingToken.arrayBuffer();
    const missingCookie = await postLogout('', field);
    assert.equal(missingCookie.status, 403);
    await missingCookie.arrayBuffer();
    const wrongToken = await postLogout(cookie, `_csrf=${encodeURIComponent(`${token.slice(0, -2)}xx`)}`);
    assert.equal(wrongToken.status, 403);
    await wrongToken.arrayBuffer();
  });

  test("a token issued before signing in does not work for the signed-in session (bound to the shopper's key)", async () => {
    const { token, cookie } = await tokenOfLoginPage();
    const from = backend.requests.length;
    const res = await postLogout(`${cookie}; ${sessionCookie(ann)}`, `_csrf=${encodeURIComponent(token)}`);
    assert.equal(res.status, 403);
    await res.arrayBuffer();
    assert.equal(backend.requests.length, from, 'the refused logout asked no backend');
  });
});
