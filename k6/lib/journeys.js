// What a visitor does in one iteration, built from the steps of lib/web.js and lib/api.js.
// The scenarios run one journey (journey.js, api.js) or a mix of them (load, spike, soak).
import { sleep } from 'k6';
import { Counter } from 'k6/metrics';
import * as api from './api.js';
import { THINK_TIME } from './config.js';
import { expectThat } from './http.js';
import { newShopper } from './users.js';
import * as web from './web.js';

/**
 * Orders the journeys placed, tagged `channel` (web or api). The services count the same
 * orders in `shopscope_orders_placed_total`: the two should agree.
 */
export const ordersPlaced = new Counter('orders_placed');

/** Words a visitor types in the search box; each matches products of the seed catalogue. */
const SEARCHES = ['laptop', 'phone', 'headphones', 'pro', 'mouse', 'camera', 'keyboard', 'speaker'];

/** A pause between steps, like a person reading the page (THINK_TIME, lib/config.js). */
export function think() {
  if (THINK_TIME > 0) sleep(THINK_TIME * (0.5 + Math.random()));
}

function pick(list) {
  return list[Math.floor(Math.random() * list.length)];
}

/** A random whole number from `min` to `max`. */
function between(min, max) {
  return min + Math.floor(Math.random() * (max - min + 1));
}

/** A visitor who looks without buying: the catalogue, maybe a search, a few product pages. */
export function browse() {
  const slugs = web.browseCatalogue();
  if (!slugs) return;
  think();
  if (Math.random() < 0.3) {
    web.browseCatalogue(pick(SEARCHES));
    think();
  }
  for (let i = between(1, 3); i > 0; i--) {
    web.openProduct(pick(slugs));
    think();
  }
}

/**
 * A shopper's whole visit through the web shop's pages: register, log in, browse, open
 * products and add them to the cart, check out, see the thank-you page and the order in the
 * history, sign out. Returns the order id, or undefined at the first step that failed.
 */
export function buyOnTheWeb() {
  const shopper = newShopper('web');
  if (!web.registerOnTheWeb(shopper)) return undefined;
  think();
  if (!web.logInOnTheWeb(shopper)) return undefined;
  think();
  const slugs = web.browseCatalogue();
  if (!slugs) return undefined;
  think();
  // One or two different products, one or two of each.
  const chosen = between(1, 2) === 1 ? [pick(slugs)] : [...new Set([pick(slugs), pick(slugs)])];
  for (const slug of chosen) {
    const token = web.openProduct(slug);
    if (!token) return undefined;
    think();
    if (!web.addToCart(slug, between(1, 2), token)) return undefined;
    think();
  }
  const cartToken = web.openCart();
  if (!cartToken) return undefined;
  think();
  const orderId = web.placeOrder(cartToken);
  if (!orderId) return undefined;
  ordersPlaced.add(1, { channel: 'web' });
  if (!web.thankYou(orderId)) return undefined;
  think();
  const lastPage = web.orderHistory(orderId);
  if (!lastPage) return undefined;
  think();
  web.logOutOnTheWeb(lastPage);
  return orderId;
}

/**
 * The same visit through the JSON APIs: create the account, log in, read the catalogue,
 * fill the cart, check out, read the order back, log out. Returns the order, or undefined.
 */
export function buyThroughTheApi() {
  const shopper = newShopper('api');
  if (!api.createUser(shopper)) return undefined;
  const apiKey = api.logIn(shopper);
  if (!apiKey) return undefined;
  api.currentUser(apiKey);
  think();
  const products = api.listProducts();
  if (!products) return undefined;
  const product = api.getProduct(pick(products).slug);
  if (!product) return undefined;
  think();
  if (!api.addItem(apiKey, product.id, between(1, 3))) return undefined;
  const cart = api.getCart(apiKey);
  if (!cart || cart.item_count < 1) return undefined;
  think();
  const order = api.checkout(apiKey);
  if (!order) return undefined;
  ordersPlaced.add(1, { channel: 'api' });
  const listed = expectThat('the order history lists the order', api.listOrders(apiKey)?.some((o) => o.id === order.id));
  const readBack = expectThat('the order reads back as placed', api.getOrder(apiKey, order.id)?.status === 'placed');
  api.logOut(apiKey);
  return listed && readBack ? order : undefined;
}

/**
 * One iteration of realistic traffic: most visitors browse, some buy on the web shop, a
 * few use the API. `weights` gives the share of each journey.
 */
export function mixedTraffic(weights = { browse: 0.65, web: 0.25, api: 0.1 }) {
  const roll = Math.random();
  if (roll < weights.browse) browse();
  else if (roll < weights.browse + weights.web) buyOnTheWeb();
  else buyThroughTheApi();
}
