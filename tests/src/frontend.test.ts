/**
 * The web shop at the HTTP level: real MariaDB, real user-, product- and order-service and
 * the frontend as separate processes. Pages are read as HTML (regular expressions and the
 * page text), forms are posted with their CSRF token, redirects are followed hop by hop.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  addToCart,
  checkout,
  csrfToken,
  euros,
  pageText,
  SHOPPER_PASSWORD,
  signedInShopper,
  testIdText,
  WebClient,
  type WebPage,
} from '../../tools/stack/frontend-client.ts';
import { call } from './harness/http.ts';
import { type ServiceProcess, startService } from './harness/services.ts';
import { type Shop, startShop } from './harness/shop.ts';

const SLUGS = [
  'laptop-pro',
  'smartphone-x',
  'wireless-headphones',
  'tablet-pro',
  'smartwatch',
  'camera',
  'bluetooth-speaker',
  'mechanical-keyboard',
  'gaming-mouse',
  'webcam-hd',
];

let shop: Shop;
/** Every page any test loaded, to check at the end that none was a 5xx other than the outage's 503. */
const seen: Array<{ path: string; status: number }> = [];

async function loaded(client: WebClient, path: string): Promise<WebPage> {
  const page = await client.get(path);
  seen.push({ path, status: page.status });
  return page;
}

interface Product {
  id: number;
  name: string;
  slug: string;
  price_cents: number;
}

async function product(slug: string): Promise<Product> {
  const res = await call(shop.product.url, 'GET', `/api/product/${slug}`);
  assert.equal(res.status, 200);
  return res.body.result as Product;
}

function shopper(username: string): Promise<WebClient> {
  return signedInShopper(shop.frontend.url, username);
}

before(async () => {
  shop = await startShop();
});

after(async () => {
  await shop?.stop();
});

describe('catalogue and product pages', () => {
  it('lists the ten seeded products with their pictures and euro prices', async () => {
    const page = await loaded(new WebClient(shop.frontend.url), '/');
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /text\/html/);
    const slugs = [...page.html.matchAll(/class="product-card" data-slug="([^"]+)"/g)].map((m) => m[1]);
    assert.deepEqual([...slugs].sort(), [...SLUGS].sort());
    for (const slug of SLUGS) assert.match(page.html, new RegExp(`src="/static/images/products/${slug}\\.svg"`));
    const text = pageText(page.html);
    assert.match(text, /Laptop Pro €1,299\.99/);
    assert.match(text, /Webcam HD €\d+\.\d\d/);
  });

  it('serves the product pictures and assets from /static with caching headers', async () => {
    for (const slug of SLUGS) {
      const res = await fetch(`${shop.frontend.url}/static/images/products/${slug}.svg`);
      assert.equal(res.status, 200, slug);
      assert.match(res.headers.get('content-type') ?? '', /image\/svg\+xml/);
      assert.match(res.headers.get('cache-control') ?? '', /max-age=86400/);
      assert.match(await res.text(), /<svg[\s\S]*<\/svg>/);
    }
    const home = await new WebClient(shop.frontend.url).get('/');
    const css = /href="(\/static\/css\/shop\.css\?v=[0-9a-f]+)"/.exec(home.html)?.[1];
    assert.ok(css, 'the stylesheet is linked with a content version');
    assert.equal((await fetch(`${shop.frontend.url}${css}`)).status, 200);
  });

  it('sends secure headers: a self-only CSP, nosniff, no framing', async () => {
    const page = await new WebClient(shop.frontend.url).get('/');
    const csp = page.headers.get('content-security-policy') ?? '';
    assert.match(csp, /default-src 'self'/);
    assert.match(csp, /script-src 'self'/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|\*/);
    assert.equal(page.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(page.headers.get('x-powered-by'), null);
  });

  it('searches the catalogue with ?q=', async () => {
    const page = await loaded(new WebClient(shop.frontend.url), '/?q=laptop');
    assert.equal(page.status, 200);
    const slugs = [...page.html.matchAll(/class="product-card" data-slug="([^"]+)"/g)].map((m) => m[1]);
    assert.deepEqual(slugs, ['laptop-pro']);
    assert.match(pageText(page.html), /1 result for “laptop”/);
    const none = await loaded(new WebClient(shop.frontend.url), '/?q=zzzz-no-such-thing');
    assert.equal(none.status, 200);
    assert.match(pageText(none.html), /No product matches your search/);
  });

  it('shows a product with its price, stock and an add-to-cart form', async () => {
    const page = await loaded(new WebClient(shop.frontend.url), '/product/laptop-pro');
    assert.equal(page.status, 200);
    const text = pageText(page.html);
    assert.match(text, /Home › Products › Laptop Pro|Home Products Laptop Pro/);
    assert.equal(testIdText(page.html, 'price'), '€1,299.99');
    assert.match(text, /In stock/);
    assert.match(page.html, /<form class="add-to-cart" method="post" action="\/product\/laptop-pro">/);
    assert.match(page.html, /name="quantity" type="number"/);
    assert.ok(csrfToken(page.html));
  });

  it('answers an unknown product with a 404 page inside the layout', async () => {
    const page = await loaded(new WebClient(shop.frontend.url), '/product/no-such-product');
    assert.equal(page.status, 404);
    assert.match(pageText(page.html), /This product does not exist/);
    assert.match(page.html, /class="site-header"/);
    const unknownPath = await loaded(new WebClient(shop.frontend.url), '/no/such/page');
    assert.equal(unknownPath.status, 404);
    assert.match(pageText(unknownPath.html), /Page not found/);
  });
});

