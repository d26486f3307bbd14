import {
  conflict,
  DependencyError,
  type Logger,
  toHttpError,
  transactionWithRetry,
  type UserDirectory,
} from '@shopscope/common';
import { businessMetrics, inSpan } from '@shopscope/telemetry';
import type { Span } from '@opentelemetry/api';
import type { Sequelize } from 'sequelize';
import type { ProductCatalog, ReservationOutcome, ReservationRequest, ReservedLine } from '../clients/products';
import { MAX_ORDER_TOTAL_CENTS, Order, OrderItem } from '../db/models';
import { type OrderView, placedOrderView } from './views';

/**
 * A checkout that died half-way (process killed, database lost before the cart could be
 * reopened) leaves its cart `pending`. After this long — far beyond what a checkout can take
 * given its timeouts — the next checkout of that cart takes it over.
 */
const ABANDONED_AFTER_MS = 60_000;

/** The reference product-service knows a reservation by: one per order, so retries are idempotent. */
export const orderRef = (orderId: number) => `order-${orderId}`;

export interface CheckoutDeps {
  sequelize: Sequelize;
  users: UserDirectory;
  products: ProductCatalog;
  logger: Logger;
}

interface ClaimedCart {
  cart: Order;
  /** The cart's lines, in the order they were added. */
  items: OrderItem[];
  request: ReservationRequest[];
}

/**
 * Checkout turns the caller's cart into a placed order:
 *  1. validate the user with user-service (never from the cache);
 *  2. claim the cart: one transaction moves it `open` → `pending`, so a concurrent second
 *     checkout of the same cart gets a 409 instead of a second order;
 *  3. reserve the stock at product-service (all or nothing) and take the prices from its answer;
 *  4. mark the order `placed` with its snapshot prices and total.
 * A refusal or outage in 3 puts the cart back to `open`; a failure to save 4 releases the
 * stock. Reservations are keyed by order (`order-<id>`), so a retried checkout reuses or
 * replaces what an earlier attempt left at product-service instead of taking stock twice.
 */
export class Checkout {
  private readonly sequelize: Sequelize;
  private readonly users: UserDirectory;
  private readonly products: ProductCatalog;
  private readonly logger: Logger;

  constructor({ sequelize, users, products, logger }: CheckoutDeps) {
    this.sequelize = sequelize;
    this.users = users;
    this.products = products;
    this.logger = logger;
  }

  async place(apiKey: string): Promise<OrderView> {
    return inSpan('checkout', {}, async (span) => {
      const known: { user_id?: number; order_id?: number } = {}; // for the failure log line
      try {
        const caller = await this.users.identify(apiKey, { fresh: true });
        known.user_id = caller.id;
        span.setAttribute('user.id', caller.id);
        const { cart, items, request } = await this.claim(caller.id);
        known.order_id = cart.id;
        span.setAttributes({
          'order.id': cart.id,
          'order.item_count': request.reduce((sum, line) => sum + line.quantity, 0),
        });
        const lines = await this.reserve(cart, request);
        const order = await this.markPlaced(cart, items, lines);

        span.setAttributes({ 'order.total_cents': order.total_cents, 'checkout.status': 'placed' });
        businessMetrics.ordersPlaced.add(1);
        businessMetrics.orderValue.record(order.total_cents / 100);
        this.logger.info(
          { order_id: order.id, user_id: caller.id, item_count: order.item_count, total_cents: order.total_cents },
          'order placed',
        );
        return order;
      } catch (err) {
        this.recordFailure(span, err, known);
        throw err;
      }
    });
  }

  /** Step 2: lock the cart and move it to `pending`; 409 if it is empty or already being checked out. */
  private async claim(userId: number): Promise<ClaimedCart> {
    return transactionWithRetry(this.sequelize, async (transaction) => {
      const cart = await Order.findOne({ where: { open_user_id: userId }, lock: transaction.LOCK.UPDATE, transaction });
      if (!cart) throw emptyCart();
      if (cart.status === 'pending' && Date.now() - cart.updated_at.getTime() < ABANDONED_AFTER_MS) {
        throw conflict('A checkout of this cart is already in progress', { order_id: cart.id }, 'already_in_progress');
      }
      const items = await OrderItem.findAll({ where: { order_id: cart.id }, order: [['id', 'ASC']], transaction });
      if (items.length === 0) throw emptyCart();
      // Setting updated_at explicitly also refreshes a taken-over abandoned checkout.
      await cart.update({ status: 'pending', updated_at: new Date() }, { transaction });
      return { cart, items, request: items.map((item) => ({ product_id: item.product_id, quantity: item.quantity })) };
    });
  }

