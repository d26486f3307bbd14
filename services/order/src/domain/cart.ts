import { conflict, notFound, transactionWithRetry } from '@shopscope/common';
import { businessMetrics } from '@shopscope/telemetry';
import type { Sequelize, Transaction } from 'sequelize';
import { QueryTypes, UniqueConstraintError } from 'sequelize';
import type { CatalogProduct, ProductCatalog } from '../clients/products';
import { MAX_CART_LINES, MAX_LINE_QUANTITY, Order, OrderItem } from '../db/models';
import { type CartView, cartView, emptyCartView } from './views';

export interface CartDeps {
  sequelize: Sequelize;
  products: ProductCatalog;
}

/**
 * A user's cart: the one order of theirs whose `open_user_id` is set. Every change locks
 * the cart row first, which serialises it against checkout (which also locks it to move it
 * to `pending`): an item can never slip into a cart whose stock is being reserved.
 */
export class Carts {
  private readonly sequelize: Sequelize;
  private readonly products: ProductCatalog;

  constructor({ sequelize, products }: CartDeps) {
    this.sequelize = sequelize;
    this.products = products;
  }

  /**
   * The cart priced at current catalogue prices: one product-service call for all lines,
   * except those whose product the caller has just read from the catalogue (`known`), and
   * none when that leaves nothing to ask.
   */
  async view(userId: number, known: CatalogProduct[] = []): Promise<CartView> {
    const cart = await Order.findOne({ where: { open_user_id: userId } });
    if (!cart) return emptyCartView();
    const items = await OrderItem.findAll({ where: { order_id: cart.id }, order: [['id', 'ASC']] });
    const catalogue = new Map(known.map((product) => [product.id, product]));
    const unknown = items.map((item) => item.product_id).filter((id) => !catalogue.has(id));
    for (const [id, product] of await this.products.findMany(unknown)) catalogue.set(id, product);
    return cartView(cart, items, catalogue);
  }

  /**
   * How many units the cart holds, without pricing it (no product-service call): one query
   * over the cart's lines, for the web shop's header.
   */
  async count(userId: number): Promise<number> {
    const [row] = await this.sequelize.query<{ units: number | string | null }>(
      'SELECT COALESCE(SUM(i.quantity), 0) AS units FROM order_items AS i JOIN orders AS o ON o.id = i.order_id WHERE o.open_user_id = ?',
      { replacements: [userId], type: QueryTypes.SELECT },
    );
    return Number(row?.units ?? 0);
  }

  /** Adds `quantity` of a product, or raises the quantity of its line if it is already there. */
  async addItem(userId: number, productId: number, quantity: number): Promise<CartView> {
    // Ask the catalogue first: an unknown product is a 404 and the cart is not even created.
    const product = await this.products.find(productId);
    if (!product) throw notFound(`Product ${productId} does not exist`);

    await this.changeCart(userId, { create: true }, async (cart, transaction) => {
      const line = await OrderItem.findOne({
        where: { order_id: cart.id, product_id: productId },
        lock: transaction.LOCK.UPDATE,
        transaction,
      });
      // The name and price are stored as a fallback; the cart view shows the catalogue's current ones.
      const latest = { name: product.name, unit_price_cents: product.price_cents };
      if (line) {
        const total = line.quantity + quantity;
        if (total > MAX_LINE_QUANTITY) {
          throw conflict(
            `At most ${MAX_LINE_QUANTITY} of one product per order (the cart already holds ${line.quantity})`,
            { product_id: productId, in_cart: line.quantity, max: MAX_LINE_QUANTITY },
            'cart_limit',
          );
        }
        await line.update({ ...latest, quantity: total }, { transaction });
        return;
      }
      const lines = await OrderItem.count({ where: { order_id: cart.id }, transaction });
      if (lines >= MAX_CART_LINES) {
        throw conflict(`At most ${MAX_CART_LINES} different products per order`, { max: MAX_CART_LINES }, 'cart_limit');
      }
      await OrderItem.create({ order_id: cart.id, product_id: productId, quantity, ...latest }, { transaction });
    });
    businessMetrics.cartItemsAdded.add(quantity);
    // The product was read from the catalogue a moment ago: the answer prices its line with that.
    return this.view(userId, [product]);
  }

