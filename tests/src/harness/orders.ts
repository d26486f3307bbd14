/** Helpers for order-service tests: a shopper's view of the API and what the database holds. */
import assert from 'node:assert/strict';
import { call, type JsonResponse } from './http.ts';
import type { MariaDb } from './mariadb.ts';
import type { ServiceProcess } from './services.ts';

/** The order API as one shopper (one API key) uses it. */
export class Shopper {
  readonly orderUrl: string;
  readonly apiKey: string;

  constructor(orderUrl: string, apiKey: string) {
    this.orderUrl = orderUrl;
    this.apiKey = apiKey;
  }

  cart(): Promise<JsonResponse> {
    return call(this.orderUrl, 'GET', '/api/order', { apiKey: this.apiKey });
  }

  /** The units in the cart (`GET /api/order/count`). */
  async count(): Promise<number> {
    const res = await call(this.orderUrl, 'GET', '/api/order/count', { apiKey: this.apiKey });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body.result.item_count;
  }

  add(productId: number, quantity?: number): Promise<JsonResponse> {
    return call(this.orderUrl, 'POST', '/api/order/add-item', {
      apiKey: this.apiKey,
      body: quantity === undefined ? { product_id: productId } : { product_id: productId, quantity },
    });
  }

  /** Sets a line's quantity (`PUT /api/order/item/:product_id`); 0 removes the line. */
  setQuantity(productId: number | string, quantity: unknown): Promise<JsonResponse> {
    return call(this.orderUrl, 'PUT', `/api/order/item/${productId}`, { apiKey: this.apiKey, body: { quantity } });
  }

  remove(productId: number | string): Promise<JsonResponse> {
    return call(this.orderUrl, 'DELETE', `/api/order/remove-item/${productId}`, { apiKey: this.apiKey });
  }

  checkout(): Promise<JsonResponse> {
    return call(this.orderUrl, 'POST', '/api/order/checkout', { apiKey: this.apiKey });
  }

  orders(query = ''): Promise<JsonResponse> {
    return call(this.orderUrl, 'GET', `/api/orders${query}`, { apiKey: this.apiKey });
  }

  order(id: number | string): Promise<JsonResponse> {
    return call(this.orderUrl, 'GET', `/api/orders/${id}`, { apiKey: this.apiKey });
  }
}

/** The database name a service was started with (from its DATABASE_URL). */
export function databaseOf(service: ServiceProcess): string {
  const url = service.env.DATABASE_URL;
  if (!url) throw new Error(`${service.name} has no DATABASE_URL`);
  return new URL(url).pathname.slice(1);
}

export interface StoredOrders {
  orders: Array<{ id: number; status: string; open_user_id: number | null; total_cents: number; item_count: number }>;
  items: Array<{ order_id: number; product_id: number; quantity: number; name: string; unit_price_cents: number }>;
}

/** Every order row and line of one user, as stored by order-service (for "nothing changed" assertions). */
export async function storedOrders(db: MariaDb, order: ServiceProcess, userId: number): Promise<StoredOrders> {
  const name = databaseOf(order);
  const orders = await db.query<StoredOrders['orders']>(
    `SELECT id, status, open_user_id, total_cents, item_count FROM \`${name}\`.orders WHERE user_id = ? ORDER BY id`,
    [userId],
  );
  const items = await db.query<StoredOrders['items']>(
    `SELECT i.order_id, i.product_id, i.quantity, i.name, i.unit_price_cents
       FROM \`${name}\`.order_items i JOIN \`${name}\`.orders o ON o.id = i.order_id
      WHERE o.user_id = ? ORDER BY i.order_id, i.product_id`,
    [userId],
  );
  return { orders: orders.map((row) => ({ ...row })), items: items.map((row) => ({ ...row })) };
}

export interface CatalogueProduct {
  id: number;
  name: string;
  slug: string;
  price_cents: number;
  stock: number;
}

/** One product as product-service describes it now (fails the test if it is missing). */
export async function productNow(productUrl: string, id: number): Promise<CatalogueProduct> {
  const res = await call(productUrl, 'GET', `/api/product/${id}`);
  if (res.status !== 200) throw new Error(`product ${id} answered ${res.status}`);
  return res.body.result;
}

/** The seeded catalogue (first page). */
export async function catalogue(productUrl: string): Promise<CatalogueProduct[]> {
  const res = await call(productUrl, 'GET', '/api/products');
  if (res.status !== 200) throw new Error(`product list answered ${res.status}`);
  return res.body.results;
}
