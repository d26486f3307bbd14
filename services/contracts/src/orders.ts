import { z } from 'zod';

/** One line of a cart or an order: the unit price times the quantity, in cents. */
export const LineItem = z.object({
  product_id: z.number().int().positive(),
  name: z.string(),
  unit_price_cents: z.number().int().nonnegative(),
  quantity: z.number().int().positive(),
  line_total_cents: z.number().int().nonnegative(),
});
export type LineItem = z.infer<typeof LineItem>;

/**
 * The caller's cart, priced with the catalogue's current prices. `id` is null until the
 * first item is added; `status` is "pending" only while a checkout of it is running.
 */
export const Cart = z.object({
  id: z.number().int().positive().nullable(),
  status: z.enum(['open', 'pending']),
  items: z.array(LineItem),
  item_count: z.number().int().nonnegative(),
  total_cents: z.number().int().nonnegative(),
  currency: z.string(),
});
export type Cart = z.infer<typeof Cart>;

/** How many units the caller's cart holds, without pricing it: the web shop's header. */
export const CartCount = z.object({ item_count: z.number().int().nonnegative() });
export type CartCount = z.infer<typeof CartCount>;

/** A placed order, with the names and prices snapshotted at checkout. */
export const Order = z.object({
  id: z.number().int().positive(),
  status: z.literal('placed'),
  items: z.array(LineItem),
  item_count: z.number().int().nonnegative(),
  total_cents: z.number().int().nonnegative(),
  currency: z.string(),
  placed_at: z.iso.datetime(),
});
export type Order = z.infer<typeof Order>;

/** `GET /api/order`, `POST /api/order/add-item`, `PUT /api/order/item/:product_id`, `DELETE /api/order/remove-item/:product_id`. */
export const CartAnswer = z.object({ result: Cart });
export type CartAnswer = z.infer<typeof CartAnswer>;

/** `GET /api/order/count`. */
export const CartCountAnswer = z.object({ result: CartCount });
export type CartCountAnswer = z.infer<typeof CartCountAnswer>;

/** `POST /api/order/checkout` (201), `GET /api/orders/:id`. */
export const OrderAnswer = z.object({ result: Order });
export type OrderAnswer = z.infer<typeof OrderAnswer>;

/** `GET /api/orders`: the caller's placed orders, newest first. */
export const OrderList = z.object({ results: z.array(Order) });
export type OrderList = z.infer<typeof OrderList>;

/** `details` of the 409 `cart_limit`: the most units of one product (with `in_cart`), or the most lines. */
export const CartLimitDetails = z.object({
  max: z.number().int().positive(),
  in_cart: z.number().int().nonnegative().optional(),
  product_id: z.number().int().optional(),
});

/** `details` of the 409 `out_of_stock` of a checkout: the product short of stock, as product-service named it. */
export const OutOfStockDetails = z.object({
  name: z.string(),
  available: z.number().int().nonnegative(),
  product_id: z.number().int().optional(),
  requested: z.number().int().optional(),
});