describe('accounts: register, sign in, sign out', () => {
  it('refuses a form posted without a CSRF token (403) and changes nothing', async () => {
    const client = new WebClient(shop.frontend.url);
    const refused = await client.post('/register', {
      username: 'mallory',
      email: 'mallory@example.test',
      password: SHOPPER_PASSWORD,
      first_name: 'Mal',
      last_name: 'Lory',
    });
    assert.equal(refused.status, 403);
    assert.match(pageText(refused.html), /This form has expired or was sent from another site/);
    assert.equal((await call(shop.user.url, 'GET', '/api/user/mallory/exists')).status, 404);

    // A token from another visitor does not work either: it must match this visitor's cookie.
    const other = await new WebClient(shop.frontend.url).get('/register');
    const forged = await client.post('/register', { _csrf: csrfToken(other.html), username: 'mallory' });
    assert.equal(forged.status, 403);
  });

  it('registers, signs in with a signed httpOnly session cookie, and signs out', async () => {
    const client = new WebClient(shop.frontend.url);
    const registered = await client.submit('/register', '/register', {
      username: 'grace',
      email: 'grace@example.test',
      password: SHOPPER_PASSWORD,
      first_name: 'Grace',
      last_name: 'Hopper',
    });
    assert.equal(registered.status, 303);
    const loginPage = await client.follow(registered);
    assert.match(pageText(loginPage.html), /Your account is ready/);

    const wrong = await client.post('/login', {
      _csrf: csrfToken(loginPage.html),
      username: 'grace',
      password: 'nope-nope-nope',
    });
    assert.equal(wrong.status, 401);
    assert.match(pageText(wrong.html), /Wrong username or password/);
    assert.match(wrong.html, /name="username"[^>]*value="grace"/);
    assert.doesNotMatch(wrong.html, /nope-nope-nope/);

    const signedIn = await client.post('/login', {
      _csrf: csrfToken(wrong.html),
      username: 'grace',
      password: SHOPPER_PASSWORD,
    });
    assert.equal(signedIn.status, 303);
    assert.equal(signedIn.location, '/');
    const session = client.cookie('shopscope_session');
    assert.ok(session, 'a session cookie is set');
    assert.match(session.attributes, /httponly/i);
    assert.match(session.attributes, /samesite=lax/i);
    assert.ok(client.cookie('shopscope_session.sig'), 'the session cookie is signed');
    const content = JSON.parse(Buffer.from(session.value, 'base64').toString('utf8')) as Record<string, unknown>;
    assert.deepEqual(Object.keys(content).sort(), ['api_key', 'user_id', 'username']);
    assert.equal(content.username, 'grace');
    const apiKey = String(content.api_key);

    const home = await loaded(client, '/');
    assert.match(pageText(home.html), /Hi, grace/);
    assert.match(home.html, /action="\/logout"/);

    // A tampered session cookie is ignored (the signature no longer matches).
    const tampered = new WebClient(shop.frontend.url);
    tampered.cookies.set('shopscope_session', {
      value: Buffer.from(JSON.stringify({ ...content, username: 'admin' })).toString('base64'),
      attributes: '',
    });
    tampered.cookies.set('shopscope_session.sig', client.cookie('shopscope_session.sig')!);
    assert.doesNotMatch(pageText((await tampered.get('/')).html), /Hi, admin/);

    const logoutWithoutToken = await client.post('/logout', {});
    assert.equal(logoutWithoutToken.status, 403);
    assert.match(pageText((await client.get('/')).html), /Hi, grace/, 'still signed in');

    const signedOut = await client.submit('/', '/logout');
    assert.equal(signedOut.status, 303);
    assert.equal(client.cookie('shopscope_session'), undefined);
    assert.match(pageText((await client.follow(signedOut)).html), /You are signed out/);
    assert.equal((await call(shop.user.url, 'GET', '/api/user', { apiKey })).status, 401, 'the API key was revoked');
  });

  it('ends the session and asks to sign in again when the API key was revoked', async () => {
    const client = await shopper('rita');
    const session = client.cookie('shopscope_session')!;
    const apiKey = String(JSON.parse(Buffer.from(session.value, 'base64').toString('utf8')).api_key);
    assert.equal((await call(shop.user.url, 'POST', '/api/user/logout', { apiKey })).status, 200);

    const page = await client.get('/orders');
    assert.equal(page.status, 303);
    assert.equal(page.location, '/login?notice=sessionExpired&next=%2Forders');
    assert.equal(client.cookie('shopscope_session'), undefined, 'the session cookie is cleared');
    assert.match(pageText((await client.follow(page)).html), /Your session has expired/);
  });

  it('sends anonymous visitors to the login page and back, never to another site', async () => {
    const client = new WebClient(shop.frontend.url);
    for (const path of ['/checkout', '/orders', '/orders/1', '/order/thank-you']) {
      const page = await client.get(path);
      assert.equal(page.status, 303, path);
      assert.equal(page.location, `/login?notice=signInRequired&next=${encodeURIComponent(path)}`);
    }
    const loginPage = await client.get('/login?next=%2Forders');
    assert.match(pageText(loginPage.html), /Sign in/);
    const back = await client.post('/login', {
      _csrf: csrfToken(loginPage.html),
      username: 'admin',
      password: 'admin123',
      next: '/orders',
    });
    assert.equal(back.location, '/orders');

    for (const next of ['//evil.example/x', 'https://evil.example', '/\\evil.example']) {
      const other = new WebClient(shop.frontend.url);
      const page = await other.get(`/login?next=${encodeURIComponent(next)}`);
      const res = await other.post('/login', {
        _csrf: csrfToken(page.html),
        username: 'admin',
        password: 'admin123',
        next,
      });
      assert.equal(res.location, '/', next);
    }
  });
});