  /** Step 3: reserve the stock; on refusal or outage the cart goes back to `open`. */
  private async reserve(cart: Order, request: ReservationRequest[]): Promise<ReservedLine[]> {
    const ref = orderRef(cart.id);
    let outcome: ReservationOutcome;
    try {
      outcome = await this.products.reserve(ref, request);
      if (outcome.status === 'held_for_other_items') {
        // An earlier attempt reserved (we never got the answer, e.g. a timeout) and the cart
        // has changed since: give that stock back and reserve what the cart holds now.
        this.logger.warn({ order_id: cart.id }, 'replacing a reservation left by an earlier checkout attempt');
        await this.products.release(ref);
        outcome = await this.products.reserve(ref, request);
      }
      if (outcome.status === 'held_for_other_items') {
        throw new DependencyError('product-service', 'the reservation could not be replaced');
      }
    } catch (err) {
      // A timeout may hide a reservation that did happen: undo it if product-service answers.
      await this.products.release(ref).catch(() => undefined);
      await this.reopen(cart.id);
      throw err;
    }
    if (outcome.status === 'refused') {
      await this.reopen(cart.id);
      throw conflict(outcome.message, outcome.details, 'out_of_stock');
    }
    return outcome.lines;
  }

  /**
   * Step 4: snapshot names and prices, mark `placed`, free the user's cart slot. The answer
   * is built from what this transaction wrote, under the cart's claim, rather than read
   * back (two more queries per checkout).
   */
  private async markPlaced(cart: Order, items: OrderItem[], lines: ReservedLine[]): Promise<OrderView> {
    let placed: OrderView | undefined;
    try {
      const totalCents = orderTotalCents(lines);
      const placedAt = new Date();
      placed = await transactionWithRetry(this.sequelize, async (transaction) => {
        for (const line of lines) {
          await OrderItem.update(
            { name: line.name, unit_price_cents: line.unit_price_cents },
            { where: { order_id: cart.id, product_id: line.product_id }, transaction },
          );
        }
        const [updated] = await Order.update(
          {
            status: 'placed',
            open_user_id: null,
            item_count: lines.reduce((sum, line) => sum + line.quantity, 0),
            total_cents: totalCents,
            placed_at: placedAt,
          },
          { where: { id: cart.id, status: 'pending' }, transaction },
        );
        if (updated !== 1) return undefined;
        return placedOrderView(cart, items, lines, placedAt);
      });
    } catch (err) {
      // The stock is reserved but the order is not saved (or its total is refused): give the
      // stock back, reopen the cart.
      await this.products
        .release(orderRef(cart.id))
        .catch((releaseErr) => this.logger.error({ err: releaseErr, order_id: cart.id }, 'could not release stock'));
      await this.reopen(cart.id);
      throw err;
    }
    // Someone else finished this order (a takeover of a checkout thought abandoned): the
    // reservation is theirs now, so it must not be released.
    if (!placed)
      throw conflict('This order was placed by another checkout', { order_id: cart.id }, 'already_in_progress');
    return placed;
  }

  /** Puts a claimed cart back to `open`. Best effort: if it fails, the cart is taken over later. */
  private async reopen(orderId: number): Promise<void> {
    try {
      await Order.update({ status: 'open' }, { where: { id: orderId, status: 'pending' } });
    } catch (err) {
      this.logger.error({ err, order_id: orderId }, 'could not reopen the cart after a failed checkout');
    }
  }

  private recordFailure(span: Span, err: unknown, known: { user_id?: number; order_id?: number }): void {
    const reason = failureReason(err);
    span.setAttributes({ 'checkout.status': 'failed', 'checkout.failure_reason': reason });
    businessMetrics.checkoutFailures.add(1, { reason });
    this.logger.warn({ reason, ...known }, 'checkout failed');
  }
}

const emptyCart = () => conflict('Your cart is empty', undefined, 'empty_cart');

/**
 * The order's total in cents, computed exactly; 409 `order_total_limit` above
 * MAX_ORDER_TOTAL_CENTS (what a JS number holds exactly), so an order is never saved with a
 * rounded total. The cart stays open: removing items brings it back under the limit.
 */
export function orderTotalCents(lines: ReadonlyArray<{ quantity: number; unit_price_cents: number }>): number {
  const total = lines.reduce((sum, line) => sum + BigInt(line.quantity) * BigInt(line.unit_price_cents), 0n);
  if (total > BigInt(MAX_ORDER_TOTAL_CENTS)) {
    throw conflict(
      `The order total is too large: at most ${MAX_ORDER_TOTAL_CENTS} cents per order`,
      { total_cents: total.toString(), max_total_cents: MAX_ORDER_TOTAL_CENTS },
      'order_total_limit',
    );
  }
  return Number(total);
}

/** The low-cardinality `reason` of a failed checkout, for the span and the failures metric. */
export function failureReason(err: unknown): string {
  const error = toHttpError(err);
  if (error.status === 401) return 'user_invalid';
  // A 503 says which: dependency_unavailable (user- or product-service), database_unavailable
  // or lock_conflict (order-service's own database): a learner must tell them apart.
  return error.reason ?? (error.status === 503 ? 'dependency_unavailable' : 'internal');
}
