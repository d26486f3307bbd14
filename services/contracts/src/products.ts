import { z } from 'zod';

/** A product as product-service shows it. Prices are integer cents. */
export const Product = z.object({
  id: z.number().int().positive(),
  name: z.string(),
  slug: z.string(),
  description: z.string(),
  price_cents: z.number().int().nonnegative(),
  currency: z.string(),
  stock: z.number().int().nonnegative(),
  image: z.string(),
});
export type Product = z.infer<typeof Product>;

/** `GET /api/product/:slugOrId`, `POST /api/products` (201). */
export const ProductAnswer = z.object({ result: Product });
export type ProductAnswer = z.infer<typeof ProductAnswer>;

/** `GET /api/products`: one page (or the products asked for by `ids`), and the total. */
export const ProductPage = z.object({ results: z.array(Product), total: z.number().int().nonnegative() });
export type ProductPage = z.infer<typeof ProductPage>;

export const ReservationStatus = z.enum(['reserved', 'confirmed', 'released', 'expired']);
export type ReservationStatus = z.infer<typeof ReservationStatus>;

/** A stock hold for one order reference, at the prices it was taken at. */
export const Reservation = z.object({
  order_ref: z.string(),
  status: ReservationStatus,
  items: z.array(
    z.object({
      product_id: z.number().int().positive(),
      name: z.string(),
      quantity: z.number().int().positive(),
      unit_price_cents: z.number().int().nonnegative(),
    }),
  ),
  total_cents: z.number().int().nonnegative(),
  currency: z.literal('EUR'),
});
export type Reservation = z.infer<typeof Reservation>;

/** `POST /api/products/reserve`, `/confirm`, `/release` (internal: INTERNAL_TOKEN). */
export const ReservationAnswer = z.object({ result: Reservation });
export type ReservationAnswer = z.infer<typeof ReservationAnswer>;

/** `details` of the 409 `out_of_stock` (and the 404 of an unknown product) of a reservation. */
export const StockRefusalDetails = z.object({
  product_id: z.number().int().optional(),
  name: z.string().optional(),
  requested: z.number().int().optional(),
  available: z.number().int().optional(),
});
export type StockRefusalDetails = z.infer<typeof StockRefusalDetails>;