describe('cart, checkout and orders', () => {
  it('adds to the cart, removes, checks out, thanks, and lists the order', async () => {
    const client = await shopper('ada');
    const laptop = await product('laptop-pro');
    const mouse = await product('gaming-mouse');
    const speaker = await product('bluetooth-speaker');

    await addToCart(client, 'laptop-pro', 2);
    const confirmation = await loaded(client, '/product/laptop-pro?added=2');
    assert.match(pageText(confirmation.html), /2 × Laptop Pro were added to your cart/);
    await addToCart(client, 'gaming-mouse', 1);
    await addToCart(client, 'bluetooth-speaker', 1);

    let cart = await loaded(client, '/checkout');
    assert.equal(cart.status, 200);
    assert.equal(testIdText(cart.html, 'cart-count'), '4');
    const rows = [...cart.html.matchAll(/class="line-item" data-product-id="(\d+)"/g)].map((m) => Number(m[1]));
    assert.deepEqual(rows.sort(), [laptop.id, mouse.id, speaker.id].sort());
    assert.match(cart.html, /src="\/static\/images\/products\/laptop-pro\.svg"/);
    const text = pageText(cart.html);
    assert.match(
      text,
      new RegExp(
        `Laptop Pro ${escapeRegExp(euros(laptop.price_cents, 'en'))} 2 ${escapeRegExp(euros(2 * laptop.price_cents, 'en'))}`,
      ),
    );

    const removed = await client.post(`/checkout/remove/${speaker.id}`, { _csrf: csrfToken(cart.html) });
    assert.equal(removed.status, 303);
    cart = await client.follow(removed);
    assert.match(pageText(cart.html), /The item was removed from your cart/);
    const total = 2 * laptop.price_cents + mouse.price_cents;
    assert.equal(testIdText(cart.html, 'cart-total'), euros(total, 'en'));

    const placed = await client.post('/checkout/process', { _csrf: csrfToken(cart.html) });
    assert.equal(placed.status, 303, pageText(placed.html));
    const orderId = Number(/^\/order\/thank-you\?id=(\d+)$/.exec(placed.location ?? '')?.[1]);
    assert.ok(orderId > 0, placed.location);

    const thanks = await loaded(client, placed.location!);
    assert.equal(thanks.status, 200);
    assert.match(pageText(thanks.html), new RegExp(`Your order #${orderId} has been placed`));
    assert.equal(testIdText(thanks.html, 'total'), euros(total, 'en'));
    assert.equal(testIdText(thanks.html, 'cart-count'), '0', 'the cart is empty after checkout');

    const history = await loaded(client, '/orders');
    assert.match(history.html, new RegExp(`data-order-id="${orderId}"`));
    assert.equal(testIdText(history.html, 'order-total'), euros(total, 'en'));

    const detail = await loaded(client, `/orders/${orderId}`);
    assert.equal(detail.status, 200);
    assert.match(pageText(detail.html), new RegExp(`Order #${orderId}.*Laptop Pro.*Gaming Mouse`));

    // Checking out an empty cart explains instead of failing.
    const empty = await loaded(client, '/checkout');
    assert.match(pageText(empty.html), /Your cart is empty/);
    const refused = await client.post('/checkout/process', { _csrf: csrfToken(empty.html) });
    assert.equal(refused.status, 409);
    assert.match(pageText(refused.html), /Your cart is empty: add a product before checking out/);

    // Somebody else's order is not found, exactly like a missing one.
    const other = await shopper('eve');
    const foreign = await loaded(other, `/orders/${orderId}`);
    assert.equal(foreign.status, 404);
    assert.match(pageText(foreign.html), /This order does not exist/);
    assert.doesNotMatch(pageText(foreign.html), /Laptop Pro/);
    assert.equal((await loaded(other, `/order/thank-you?id=${orderId}`)).status, 404);
  });

  it('asks anonymous shoppers to sign in before adding to the cart, then brings them back', async () => {
    const client = new WebClient(shop.frontend.url);
    const res = await client.submit('/product/camera', '/product/camera', { quantity: '1' });
    assert.equal(res.status, 303);
    assert.equal(res.location, '/login?notice=signInRequired&next=%2Fproduct%2Fcamera');
  });
});

