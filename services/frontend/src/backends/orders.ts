import type { ServiceClient } from '@shopscope/common';
import { errorDetails, sessionExpired, unexpectedAnswer } from './answers';

export interface LineItem {
  product_id: number;
  name: string;
  unit_price_cents: number;
  quantity: number;
  line_total_cents: number;
}

export interface Cart {
  id: number;
  status: string;
  items: LineItem[];
  item_count: number;
  total_cents: number;
  currency: string;
}

export interface Order extends Cart {
  placed_at: string;
}

export type AddItemOutcome =
  | { ok: true; cart: Cart }
  | { ok: false; reason: 'unknown_product' | 'invalid' | 'busy' }
  /** The cart may hold `max` units of one product (`inCart` already there) or `max` different products. */
  | { ok: false; reason: 'cart_limit'; max: number | undefined; inCart: number | undefined };

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
    const res = await this.client.get<{ result: Cart }>('/api/order', { apiKey, ...options });
    if (res.status === 200) return res.body.result;
    if (res.status === 401) throw sessionExpired();
    throw unexpectedAnswer(this.client.name, 'get cart', res);
  }

  async addItem(apiKey: string, productId: number, quantity: number): Promise<AddItemOutcome> {
    const res = await this.client.post<{ result: Cart }>('/api/order/add-item', {
      apiKey,
      body: { product_id: productId, quantity },
    });
    if (res.status === 200 || res.status === 201) return { ok: true, cart: res.body.result };
    if (res.status === 401) throw sessionExpired();
    if (res.status === 404) return { ok: false, reason: 'unknown_product' };
    if (res.status === 400) return { ok: false, reason: 'invalid' };
    if (res.status === 409) {
      // 409 is either a limit (details say which) or a checkout of this cart under way.
      const { max, in_cart } = errorDetails(res.body);
      if (typeof max !== 'number') return { ok: false, reason: 'busy' };
      return { ok: false, reason: 'cart_limit', max, inCart: typeof in_cart === 'number' ? in_cart : undefined };
    }
    throw unexpectedAnswer(this.client.name, 'add to cart', res);
  }

  /** Removes a product from the cart; one that is already gone (404) is fine. */
  async removeItem(apiKey: string, productId: number): Promise<void> {
    const res = await this.client.delete(`/api/order/remove-item/${productId}`, { apiKey });
    if (res.status === 401) throw sessionExpired();
    if (res.status !== 200 && res.status !== 404) throw unexpectedAnswer(this.client.name, 'remove from cart', res);
  }

  async checkout(apiKey: string): Promise<CheckoutOutcome> {
    const res = await this.client.post<{ result: Order }>('/api/order/checkout', { apiKey });
    if (res.status === 201 || res.status === 200) return { ok: true, order: res.body.result };
    if (res.status === 401) throw sessionExpired();
    if (res.status === 409) return { ok: false, ...checkoutRejection(res.body) };
    throw unexpectedAnswer(this.client.name, 'checkout', res);
  }

  /** Placed orders, newest first. */
  async orders(apiKey: string): Promise<Order[]> {
    const res = await this.client.get<{ results: Order[] }>('/api/orders', { apiKey });
    if (res.status === 200) return res.body.results;
    if (res.status === 401) throw sessionExpired();
    throw unexpectedAnswer(this.client.name, 'list orders', res);
  }

  /** One of the caller's orders; undefined when absent or someone else's (the API says 404 for both). */
  async order(apiKey: string, id: number): Promise<Order | undefined> {
    const res = await this.client.get<{ result: Order }>(`/api/orders/${id}`, { apiKey });
    if (res.status === 200) return res.body.result;
    if (res.status === 401) throw sessionExpired();
    if (res.status === 404) return undefined;
    throw unexpectedAnswer(this.client.name, 'get order', res);
  }
}

/**
 * order-service's 409s name the conflict in `details.reason`: short stock (details also name
 * the product, as product-service reported it), a checkout of this cart already under way,
 * or an empty cart.
 */
function checkoutRejection(body: unknown): CheckoutRejection {
  const details = errorDetails(body);
  switch (details.reason) {
    case 'out_of_stock':
      return typeof details.name === 'string' && typeof details.available === 'number'
        ? { reason: 'out_of_stock', name: details.name, available: details.available }
        : { reason: 'other' };
    case 'already_in_progress':
      return { reason: 'in_progress' };
    case 'empty_cart':
      return { reason: 'empty_cart' };
    default:
      return { reason: 'other' };
  }
}
