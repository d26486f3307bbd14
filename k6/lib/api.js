// The backend JSON APIs (docs/api.md), as a script or a mobile app would call them:
// accounts at user-service, the catalogue at product-service, cart and orders at
// order-service, authenticated with the API key that login returns.
//
// Like lib/web.js, a function returns undefined when its step failed, so a journey stops
// there.
import { ORDER_SERVICE_URL, PRODUCT_SERVICE_URL, USER_SERVICE_URL } from './config.js';
import { expectThat, jsonBody, send } from './http.js';
import { STEPS } from './steps.js';

/** `Authorization: Bearer <api_key>`, as every authenticated endpoint expects. */
export function bearer(apiKey) {
  return { Authorization: `Bearer ${apiKey}` };
}

/** Creates the account of `shopper` (lib/users.js); returns the user. */
export function createUser(shopper) {
  const res = send(STEPS.createUser, 'POST', `${USER_SERVICE_URL}/api/user/create`, { json: shopper, expect: [201] });
  const user = jsonBody(res)?.result;
  return expectThat('the new user is returned without its password', user?.username === shopper.username && !('password' in user))
    ? user
    : undefined;
}

/** Logs in; returns the API key. */
export function logIn(shopper) {
  const res = send(STEPS.apiLogin, 'POST', `${USER_SERVICE_URL}/api/user/login`, {
    json: { username: shopper.username, password: shopper.password },
  });
  const apiKey = jsonBody(res)?.result?.api_key;
  return expectThat('login returns an API key', typeof apiKey === 'string' && apiKey.length > 20) ? apiKey : undefined;
}

/** The user the key belongs to. */
export function currentUser(apiKey) {
  const res = send(STEPS.currentUser, 'GET', `${USER_SERVICE_URL}/api/user`, { headers: bearer(apiKey) });
  return jsonBody(res)?.result;
}

/** Revokes the key. */
export function logOut(apiKey) {
  const res = send(STEPS.apiLogout, 'POST', `${USER_SERVICE_URL}/api/user/logout`, { headers: bearer(apiKey) });
  return res.status === 200 || undefined;
}

/** Products of the catalogue: all, a search (`q`), or some by id (`ids`). */
export function listProducts({ q, ids, limit } = {}) {
  const query = [];
  if (q) query.push(`q=${encodeURIComponent(q)}`);
  if (ids) query.push(`ids=${ids.join(',')}`);
  if (limit) query.push(`limit=${limit}`);
  const res = send(STEPS.listProducts, 'GET', `${PRODUCT_SERVICE_URL}/api/products${query.length ? `?${query.join('&')}` : ''}`);
  const products = jsonBody(res)?.results;
  return expectThat('the product list is not empty', Array.isArray(products) && products.length > 0) ? products : undefined;
}

/** One product, by slug or id. */
export function getProduct(slugOrId) {
  const res = send(STEPS.getProduct, 'GET', `${PRODUCT_SERVICE_URL}/api/product/${encodeURIComponent(slugOrId)}`);
  const product = jsonBody(res)?.result;
  return expectThat('the product has a price and stock', Number.isInteger(product?.price_cents) && Number.isInteger(product?.stock))
    ? product
    : undefined;
}

/** Adds `quantity` of a product to the caller's cart; returns the cart. */
export function addItem(apiKey, productId, quantity) {
  const res = send(STEPS.addItem, 'POST', `${ORDER_SERVICE_URL}/api/order/add-item`, {
    json: { product_id: productId, quantity },
    headers: bearer(apiKey),
  });
  const cart = jsonBody(res)?.result;
  return expectThat('the cart holds the product added', cart?.items?.some((item) => item.product_id === productId)) ? cart : undefined;
}

/** The caller's open cart. */
export function getCart(apiKey) {
  const res = send(STEPS.getCart, 'GET', `${ORDER_SERVICE_URL}/api/order`, { headers: bearer(apiKey) });
  return jsonBody(res)?.result;
}

/** Takes a product out of the caller's cart; returns the cart. */
export function removeItem(apiKey, productId) {
  const res = send(STEPS.removeItem, 'DELETE', `${ORDER_SERVICE_URL}/api/order/remove-item/${productId}`, {
    headers: bearer(apiKey),
  });
  return jsonBody(res)?.result;
}

/** Checks the cart out; returns the placed order. */
export function checkout(apiKey) {
  const res = send(STEPS.checkout, 'POST', `${ORDER_SERVICE_URL}/api/order/checkout`, { headers: bearer(apiKey), expect: [201] });
  const order = jsonBody(res)?.result;
  return expectThat('checkout places the order', order?.status === 'placed' && order.total_cents > 0) ? order : undefined;
}

/** The caller's placed orders, newest first. */
export function listOrders(apiKey) {
  const res = send(STEPS.listOrders, 'GET', `${ORDER_SERVICE_URL}/api/orders`, { headers: bearer(apiKey) });
  return jsonBody(res)?.results;
}

/** One of the caller's orders. */
export function getOrder(apiKey, orderId) {
  const res = send(STEPS.getOrder, 'GET', `${ORDER_SERVICE_URL}/api/orders/${orderId}`, { headers: bearer(apiKey) });
  return jsonBody(res)?.result;
}