describe('languages', () => {
  it('renders French with the switch (cookie) and with ?lang=fr, and English by default', async () => {
    const client = new WebClient(shop.frontend.url);
    assert.match(pageText((await client.get('/')).html), /Laptop Pro €1,299\.99/);

    const switched = await client.get('/lang/fr?next=%2Fproduct%2Flaptop-pro');
    assert.equal(switched.status, 303);
    assert.equal(switched.location, '/product/laptop-pro');
    const page = await loaded(client, '/product/laptop-pro');
    assert.match(page.html, /<html lang="fr">/);
    assert.equal(page.headers.get('content-language'), 'fr');
    assert.equal(testIdText(page.html, 'price'), '1 299,99 €');
    assert.match(pageText(page.html), /Accueil › Produits|Accueil Produits/);
    assert.match(pageText(page.html), /Quantité/);
    assert.match(pageText(page.html), /Se connecter pour acheter/);

    const viaQuery = new WebClient(shop.frontend.url);
    const french = await loaded(viaQuery, '/?lang=fr');
    assert.match(pageText(french.html), /Laptop Pro 1 299,99 €/);
    assert.match(pageText(french.html), /Créer un compte/);
    assert.match(pageText((await viaQuery.get('/register')).html), /Créer votre compte/, '?lang= is remembered');

    assert.equal((await client.get('/lang/de')).status, 404);
  });

  it('speaks French by default when started with LANG=fr', async () => {
    let french: ServiceProcess | undefined;
    try {
      french = await startService('frontend', {
        ...shop.frontend.env,
        LANG: 'fr_FR.UTF-8',
      });
      const client = new WebClient(french.url);
      const home = await client.get('/');
      assert.equal(home.status, 200);
      assert.match(home.html, /<html lang="fr">/);
      assert.match(pageText(home.html), /Laptop Pro 1 299,99 €/);
      await client.get('/lang/en');
      assert.match(pageText((await client.get('/')).html), /Laptop Pro €1,299\.99/);

      // A shopper can sign in on one frontend and keep shopping on another: the session is the cookie.
      const shared = await shopper('lin');
      const onSecondFrontend = new WebClient(french.url);
      for (const [name, cookie] of shared.cookies) onSecondFrontend.cookies.set(name, cookie);
      assert.match(pageText((await onSecondFrontend.get('/orders')).html), /Mes commandes/);
    } finally {
      await french?.stop();
    }
  });
});

