import { conflict, HttpError, transactionWithRetry } from '@shopscope/common';
import { Op, type Sequelize, type Transaction, UniqueConstraintError } from 'sequelize';
import type { Reservation as PublicReservation } from '@shopscope/contracts';
import type { Product, ProductModels, Reservation, ReservationItem } from '../db/models';

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
 * - Holds expire unless confirmed: a new hold is `reserved` until `expires_at` (the TTL
 *   from now). order-service confirms it as soon as it has the answer (`confirm`); a hold
 *   nobody confirmed (the answer was lost, the caller died, its release failed) is given
 *   back by `expire`, run by the sweeper, under the same locks as a release. Confirm,
 *   release and expire all lock the reservation row first and re-read its status, so
 *   whichever comes second sees what the first did: a hold is given back at most once, and
 *   a confirmed hold never expires.
 *
 * READ COMMITTED (every connection's isolation level, common/src/db.ts): plain reads see
 * the latest committed rows, and a locking read of an order_ref that does not exist yet
 * takes no gap lock (under REPEATABLE READ two new reservations would lock the same gap
 * and deadlock on their inserts).
 */

export interface RequestedItem {
  product_id: number;
  quantity: number;
}

/** The public shape of a reservation (@shopscope/contracts). */
export type ReservationView = PublicReservation;

/** How a request (or an expiry) ended, as counted by the `shopscope.stock.reservations` metric. */
export type ReservationOutcome = 'reserved' | 'replayed' | 'confirmed' | 'released' | 'expired';

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
 * existing reservation (reserved or confirmed) and takes nothing more, nor extends its
 * expiry; different items under an active reservation are a 409 (release it first). A
 * released or expired `orderRef` can be reserved again, e.g. when a checkout that failed
 * after reserving is retried. A new hold expires `holdForMs` from now unless confirmed.
 */
export async function reserve(
  sequelize: Sequelize,
  models: ProductModels,
  orderRef: string,
  requested: RequestedItem[],
  holdForMs: number,
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
      const expiresAt = new Date(Date.now() + holdForMs);
      if (reservation === null) {
        reservation = await Reservation.create(
          { order_ref: orderRef, status: 'reserved', expires_at: expiresAt, released_at: null },
          { transaction },
        );
      } else if (isHeld(reservation)) {
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
        await reservation.update({ status: 'reserved', expires_at: expiresAt, released_at: null }, { transaction });
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
      // Two first requests for one order_ref both found no row and both inserted it: the
      // second insert waited for the first transaction, then failed on the primary key.
      // Run again: this time it finds the reservation and answers it as a replay.
      retryIf: (err) => err instanceof UniqueConstraintError,
    },
  );
}

/**
 * Confirms a hold: it keeps its stock until released and never expires. Idempotent (a
 * second confirm answers 'replayed'). 404 for an order_ref never reserved; 409
 * `reservation_not_held` when the hold was already released or expired (its stock may be
 * sold by now: reserve again).
 */
export async function confirm(
  sequelize: Sequelize,
  models: ProductModels,
  orderRef: string,
): Promise<ReservationResult> {
  const { Reservation, ReservationItem } = models;
  return transactionWithRetry(sequelize, async (transaction) => {
    // The reservation row only: the sweeper and release lock it first too, so they wait.
    const reservation = await Reservation.findByPk(orderRef, { transaction, lock: transaction.LOCK.UPDATE });
    if (reservation === null) throw noReservation(orderRef);
    const held = await ReservationItem.findAll({ where: { order_ref: orderRef }, transaction });
    if (reservation.status === 'confirmed') return { outcome: 'replayed', reservation: toView(reservation, held) };
    if (reservation.status !== 'reserved') {
      throw conflict(
        `The reservation for order reference ${orderRef} was ${reservation.status}; reserve again`,
        { order_ref: orderRef, status: reservation.status },
        'reservation_not_held',
      );
    }
    await reservation.update({ status: 'confirmed', expires_at: null }, { transaction });
    return { outcome: 'confirmed', reservation: toView(reservation, held) };
  });
}

