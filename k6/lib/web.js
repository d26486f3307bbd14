// The web shop as a browser uses it: pages, and forms posted with the CSRF token the page
// carries. The session and CSRF cookies live in the virtual user's cookie jar, which k6
// empties at every new iteration: each iteration starts as a new visitor.
//
// Every step checks what a shopper would see. A function returns undefined when its step
// failed, so a journey stops there instead of posting forms it never got.
import { parseHTML } from 'k6/html';
import { FRONTEND_URL } from './config.js';
import { expectThat, redirectTarget, send } from './http.js';
import { STEPS } from './steps.js';

/**
 * The CSRF token of the form posting to `action` (the hidden `_csrf` field the frontend
 * puts in every form). The token is bound to the session, so it is read from the page
 * just loaded, never reused across a login.
 */
export function csrfToken(res, action) {
  if (res.status !== 200 || typeof res.body !== 'string') return undefined;
  const token = parseHTML(res.body).find(`form[action="${action}"] input[name="_csrf"]`).attr('value');
  return token || undefined;
}

/** Loads a page and reads the CSRF token of its form posting to `action`. */
function formPage(step, path, action) {
  const page = send(step, 'GET', `${FRONTEND_URL}${path}`);
  const token = csrfToken(page, action);
  return expectThat(`${step.name} has a form with a CSRF token`, token) ? token : undefined;
}

/** Registers `shopper` (lib/users.js) through the registration form. */
export function registerOnTheWeb(shopper) {
  const token = formPage(STEPS.registerPage, '/register', '/register');
  if (!token) return undefined;
  const res = send(STEPS.register, 'POST', `${FRONTEND_URL}/register`, {
    form: {
      _csrf: token,
      username: shopper.username,
      email: shopper.email,
      password: shopper.password,
      first_name: shopper.first_name,
      last_name: shopper.last_name,
    },
    expect: [303],
  });
  return expectThat('registration leads to the login page', redirectTarget(res) === '/login?notice=registered') || undefined;
}

/** Signs in through the login form; the session cookie lands in the jar. */
export function logInOnTheWeb(shopper) {
  const token = formPage(STEPS.loginPage, '/login?notice=registered', '/login');
  if (!token) return undefined;
  const res = send(STEPS.login, 'POST', `${FRONTEND_URL}/login`, {
    form: { _csrf: token, username: shopper.username, password: shopper.password },
    expect: [303],
  });
  return expectThat('login leads back to the shop', res.status === 303 && redirectTarget(res) === '/') || undefined;
}

/** The catalogue (or its search results for `query`); returns the slugs of the products shown. */
export function browseCatalogue(query) {
  const path = query ? `/?q=${encodeURIComponent(query)}` : '/';
  const res = send(STEPS.catalogue, 'GET', `${FRONTEND_URL}${path}`);
  if (res.status !== 200) return undefined;
  const slugs = parseHTML(res.body)
    .find('li.product-card')
    .toArray()
    .map((card) => card.attr('data-slug'));
  return expectThat(query ? 'the search finds products' : 'the catalogue lists products', slugs.length > 0) ? slugs : undefined;
}

/** A product's page; returns the CSRF token of its add-to-cart form (signed in or not). */
export function openProduct(slug) {
  return formPage(STEPS.productPage, `/product/${encodeURIComponent(slug)}`, `/product/${encodeURIComponent(slug)}`);
}

/** Puts `quantity` of the product in the cart with its page's form, then loads the confirmation. */
export function addToCart(slug, quantity, token) {
  const path = `/product/${encodeURIComponent(slug)}`;
  const res = send(STEPS.addToCart, 'POST', `${FRONTEND_URL}${path}`, {
    form: { _csrf: token, quantity: String(quantity) },
    expect: [303],
  });
  if (!expectThat('add to cart confirms the quantity', redirectTarget(res) === `${path}?added=${quantity}`)) return undefined;
  const confirmation = send(STEPS.productPage, 'GET', `${FRONTEND_URL}${redirectTarget(res)}`);
  return expectThat('the product page confirms the addition', hasElement(confirmation, '.notice-success')) || undefined;
}

/** The cart page; returns the CSRF token of its "place order" form. */
export function openCart() {
  const res = send(STEPS.cartPage, 'GET', `${FRONTEND_URL}/checkout`);
  if (res.status !== 200) return undefined;
  const doc = parseHTML(res.body);
  const count = Number(doc.find('[data-testid="cart-count"]').text());
  if (!expectThat('the cart holds the items added', count > 0)) return undefined;
  const token = csrfToken(res, '/checkout/process');
  return expectThat('the cart page has a CSRF token', token) ? token : undefined;
}

/** Places the order from the cart page's form; returns the new order's id. */
export function placeOrder(token) {
  const res = send(STEPS.placeOrder, 'POST', `${FRONTEND_URL}/checkout/process`, { form: { _csrf: token }, expect: [303] });
  const id = Number(/^\/order\/thank-you\?id=(\d+)$/.exec(redirectTarget(res) ?? '')?.[1]);
  return expectThat('checkout leads to the thank-you page of a new order', id > 0) ? id : undefined;
}

/** The thank-you page checkout redirects to: it must show the order just placed. */
export function thankYou(orderId) {
  const res = send(STEPS.thankYouPage, 'GET', `${FRONTEND_URL}/order/thank-you?id=${orderId}`);
  return (
    expectThat(
      'the thank-you page shows the order',
      hasElement(res, `[data-testid="order-placed"][data-order-id="${orderId}"]`),
    ) || undefined
  );
}

/** The order history lists the order; its own page opens. Returns the last page (for logging out). */
export function orderHistory(orderId) {
  const list = send(STEPS.ordersPage, 'GET', `${FRONTEND_URL}/orders`);
  if (!expectThat('the order history lists the order', hasElement(list, `tr.order-row[data-order-id="${orderId}"]`))) {
    return undefined;
  }
  const page = send(STEPS.orderPage, 'GET', `${FRONTEND_URL}/orders/${orderId}`);
  return page.status === 200 ? page : undefined;
}

/** Signs out with the header's form on `page` (any page of a signed-in shopper). */
export function logOutOnTheWeb(page) {
  const token = csrfToken(page, '/logout');
  if (!expectThat('a signed-in page has the sign-out form', token)) return undefined;
  const res = send(STEPS.logout, 'POST', `${FRONTEND_URL}/logout`, { form: { _csrf: token }, expect: [303] });
  return expectThat('signing out leads to the shop', redirectTarget(res) === '/?notice=signedOut') || undefined;
}

function hasElement(res, selector) {
  return res.status === 200 && typeof res.body === 'string' && parseHTML(res.body).find(selector).size() > 0;
}
