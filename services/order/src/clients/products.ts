import {
  DependencyError,
  detailsOf,
  errorOf,
  expectAnswer,
  reasonOf,
  type ServiceClient,
  type ServiceResponse,
} from '@shopscope/common';
import {
  type Product,
  ProductAnswer,
  ProductPage,
  type Reservation,
  ReservationAnswer,
  StockRefusalDetails,
} from '@shopscope/contracts';

/** What order-service needs to know about a product. */
export type CatalogProduct = Pick<Product, 'id' | 'name' | 'price_cents'>;

/** A reserved line, at the price the stock was held at. */
export type ReservedLine = Reservation['items'][number];

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
  | { status: 'refused'; message: string; details: StockRefusalDetails | undefined }
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
    const response = await this.client.get(`/api/product/${id}`);
    if (response.status === 404) return undefined;
    return expectAnswer(response, 200, ProductAnswer).result;
  }

  /** Several products in one call, by id; ids product-service does not know are absent from the map. */
  async findMany(ids: number[]): Promise<Map<number, CatalogProduct>> {
    if (ids.length === 0) return new Map();
    // With `ids` and no `limit`, product-service answers every product asked for (up to 100).
    const response = await this.client.get(`/api/products?ids=${ids.join(',')}`);
    const { results } = expectAnswer(response, 200, ProductPage);
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
      // The reference already holds a reservation for other items (an earlier attempt
      // whose answer was lost); otherwise a product is short (409) or unknown (404).
      if (reasonOf(response) === 'reservation_mismatch') return { status: 'held_for_other_items' };
      return {
        status: 'refused',
        message: errorOf(response).message || 'A product in the cart is not available',
        details: detailsOf(response, StockRefusalDetails),
      };
    }
    const answer = expectAnswer(response, 200, ReservationAnswer);
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
    expectAnswer(response, 200, ReservationAnswer);
  }

  /** Puts a reservation's stock back. Releasing a reference that holds nothing is not an error. */
  async release(orderRef: string): Promise<void> {
    const response = await this.internalCall('/api/products/release', { order_ref: orderRef });
    if (response.status !== 404) expectAnswer(response, 200, ReservationAnswer);
  }

  /** A POST to an internal endpoint, with the service credential; a 401 names the credential. */
  private async internalCall(path: string, body: unknown): Promise<ServiceResponse> {
    const response = await this.client.post(path, { body, apiKey: this.internalToken });
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