  /** Removes a product's whole line. */
  async removeItem(userId: number, productId: number): Promise<CartView> {
    const removed = await this.changeCart(userId, { create: false }, (cart, transaction) =>
      OrderItem.destroy({ where: { order_id: cart.id, product_id: productId }, transaction }),
    );
    if (!removed) throw notFound(`Product ${productId} is not in your cart`);
    return this.view(userId);
  }

  /**
   * Sets the quantity of a product's line (the cart page's quantity field): 0 removes the
   * line. Only a line already in the cart can be changed (404 otherwise), so the catalogue
   * is not asked; `quantity` is at most MAX_LINE_QUANTITY (the route's schema says so).
   */
  async setQuantity(userId: number, productId: number, quantity: number): Promise<CartView> {
    const before = await this.changeCart(userId, { create: false }, async (cart, transaction) => {
      const line = await OrderItem.findOne({
        where: { order_id: cart.id, product_id: productId },
        lock: transaction.LOCK.UPDATE,
        transaction,
      });
      if (!line) return undefined;
      const previous = line.quantity;
      if (quantity === 0) await line.destroy({ transaction });
      else await line.update({ quantity }, { transaction });
      return previous;
    });
    if (before === undefined) throw notFound(`Product ${productId} is not in your cart`);
    if (quantity > before) businessMetrics.cartItemsAdded.add(quantity - before);
    return this.view(userId);
  }

  /**
   * Runs `change` in a transaction holding the lock on the user's cart row. Creating the cart
   * happens outside that transaction (a locking read of a missing row takes a gap lock, and
   * two such transactions inserting would deadlock); a concurrent creation by another request
   * of the same user simply loses on the unique `open_user_id` and uses the winner's cart.
   * Resolves to undefined when there is no cart and `create` is false.
   *
   * READ COMMITTED (every connection's isolation level, common/src/db.ts): the cart row's
   * lock already serialises every change to its lines, and under REPEATABLE READ the
   * locking read of a line not there yet took a gap lock. New
   * carts have neighbouring ids, so shoppers adding their first items at the same moment
   * held gap locks over the same gap of order_items' index and their inserts deadlocked
   * one another (a few add-to-cart 503s per second under load). READ COMMITTED takes no
   * gap locks for such reads.
   */
  private async changeCart<T>(
    userId: number,
    { create }: { create: boolean },
    change: (cart: Order, transaction: Transaction) => Promise<T>,
  ): Promise<T | undefined> {
    for (let attempt = 1; attempt <= 3; attempt++) {
      const outcome = await transactionWithRetry(this.sequelize, async (transaction) => {
        const cart = await Order.findOne({
          where: { open_user_id: userId },
          lock: transaction.LOCK.UPDATE,
          transaction,
        });
        if (!cart) return { found: false as const };
        if (cart.status !== 'open') {
          throw conflict(
            'A checkout of this cart is in progress; try again in a moment',
            undefined,
            'already_in_progress',
          );
        }
        return { found: true as const, value: await change(cart, transaction) };
      });
      if (outcome.found) return outcome.value;
      if (!create) return undefined;
      await createCart(userId);
    }
    throw new Error(`could not create a cart for user ${userId}`);
  }
}

/** Inserts an empty cart for the user, unless one appeared meanwhile (the unique index decides). */
async function createCart(userId: number): Promise<void> {
  try {
    await Order.create({ user_id: userId, open_user_id: userId });
  } catch (err) {
    if (!(err instanceof UniqueConstraintError)) throw err;
  }
}