describe('bad input', () => {
  it('re-renders an empty registration form with a message for every field (400)', async () => {
    const client = new WebClient(shop.frontend.url);
    const page = await client.submit('/register', '/register', {});
    assert.equal(page.status, 400);
    const text = pageText(page.html);
    assert.match(text, /Please correct the fields below/);
    for (const field of ['username', 'email', 'password', 'first_name', 'last_name']) {
      assert.match(page.html, new RegExp(`id="${field}-error">This field is required\\.<`), field);
    }
  });

  it('explains an invalid field and keeps what was typed, never the password', async () => {
    const client = new WebClient(shop.frontend.url);
    const page = await client.submit('/register', '/register', {
      username: 'x',
      email: 'not-an-email',
      password: 'short',
      first_name: 'Kim',
      last_name: 'Doe',
    });
    assert.equal(page.status, 400);
    assert.match(page.html, /id="username-error">Use 3 to 32 letters/);
    assert.match(page.html, /id="email-error">Enter a valid email address/);
    assert.match(page.html, /id="password-error">Use 8 to 128 characters/);
    assert.match(page.html, /name="first_name" type="text" value="Kim"/);
    assert.match(page.html, /name="email" type="email" value="not-an-email"/);
    assert.doesNotMatch(page.html, /value="short"/);
  });

  it('says a username is taken and keeps the form (409)', async () => {
    const client = new WebClient(shop.frontend.url);
    const page = await client.submit('/register', '/register', {
      username: 'admin',
      email: 'someone-new@example.test',
      password: SHOPPER_PASSWORD,
      first_name: 'Not',
      last_name: 'Admin',
    });
    assert.equal(page.status, 409);
    assert.match(page.html, /id="username-error">This username is already taken\./);
    assert.match(page.html, /name="email" type="email" value="someone-new@example.test"/);
    assert.doesNotMatch(page.html, new RegExp(SHOPPER_PASSWORD));
  });

  it('rejects a bad quantity and unknown ids without a server error', async () => {
    const client = await shopper('quinn');
    for (const quantity of ['0', 'abc', '-3', '2.5', '100000']) {
      const page = await client.submit('/product/webcam-hd', '/product/webcam-hd', { quantity });
      assert.equal(page.status, 400, quantity);
      assert.match(page.html, /id="quantity-error">Enter a whole number from 1 to 99\./);
    }
    for (const path of [
      '/orders/abc',
      '/orders/0',
      '/orders/99999999',
      '/order/thank-you?id=99999999',
      '/product/%00',
    ]) {
      const page = await loaded(client, path);
      assert.equal(page.status, 404, path);
    }
    const cart = await client.get('/checkout');
    const removeUnknown = await client.post('/checkout/remove/abc', { _csrf: csrfToken(cart.html) });
    assert.equal(removeUnknown.status, 303);
    const huge = await client.post('/register', { _csrf: csrfToken(cart.html), username: 'y'.repeat(100_000) });
    assert.equal(huge.status, 413);
    assert.match(huge.headers.get('content-type') ?? '', /text\/html/);
  });

  it('puts the security headers on every answer, the early errors included', async () => {
    // Bodies are parsed (and refused with a 400 or 413) before any route runs: helmet must
    // run before the parsers, or these pages went out without CSP, nosniff or framing rules.
    const form = 'application/x-www-form-urlencoded';
    const requests: Array<[string, string, string, RequestInit]> = [
      [
        'malformed JSON',
        'POST',
        '/register',
        { body: '{"username": ', headers: { 'content-type': 'application/json' } },
      ],
      [
        'form without a CSRF token',
        'POST',
        '/login',
        { body: 'username=x&password=y', headers: { 'content-type': form } },
      ],
      [
        'oversized form',
        'POST',
        '/login',
        { body: `username=${'y'.repeat(100_000)}`, headers: { 'content-type': form } },
      ],
      [
        'oversized JSON',
        'POST',
        '/register',
        { body: JSON.stringify({ u: 'y'.repeat(100_000) }), headers: { 'content-type': 'application/json' } },
      ],
      [
        'unsupported charset',
        'POST',
        '/login',
        { body: 'username=x', headers: { 'content-type': `${form}; charset=ebcdic` } },
      ],
      ['unknown path', 'GET', '/no-such-page', {}],
      ['unknown path, JSON client', 'GET', '/no-such-page', { headers: { accept: 'application/json' } }],
      ['unknown static file', 'GET', '/static/nothing-here.css', {}],
      ['health probe', 'GET', '/healthz', {}],
      ['fault API without the token', 'GET', '/admin/faults', {}],
    ];
    for (const [what, method, path, init] of requests) {
      const res = await fetch(`${shop.frontend.url}${path}`, { ...init, method, redirect: 'manual' });
      await res.arrayBuffer();
      if (what.startsWith('malformed')) assert.equal(res.status, 400, what);
      if (what.startsWith('oversized')) assert.equal(res.status, 413, what);
      if (what.startsWith('unknown path')) assert.equal(res.status, 404, what);
      if (what.startsWith('unsupported')) assert.equal(res.status, 415, what);
      const csp = res.headers.get('content-security-policy') ?? '';
      assert.match(csp, /default-src 'self'/, `${what} (${res.status}): CSP`);
      assert.match(csp, /frame-ancestors 'none'/, `${what} (${res.status}): frame-ancestors`);
      assert.equal(res.headers.get('x-content-type-options'), 'nosniff', `${what} (${res.status}): nosniff`);
      assert.equal(res.headers.get('x-frame-options'), 'SAMEORIGIN', `${what} (${res.status}): x-frame-options`);
      assert.equal(res.headers.get('referrer-policy'), 'no-referrer', `${what} (${res.status}): referrer-policy`);
      assert.equal(res.headers.get('x-powered-by'), null, what);
      seen.push({ path, status: res.status });
    }
  });

  it('never answered a page with a server error', () => {
    const errors = seen.filter((p) => p.status >= 500);
    assert.deepEqual(errors, []);
  });
});

