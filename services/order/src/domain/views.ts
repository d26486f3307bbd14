import type { CatalogProduct } from '../clients/products';
import type { Cart, LineItem, Order } from '@shopscope/contracts';
import type { Order as OrderRow, OrderItem } from '../db/models';

/** Every price in the shop is in euros, as integer cents. */
export const CURRENCY = 'EUR';

/** The public shapes (docs/api.md, @shopscope/contracts): what `GET /api/order` and the orders endpoints answer. */
export type LineView = LineItem;
export type CartView = Cart;
export type OrderView = Order;

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
export function cartView(cart: OrderRow, items: OrderItem[], catalogue: Map<number, CatalogProduct>): CartView {
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

/**
 * The order checkout has just placed, from what it wrote: the cart's lines (their order and
 * quantities) with the names and prices product-service reserved them at — the same answer
 * orderView gives when the order is read back.
 */
export function placedOrderView(
  cart: OrderRow,
  items: OrderItem[],
  reserved: ReadonlyArray<{ product_id: number; name: string; unit_price_cents: number }>,
  placedAt: Date,
): OrderView {
  const snapshot = new Map(reserved.map((line) => [line.product_id, line]));
  const lines = items.map((item) => {
    const line = snapshot.get(item.product_id);
    return lineView(item, line?.name ?? item.name, line?.unit_price_cents ?? item.unit_price_cents);
  });
  return {
    id: cart.id,
    status: 'placed',
    items: lines,
    ...totals(lines),
    currency: cart.currency,
    placed_at: placedAt.toISOString(),
  };
}

/** A placed order with the names and prices snapshotted at checkout. */
export function orderView(order: OrderRow, items: OrderItem[]): OrderView {
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
