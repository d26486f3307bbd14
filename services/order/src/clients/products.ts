import { DependencyError, type ServiceClient, type ServiceResponse } from '@shopscope/common';
import { z } from 'zod';
import { expectAnswer, fieldOf } from './answers';

/** What order-service needs to know about a product. */
const productShape = z.object({
  id: z.number().int().positive(),
  name: z.string(),
  price_cents: z.number().int().nonnegative(),
});
export type CatalogProduct = z.infer<typeof productShape>;

const reservedLineShape = z.object({
  product_id: z.number().int().positive(),
  name: z.string(),
  quantity: z.number().int().positive(),
  unit_price_cents: z.number().int().nonnegative(),
});
export type ReservedLine = z.infer<typeof reservedLineShape>;

/** What product-service tells about the product it could not reserve (all optional: we only relay it). */
const refusalDetailsShape = z
  .object({
    product_id: z.number().int().optional(),
    name: z.string().optional(),
    requested: z.number().int().optional(),
    available: z.number().int().optional(),
  })
  .optional()
  .catch(undefined);

export interface ReservationRequest {
  product_id: number;
  quantity: number;
}

/**
 * A reservation holds all the stock asked for, or nothing (product-service is all-or-nothing):
 * - `reserved`: the stock is held, at the prices in `lines`;
 * - `refused`: a product is short or unknown (product-service names it);
 * - `held_for_other_items`: the reference already holds a reservation for different items,
 *   left by an earlier attempt whose answer was lost; it must be released first.
 */
export type ReservationOutcome =
  | { status: 'reserved'; lines: ReservedLine[] }
  | { status: 'refused'; message: string; details: z.infer<typeof refusalDetailsShape> }
  | { status: 'held_for_other_items' };

/**
 * product-service as order-service sees it: product look-ups (public), and stock
 * reservations identified by an order reference (a replay of the same reference reserves
 * nothing more). The reservation endpoints are internal: each call presents the service
 * credential (INTERNAL_TOKEN) as `Authorization: Bearer`; the user's own API key is never
 * sent to product-service.
 */
export class ProductCatalog {
  private readonly client: ServiceClient;
  private readonly internalToken: string | undefined;

  constructor(client: ServiceClient, internalToken: string | undefined) {
    this.client = client;
    this.internalToken = internalToken;
  }

  /** One product, or undefined when product-service does not know the id. */
  async find(id: number): Promise<CatalogProduct | undefined> {
    const response = await this.client.get<unknown>(`/api/product/${id}`);
    if (response.status === 404) return undefined;
    return expectAnswer(this.client.name, response, 200, z.object({ result: productShape })).result;
  }

  /** Several products in one call, by id; ids product-service does not know are absent from the map. */
  async findMany(ids: number[]): Promise<Map<number, CatalogProduct>> {
    if (ids.length === 0) return new Map();
    // With `ids` and no `limit`, product-service answers every product asked for (up to 100).
    const response = await this.client.get<unknown>(`/api/products?ids=${ids.join(',')}`);
    const { results } = expectAnswer(this.client.name, response, 200, z.object({ results: z.array(productShape) }));
    return new Map(results.map((p) => [p.id, p]));
  }

  /**
   * Reserves stock for every line at once, then confirms the hold; a refusal (short stock,
   * unknown product) reserves nothing. product-service gives back a hold that is never
   * confirmed after its RESERVATION_TTL_SECONDS: confirming as soon as the answer is in
   * means only a hold whose answer never reached us (timeout, crash, failed release)
   * expires, never the stock of an order we go on to place. A confirm that fails throws
   * (a 503): the checkout then releases the hold and reopens the cart.
   */
  async reserve(orderRef: string, items: ReservationRequest[]): Promise<ReservationOutcome> {
    const response = await this.internalCall('/api/products/reserve', { order_ref: orderRef, items });
    if (response.status === 409 || response.status === 404) {
      const details = fieldOf(response.body, 'details');
      // A refusal names a product; a clash with an existing reservation names only the reference.
      if (fieldOf(details, 'order_ref') !== undefined && fieldOf(details, 'product_id') === undefined) {
        return { status: 'held_for_other_items' };
      }
      const message = fieldOf(response.body, 'message');
      return {
        status: 'refused',
        message: typeof message === 'string' ? message : 'A product in the cart is not available',
        details: refusalDetailsShape.parse(details),
      };
    }
    const answer = expectAnswer(
      this.client.name,
      response,
      200,
      z.object({ result: z.object({ items: z.array(reservedLineShape) }) }),
    );
    await this.confirm(orderRef);
    return { status: 'reserved', lines: answer.result.items };
  }

  /**
   * Confirms a hold: product-service keeps it until it is released (it no longer expires).
   * Idempotent. Throws (503) when the hold is gone, e.g. it expired before we confirmed it.
   */
  async confirm(orderRef: string): Promise<void> {
    const response = await this.internalCall('/api/products/confirm', { order_ref: orderRef });
    if (response.status === 409 || response.status === 404) {
      throw new DependencyError(this.client.name, 'the reservation was given back before it could be confirmed');
    }
    expectAnswer(this.client.name, response, 200, z.unknown());
  }

  /** Puts a reservation's stock back. Releasing a reference that holds nothing is not an error. */
  async release(orderRef: string): Promise<void> {
    const response = await this.internalCall('/api/products/release', { order_ref: orderRef });
    if (response.status !== 404) expectAnswer(this.client.name, response, 200, z.unknown());
  }

  /** A POST to an internal endpoint, with the service credential; a 401 names the credential. */
  private async internalCall(path: string, body: unknown): Promise<ServiceResponse<unknown>> {
    const response = await this.client.post<unknown>(path, { body, apiKey: this.internalToken });
    if (response.status === 401) {
      throw new DependencyError(
        this.client.name,
        this.internalToken
          ? "refused order-service's service credential: INTERNAL_TOKEN differs from product-service's"
          : 'requires the service credential: INTERNAL_TOKEN is not set in order-service',
      );
    }
    return response;
  }
}
