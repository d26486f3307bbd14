import type { CatalogProduct } from '../clients/products';
import type { Order, OrderItem } from '../db/models';

/** Every price in the shop is in euros, as integer cents. */
export const CURRENCY = 'EUR';

export interface LineView {
  product_id: number;
  name: string;
  unit_price_cents: number;
  quantity: number;
  line_total_cents: number;
}

/** The shape of `GET /api/order` (docs/api.md). `id` is null until the first item is added. */
export interface CartView {
  id: number | null;
  /** "pending" only while a checkout of this cart is running. */
  status: 'open' | 'pending';
  items: LineView[];
  item_count: number;
  total_cents: number;
  currency: string;
}

/** The shape of a placed order: prices as they were when it was placed. */
export interface OrderView {
  id: number;
  status: 'placed';
  items: LineView[];
  item_count: number;
  total_cents: number;
  currency: string;
  placed_at: string;
}

function lineView(item: OrderItem, name: string, unitPriceCents: number): LineView {
  return {
    product_id: item.product_id,
    name,
    unit_price_cents: unitPriceCents,
    quantity: item.quantity,
    line_total_cents: unitPriceCents * item.quantity,
  };
}

function totals(lines: LineView[]): { item_count: number; total_cents: number } {
  return {
    item_count: lines.reduce((sum, line) => sum + line.quantity, 0),
    total_cents: lines.reduce((sum, line) => sum + line.line_total_cents, 0),
  };
}

export function emptyCartView(): CartView {
  return { id: null, status: 'open', items: [], item_count: 0, total_cents: 0, currency: CURRENCY };
}

/**
 * A cart priced with the catalogue's current names and prices. A product the catalogue no
 * longer lists keeps the name and price it had when added; checkout will then refuse it.
 */
export function cartView(cart: Order, items: OrderItem[], catalogue: Map<number, CatalogProduct>): CartView {
  const lines = items.map((item) => {
    const product = catalogue.get(item.product_id);
    return lineView(item, product?.name ?? item.name, product?.price_cents ?? item.unit_price_cents);
  });
  return {
    id: cart.id,
    status: cart.status === 'pending' ? 'pending' : 'open',
    items: lines,
    ...totals(lines),
    currency: cart.currency,
  };
}

/** A placed order with the names and prices snapshotted at checkout. */
export function orderView(order: Order, items: OrderItem[]): OrderView {
  return {
    id: order.id,
    status: 'placed',
    items: items.map((item) => lineView(item, item.name, item.unit_price_cents)),
    item_count: order.item_count,
    total_cents: order.total_cents,
    currency: order.currency,
    placed_at: (order.placed_at ?? order.updated_at).toISOString(),
  };
}