/**
 * Puts a reservation's stock back, once: a second release changes nothing and answers
 * the released reservation again ('replayed'), as does the release of an expired hold.
 * 404 for an order_ref never reserved.
 */
export async function release(
  sequelize: Sequelize,
  models: ProductModels,
  orderRef: string,
): Promise<ReservationResult> {
  const { Reservation, ReservationItem } = models;
  return transactionWithRetry(sequelize, async (transaction) => {
    const reservation = await Reservation.findByPk(orderRef, { transaction, lock: transaction.LOCK.UPDATE });
    if (reservation === null) throw noReservation(orderRef);
    const held = await ReservationItem.findAll({ where: { order_ref: orderRef }, transaction });
    if (!isHeld(reservation)) return { outcome: 'replayed', reservation: toView(reservation, held) };
    await giveBack(models, reservation, held, 'released', transaction);
    return { outcome: 'released', reservation: toView(reservation, held) };
  });
}

/**
 * Up to `limit` order_refs of unconfirmed holds whose `expires_at` is at or before `now`,
 * oldest first (a plain read on the (status, expires_at) index: `expire` re-checks each
 * one under its lock).
 */
export async function dueHolds({ Reservation }: ProductModels, now: Date, limit: number): Promise<string[]> {
  const rows = await Reservation.findAll({
    attributes: ['order_ref'],
    where: { status: 'reserved', expires_at: { [Op.lte]: now } },
    order: [['expires_at', 'ASC']],
    limit,
  });
  return rows.map((row) => row.order_ref);
}

/**
 * Gives an unconfirmed, expired hold's stock back (status `expired`), exactly like a
 * release and under the same locks. Undefined when, once locked, the hold turns out to be
 * confirmed, released, re-reserved with a later expiry or gone: someone got there first.
 */
export async function expire(
  sequelize: Sequelize,
  models: ProductModels,
  orderRef: string,
  now: Date,
): Promise<ReservationResult | undefined> {
  const { Reservation, ReservationItem } = models;
  return transactionWithRetry(sequelize, async (transaction) => {
    const reservation = await Reservation.findByPk(orderRef, { transaction, lock: transaction.LOCK.UPDATE });
    if (reservation === null || reservation.status !== 'reserved') return undefined;
    if (reservation.expires_at === null || reservation.expires_at.getTime() > now.getTime()) return undefined;
    const held = await ReservationItem.findAll({ where: { order_ref: orderRef }, transaction });
    await giveBack(models, reservation, held, 'expired', transaction);
    return { outcome: 'expired', reservation: toView(reservation, held) };
  });
}

/** Whether a reservation still holds its stock. */
function isHeld(reservation: Reservation): boolean {
  return reservation.status === 'reserved' || reservation.status === 'confirmed';
}

/** Puts the held stock back and closes the reservation (its row already locked). */
async function giveBack(
  models: ProductModels,
  reservation: Reservation,
  held: ReservationItem[],
  status: 'released' | 'expired',
  transaction: Transaction,
): Promise<void> {
  // Same lock order as reserve: reservation row (held), then products by id.
  await lockProducts(models, held, transaction);
  for (const item of held) {
    await models.Product.increment('stock', { by: item.quantity, where: { id: item.product_id }, transaction });
  }
  await reservation.update({ status, expires_at: null, released_at: new Date() }, { transaction });
}

function noReservation(orderRef: string): HttpError {
  return new HttpError(404, `No reservation for order reference ${orderRef}`, { order_ref: orderRef }, 'not_found');
}

/** SELECT … FOR UPDATE of the items' products, in ascending id order. */
async function lockProducts(
  { Product }: ProductModels,
  items: Array<{ product_id: number }>,
  transaction: Transaction,
): Promise<Map<number, Product>> {
  const ids = [...new Set(items.map((i) => i.product_id))].sort((a, b) => a - b);
  const rows = await Product.findAll({
    where: { id: ids },
    order: [['id', 'ASC']],
    lock: transaction.LOCK.UPDATE,
    transaction,
  });
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
