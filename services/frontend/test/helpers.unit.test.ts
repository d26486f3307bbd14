/**
 * The web shop's small pure modules: where a browser may be sent after login or a
 * language switch (src/paths.ts: this site only — no `//evil`, `/\evil`, `javascript:`,
 * no control characters), how form fields are read (src/forms.ts), which language a page
 * is in (src/language.ts), how cart lines get their pictures (src/line-items.ts), and how
 * the session cookie's content is read (src/session.ts: anything of an unexpected shape is
 * no session; the remembered cart count expires).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Request } from 'express';
import { formRaw, formText } from '../dist/forms.js';
import { LANGUAGE_COOKIE, resolveLanguage } from '../dist/language.js';
import { PLACEHOLDER_IMAGE, withPictures } from '../dist/line-items.js';
import { loginPath, safeLocalPath, withQuery } from '../dist/paths.js';
import { chosenQuantity, MAX_QUANTITY, productReturnPath } from '../dist/routes/product.js';
import { rememberCartCount, rememberedCartCount, sessionUser } from '../dist/session.js';

describe('safeLocalPath', () => {
  test('a path on this site is kept, query and fragment included', () => {
    for (const path of ['/', '/cart', '/orders/7?x=1#top', '/product/laptop-pro', '/search?q=a%2Fb']) {
      assert.equal(safeLocalPath(path), path);
    }
  });

  test('anything that could leave the site falls back', () => {
    const offsite = [
      '//evil.example',
      '//evil.example/path',
      '/\\evil.example',
      '/\\/evil.example',
      '/foo\\..\\\\evil.example',
      'https://evil.example',
      'http:/evil.example',
      'javascript:alert(1)',
      ' /cart',
      'evil.example',
      '/\t/evil.example', // browsers drop tabs and newlines: this would be //evil.example
      '/\n/evil.example',
      '/cart\r\nSet-Cookie: x=1',
      '/\u0000',
      '',
      `/${'a'.repeat(2000)}`,
    ];
    for (const candidate of offsite) assert.equal(safeLocalPath(candidate), '/', JSON.stringify(candidate));
    for (const notText of [undefined, null, 42, ['/cart'], { next: '/cart' }]) {
      assert.equal(safeLocalPath(notText, '/fallback'), '/fallback');
    }
  });

  test('loginPath and withQuery build local URLs', () => {
    assert.equal(loginPath('/'), '/login');
    assert.equal(
      loginPath('/orders/7?x=1', 'signInRequired'),
      '/login?notice=signInRequired&next=%2Forders%2F7%3Fx%3D1',
    );
    assert.equal(withQuery('/cart?a=1', { notice: 'added', qty: 2 }), '/cart?a=1&notice=added&qty=2');
    // Even a protocol-relative input stays on this site's path.
    assert.equal(withQuery('//evil.example/x', { a: 1 }), '/x?a=1');
  });
});

describe('the chosen quantity (?quantity= on a product page, kept through signing in)', () => {
  test('a whole number, clamped to 1..MAX_QUANTITY; anything else is no choice', () => {
    assert.equal(chosenQuantity('3'), 3);
    assert.equal(chosenQuantity(' 7 '), 7);
    assert.equal(chosenQuantity('0'), 1);
    assert.equal(chosenQuantity('5000'), MAX_QUANTITY);
    for (const bad of [undefined, '', '-2', '1.5', 'two', '1e3', ['2', '3'], 2, '99999999999']) {
      assert.equal(chosenQuantity(bad), undefined, JSON.stringify(bad));
    }
  });

  test('the way back to the product after signing in carries it, URL-encoded into loginPath', () => {
    assert.equal(productReturnPath('camera', '2'), '/product/camera?quantity=2');
    assert.equal(productReturnPath('camera', 'lots'), '/product/camera');
    assert.equal(productReturnPath('a b', '500'), `/product/a%20b?quantity=${MAX_QUANTITY}`);
    assert.equal(
      loginPath(productReturnPath('camera', '2'), 'signInRequired'),
      '/login?notice=signInRequired&next=%2Fproduct%2Fcamera%3Fquantity%3D2',
    );
  });
});

describe('form fields', () => {
  test('formText trims and bounds; formRaw keeps every character but is bounded too', () => {
    const body = { username: '  ann  ', password: '  secret  ', long: 'x'.repeat(600), count: 3 };
    assert.equal(formText(body, 'username'), 'ann');
    assert.equal(formRaw(body, 'password'), '  secret  ');
    assert.equal(formRaw(body, 'long').length, 500);
    assert.equal(formText(body, 'long', 10), 'x'.repeat(10));
  });

  test('a missing, repeated or non-text field is empty; so is a missing body', () => {
    assert.equal(formText({ count: 3 }, 'count'), '');
    assert.equal(formText({ tags: ['a', 'b'] }, 'tags'), '');
    assert.equal(formText({}, 'username'), '');
    assert.equal(formText(undefined, 'username'), '');
    assert.equal(formRaw(null, 'password'), '');
  });
});

describe('resolveLanguage', () => {
  const req = (query: Record<string, unknown>, cookies?: Record<string, unknown>) =>
    ({ query, cookies }) as unknown as Request;

  test('?lang= first, then the cookie, then the default', () => {
    assert.equal(resolveLanguage(req({ lang: 'fr' }, { [LANGUAGE_COOKIE]: 'en' }), 'en'), 'fr');
    assert.equal(resolveLanguage(req({}, { [LANGUAGE_COOKIE]: 'fr' }), 'en'), 'fr');
    assert.equal(resolveLanguage(req({}), 'fr'), 'fr');
  });

  test('a language the shop does not speak, or not a string, is ignored', () => {
    for (const lang of ['de', 'FR', ['fr'], '__proto__', 'toString', 'constructor', '']) {
      assert.equal(
        resolveLanguage(req({ lang }, { [LANGUAGE_COOKIE]: 'hasOwnProperty' }), 'en'),
        'en',
        JSON.stringify(lang),
      );
    }
  });
});

describe('withPictures', () => {
  test('lines keep their own fields; a product the catalogue cannot show gets the placeholder', async () => {
    const asked: number[][] = [];
    const products = {
      linksFor: async (ids: number[]) => {
        asked.push(ids);
        return new Map([[1, { slug: 'laptop-pro', image: '/static/images/products/laptop-pro.svg' }]]);
      },
    };
    const line = (product_id: number) => ({
      product_id,
      name: `p${product_id}`,
      unit_price_cents: 100,
      quantity: 1,
      line_total_cents: 100,
    });
    const lines = await withPictures(products as never, [line(1), line(2)]);
    assert.deepEqual(asked, [[1, 2]]);
    assert.deepEqual(lines, [
      { ...line(1), slug: 'laptop-pro', image: '/static/images/products/laptop-pro.svg' },
      { ...line(2), slug: undefined, image: PLACEHOLDER_IMAGE },
    ]);
  });
});

describe('session contents', () => {
  const withSession = (session: unknown) => ({ session }) as unknown as Request;
  const good = { user_id: 3, username: 'ann', api_key: 'key-0123456789abcdef' };

  test('a session of the expected shape is the signed-in shopper', () => {
    assert.deepEqual(sessionUser(withSession(good)), { id: 3, username: 'ann', apiKey: 'key-0123456789abcdef' });
  });

  test('a missing or ill-typed field, or no session at all, is nobody', () => {
    for (const session of [
      null,
      undefined,
      {},
      { ...good, user_id: '3' },
      { ...good, username: ['ann'] },
      { ...good, api_key: null },
      { user_id: 3, username: 'ann' },
    ]) {
      assert.equal(sessionUser(withSession(session)), undefined, JSON.stringify(session));
    }
  });

  test('the remembered cart count lasts a minute, never from the future, only for a shopper', () => {
    const now = 1_700_000_000_000;
    const req = withSession({ ...good });
    rememberCartCount(req, 4, now);
    assert.equal(rememberedCartCount(req, now + 59_000), 4);
    assert.equal(rememberedCartCount(req, now + 61_000), undefined);
    assert.equal(rememberedCartCount(req, now - 1), undefined);
    rememberCartCount(req, undefined, now);
    assert.equal(rememberedCartCount(req, now), undefined);
    const anonymousSession = {};
    rememberCartCount(withSession(anonymousSession), 4, now);
    assert.deepEqual(anonymousSession, {});
    assert.equal(rememberedCartCount(withSession({ ...good, cart_count: '4', cart_count_at: now }), now), undefined);
  });
});
