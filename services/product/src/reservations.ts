import { conflict, HttpError, transactionWithRetry } from '@shopscope/common';
import { type Sequelize, Transaction, UniqueConstraintError } from 'sequelize';
import type { Product, ProductModels, Reservation, ReservationItem, ReservationStatus } from './db/models';

/**
 * Stock reservations: the one place where stock changes hands.
 *
 * - All-or-nothing: one transaction checks and takes the stock of every item, or none.
 * - No overselling: product rows are read with SELECT … FOR UPDATE, so a concurrent
 *   reservation of the same product waits for this one to finish, then sees the new stock.
 * - No deadlocks between reservations: every transaction takes its locks in the same order
 *   (reservation row, then products by ascending id, then its own items), so two of them
 *   can wait for each other but never in a circle. A deadlock caused by something else is
 *   retried by `transactionWithRetry`.
 * - Idempotent per `order_ref`: the reservation row is the idempotency key. A replay finds
 *   it and answers what was reserved; release puts stock back exactly once.
 *
 * READ COMMITTED: plain reads see the latest committed rows, and a locking read of an
 * order_ref that does not exist yet takes no gap lock (under REPEATABLE READ two new
 * reservations would lock the same gap and deadlock on their inserts).
 */
const TRANSACTION = { isolationLevel: Transaction.ISOLATION_LEVELS.READ_COMMITTED };

export interface RequestedItem {
  product_id: number;
  quantity: number;
}

export interface ReservationView {
  order_ref: string;
  status: ReservationStatus;
  items: Array<{ product_id: number; name: string; quantity: number; unit_price_cents: number }>;
  total_cents: number;
  currency: 'EUR';
}

/** How a request ended, as counted by the `shopscope.stock.reservations` metric. */
export type ReservationOutcome = 'reserved' | 'replayed' | 'released';

export interface ReservationResult {
  outcome: ReservationOutcome;
  reservation: ReservationView;
}

/** One line per product (quantities of a product listed twice are added up), by ascending id: the lock order. */
export function mergeItems(items: RequestedItem[]): RequestedItem[] {
  const quantities = new Map<number, number>();
  for (const { product_id, quantity } of items) {
    quantities.set(product_id, (quantities.get(product_id) ?? 0) + quantity);
  }
  return [...quantities]
    .map(([product_id, quantity]) => ({ product_id, quantity }))
    .sort((a, b) => a.product_id - b.product_id);
}

/**
 * Reserves every item for `orderRef`, or nothing: 404 naming an unknown product, 409
 * naming the first product short of stock. A replay with the same items answers the
 * existing reservation and takes nothing more; different items under an active
 * reservation are a 409 (release it first). A released `orderRef` can be reserved again,
 * e.g. when a checkout that failed after reserving is retried.
 */
export async function reserve(
  sequelize: Sequelize,
  models: ProductModels,
  orderRef: string,
  requested: RequestedItem[],
): Promise<ReservationResult> {
  const { Reservation, ReservationItem } = models;
  const items = mergeItems(requested);

  return transactionWithRetry(
    sequelize,
    async (transaction) => {
      // 1. The reservation row: lock it if it exists, otherwise insert it to claim the order_ref.
      //    A concurrent request for the same order_ref waits here until this one ends.
      let reservation = await Reservation.findByPk(orderRef, { transaction, lock: transaction.LOCK.UPDATE });
      const isNew = reservation === null;
      if (reservation === null) {
        reservation = await Reservation.create({ order_ref: orderRef, status: 'reserved', released_at: null }, { transaction });
      } else if (reservation.status === 'reserved') {
        const held = await ReservationItem.findAll({ where: { order_ref: orderRef }, transaction });
        if (!sameItems(held, items)) {
          throw conflict(
            `Order reference ${orderRef} already holds a reservation for other items; release it first`,
            { order_ref: orderRef },
            'reservation_mismatch',
          );
        }
        return { outcome: 'replayed', reservation: toView(reservation, held) };
      }

      // 2. The products, locked in id order, then checked: any unknown one first (404), then
      //    the first one short of stock (409).
      const products = await lockProducts(models, items, transaction);
      const unknown = items.find((item) => !products.has(item.product_id));
      if (unknown) throw productNotFound(unknown.product_id);
      for (const item of items) {
        const product = products.get(item.product_id)!;
        if (product.stock < item.quantity) throw insufficientStock(product, item.quantity);
      }

      // 3. Take the stock and record what was taken, at today's prices.
      for (const item of items) {
        await models.Product.decrement('stock', { by: item.quantity, where: { id: item.product_id }, transaction });
      }
      if (!isNew) {
        await ReservationItem.destroy({ where: { order_ref: orderRef }, transaction });
        await reservation.update({ status: 'reserved', released_at: null }, { transaction });
      }
      const lines = await ReservationItem.bulkCreate(
        items.map((item) => {
          const product = products.get(item.product_id)!;
          return {
            order_ref: orderRef,
            product_id: item.product_id,
            name: product.name,
            quantity: item.quantity,
            unit_price_cents: product.price_cents,
          };
        }),
        { transaction },
      );
      return { outcome: 'reserved', reservation: toView(reservation, lines) };
    },
    {
      ...TRANSACTION,
      // Two first requests for one order_ref both found no row and both inserted it: the
      // second insert waited for the first transaction, then failed on the primary key.
      // Run again: this time it finds the reservation and answers it as a replay.
      retryIf: (err) => err instanceof UniqueConstraintError,
    },
  );
}

