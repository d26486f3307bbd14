import {
  detailsOf,
  expectAnswer,
  reasonOf,
  type ServiceClient,
  type ServiceResponse,
  unexpectedAnswer,
} from '@shopscope/common';
import {
  type Cart,
  CartAnswer,
  CartCountAnswer,
  CartLimitDetails,
  type Order,
  OrderAnswer,
  OrderList,
  OutOfStockDetails,
} from '@shopscope/contracts';
import { sessionExpired } from './answers';

export type { Cart, LineItem, Order } from '@shopscope/contracts';

export type AddItemOutcome =
  | { ok: true; cart: Cart }
  | { ok: false; reason: 'unknown_product' | 'invalid' | 'busy' }
  /** The cart may hold `max` units of one product (`inCart` already there) or `max` different products. */
  | { ok: false; reason: 'cart_limit'; max: number | undefined; inCart: number | undefined };

export type SetQuantityOutcome = { ok: true; cart: Cart } | { ok: false; reason: 'not_in_cart' | 'invalid' | 'busy' };

/** Why checkout was refused (409), in terms the cart page can explain. */
export type CheckoutRejection =
  | { reason: 'empty_cart' }
  | { reason: 'out_of_stock'; name: string; available: number }
  | { reason: 'in_progress' }
  | { reason: 'other' };

export type CheckoutOutcome = { ok: true; order: Order } | ({ ok: false } & CheckoutRejection);

interface CallOptions {
  /** Shorter wait for decoration such as the header's cart count. */
  timeoutMs?: number;
}

/**
 * order-service: cart, checkout and history (docs/api.md). Every call carries the
 * shopper's API key; a 401 means the session is no longer valid and ends it.
 */
export class OrderApi {
  constructor(private readonly client: ServiceClient) {}

  async cart(apiKey: string, options: CallOptions = {}): Promise<Cart> {
    const res = await this.client.get('/api/order', { apiKey, ...options });
    if (res.status === 401) throw sessionExpired();
    return expectAnswer(res, 200, CartAnswer).result;
  }

  /** How many units the cart holds, without pricing it: for the header. */
  async cartCount(apiKey: string, options: CallOptions = {}): Promise<number> {
    const res = await this.client.get('/api/order/count', { apiKey, ...options });
    if (res.status === 401) throw sessionExpired();
    return expectAnswer(res, 200, CartCountAnswer).result.item_count;
  }

  async addItem(apiKey: string, productId: number, quantity: number): Promise<AddItemOutcome> {
    const res = await this.client.post('/api/order/add-item', { apiKey, body: { product_id: productId, quantity } });
    if (res.status === 401) throw sessionExpired();
    if (res.status === 404) return { ok: false, reason: 'unknown_product' };
    if (res.status === 400) return { ok: false, reason: 'invalid' };
    if (res.status === 409) {
      switch (reasonOf(res)) {
        case 'cart_limit': {
          const limit = detailsOf(res, CartLimitDetails);
          return { ok: false, reason: 'cart_limit', max: limit?.max, inCart: limit?.in_cart };
        }
        case 'already_in_progress':
          return { ok: false, reason: 'busy' };
        default:
          throw unexpectedAnswer(res);
      }
    }
    return { ok: true, cart: expectAnswer(res, [200, 201], CartAnswer).result };
  }

  /**
   * Sets the quantity of a cart line (0 removes it): the cart afterwards, or why not — the
   * line is no longer in the cart (`not_in_cart`), the quantity is refused, or a checkout of
   * this cart is under way (`busy`).
   */
  async setQuantity(apiKey: string, productId: number, quantity: number): Promise<SetQuantityOutcome> {
    const res = await this.client.request('PUT', `/api/order/item/${productId}`, { apiKey, body: { quantity } });
    if (res.status === 401) throw sessionExpired();
    if (res.status === 404) return { ok: false, reason: 'not_in_cart' };
    if (res.status === 400) return { ok: false, reason: 'invalid' };
    if (res.status === 409) {
      if (reasonOf(res) === 'already_in_progress') return { ok: false, reason: 'busy' };
      throw unexpectedAnswer(res);
    }
    return { ok: true, cart: expectAnswer(res, 200, CartAnswer).result };
  }

  /** Removes a product from the cart; one that is already gone (404) is fine. */
  async removeItem(apiKey: string, productId: number): Promise<void> {
    const res = await this.client.delete(`/api/order/remove-item/${productId}`, { apiKey });
    if (res.status === 401) throw sessionExpired();
    if (res.status !== 200 && res.status !== 404) throw unexpectedAnswer(res);
  }

  async checkout(apiKey: string): Promise<CheckoutOutcome> {
    const res = await this.client.post('/api/order/checkout', { apiKey });
    if (res.status === 401) throw sessionExpired();
    if (res.status === 409) return { ok: false, ...checkoutRejection(res) };
    return { ok: true, order: expectAnswer(res, [200, 201], OrderAnswer).result };
  }

  /** Placed orders, newest first. */
  async orders(apiKey: string): Promise<Order[]> {
    const res = await this.client.get('/api/orders', { apiKey });
    if (res.status === 401) throw sessionExpired();
    return expectAnswer(res, 200, OrderList).results;
  }

  /** One of the caller's orders; undefined when absent or someone else's (the API says 404 for both). */
  async order(apiKey: string, id: number): Promise<Order | undefined> {
    const res = await this.client.get(`/api/orders/${id}`, { apiKey });
    if (res.status === 401) throw sessionExpired();
    if (res.status === 404) return undefined;
    return expectAnswer(res, 200, OrderAnswer).result;
  }
}

/**
 * order-service's 409s name the conflict in `details.reason`: short stock (details also name
 * the product, as product-service reported it), a checkout of this cart already under way,
 * or an empty cart.
 */
function checkoutRejection(res: ServiceResponse): CheckoutRejection {
  switch (reasonOf(res)) {
    case 'out_of_stock': {
      const product = detailsOf(res, OutOfStockDetails);
      return product
        ? { reason: 'out_of_stock', name: product.name, available: product.available }
        : { reason: 'other' };
    }
    case 'already_in_progress':
      return { reason: 'in_progress' };
    case 'empty_cart':
      return { reason: 'empty_cart' };
    default:
      return { reason: 'other' };
  }
}