describe('backend outages', () => {
  it('shows a 503 page naming the catalogue when product-service is down, and recovers', async () => {
    const client = await shopper('oscar');
    await addToCart(client, 'smartwatch', 1);
    const orderPath = `/orders/${await checkout(client)}`;
    await addToCart(client, 'camera', 1);
    await shop.product.stop();
    try {
      const home = await client.get('/');
      assert.equal(home.status, 503);
      assert.match(home.html, /class="site-header"/, 'inside the layout');
      assert.match(pageText(home.html), /The catalogue is unavailable right now/);
      assert.equal(home.headers.get('retry-after'), '10');
      assert.doesNotMatch(home.html, /ECONNREFUSED|at \w+ \(|node_modules|stack/i);
      assert.equal((await client.get('/product/laptop-pro')).status, 503);

      // A placed order keeps its own snapshot: it still shows, pictures become placeholders.
      const order = await client.get(orderPath);
      assert.equal(order.status, 200);
      assert.match(order.html, /placeholder\.svg/);
      assert.match(pageText(order.html), /Smartwatch/);

      // Whether the open cart can be shown without the catalogue is order-service's call (it
      // prices carts from the catalogue): either way the page renders, never a 500.
      const cart = await client.get('/checkout');
      if (cart.status === 200) assert.match(cart.html, /placeholder\.svg/);
      else {
        assert.equal(cart.status, 503);
        assert.match(pageText(cart.html), /unavailable right now/);
      }
    } finally {
      await shop.product.start();
    }
    const recovered = await client.get('/');
    assert.equal(recovered.status, 200);
    assert.equal([...recovered.html.matchAll(/class="product-card"/g)].length, SLUGS.length);
  });

  it('shows a 503 page for cart and orders when order-service is down; the catalogue still works', async () => {
    const client = await shopper('olga');
    await shop.order.stop();
    try {
      const cart = await client.get('/checkout');
      assert.equal(cart.status, 503);
      assert.match(pageText(cart.html), /Your cart and orders are unavailable right now/);
      const home = await client.get('/');
      assert.equal(home.status, 200, 'the catalogue does not depend on order-service');
      assert.doesNotMatch(home.html, /data-testid="cart-count"/, 'the cart count is left out');
    } finally {
      await shop.order.start();
    }
    assert.equal((await client.get('/checkout')).status, 200);
  });
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