/**
 * Puts a reservation's stock back, once: a second release changes nothing and answers
 * the released reservation again ('replayed'). 404 for an order_ref never reserved.
 */
export async function release(sequelize: Sequelize, models: ProductModels, orderRef: string): Promise<ReservationResult> {
  const { Reservation, ReservationItem } = models;
  return transactionWithRetry(
    sequelize,
    async (transaction) => {
      const reservation = await Reservation.findByPk(orderRef, { transaction, lock: transaction.LOCK.UPDATE });
      if (reservation === null) {
        throw new HttpError(404, `No reservation for order reference ${orderRef}`, { order_ref: orderRef }, 'not_found');
      }
      const held = await ReservationItem.findAll({ where: { order_ref: orderRef }, transaction });
      if (reservation.status === 'released') return { outcome: 'replayed', reservation: toView(reservation, held) };

      // Same lock order as reserve: reservation row (held), then products by id.
      await lockProducts(models, held, transaction);
      for (const item of held) {
        await models.Product.increment('stock', { by: item.quantity, where: { id: item.product_id }, transaction });
      }
      await reservation.update({ status: 'released', released_at: new Date() }, { transaction });
      return { outcome: 'released', reservation: toView(reservation, held) };
    },
    TRANSACTION,
  );
}

/** SELECT … FOR UPDATE of the items' products, in ascending id order. */
async function lockProducts(
  { Product }: ProductModels,
  items: Array<{ product_id: number }>,
  transaction: Transaction,
): Promise<Map<number, Product>> {
  const ids = [...new Set(items.map((i) => i.product_id))].sort((a, b) => a - b);
  const rows = await Product.findAll({ where: { id: ids }, order: [['id', 'ASC']], lock: transaction.LOCK.UPDATE, transaction });
  return new Map(rows.map((p) => [p.id, p]));
}

function sameItems(held: ReservationItem[], wanted: RequestedItem[]): boolean {
  const heldQuantities = new Map(held.map((i) => [i.product_id, i.quantity]));
  return held.length === wanted.length && wanted.every((w) => heldQuantities.get(w.product_id) === w.quantity);
}

function productNotFound(productId: number): HttpError {
  return new HttpError(404, `Product ${productId} not found`, { product_id: productId }, 'not_found');
}

function insufficientStock(product: Product, requested: number): HttpError {
  return conflict(
    `Not enough stock for ${product.name}: ${requested} requested, ${product.stock} available`,
    { product_id: product.id, name: product.name, requested, available: product.stock },
    'out_of_stock',
  );
}

export function isInsufficientStock(err: unknown): err is HttpError {
  return err instanceof HttpError && err.reason === 'out_of_stock';
}

function toView(reservation: Reservation, items: ReservationItem[]): ReservationView {
  const lines = [...items]
    .sort((a, b) => a.product_id - b.product_id)
    .map(({ product_id, name, quantity, unit_price_cents }) => ({ product_id, name, quantity, unit_price_cents }));
  return {
    order_ref: reservation.order_ref,
    status: reservation.status,
    items: lines,
    total_cents: lines.reduce((sum, line) => sum + line.quantity * line.unit_price_cents, 0),
    currency: 'EUR',
  };
}
