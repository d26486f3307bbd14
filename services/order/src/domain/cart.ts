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
    return this.priced({ cart, items }, known);
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

    const changed = await this.changeCart(userId, { create: true }, async (cart, items, transaction) => {
      const line = items.find((item) => item.product_id === productId);
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
      if (items.length >= MAX_CART_LINES) {
        throw conflict(`At most ${MAX_CART_LINES} different products per order`, { max: MAX_CART_LINES }, 'cart_limit');
      }
      // The newest line has the highest id: last, as a read of the lines would list it.
      items.push(
        await OrderItem.create({ order_id: cart.id, product_id: productId, quantity, ...latest }, { transaction }),
      );
    });
    businessMetrics.cartItemsAdded.add(quantity);
    // The product was read from the catalogue a moment ago: the answer prices its line with that.
    return this.priced(changed, [product]);
  }

  /** Removes a product's whole line. */
  async removeItem(userId: number, productId: number): Promise<CartView> {
    const changed = await this.changeCart(userId, { create: false }, async (_cart, items, transaction) => {
      const at = items.findIndex((item) => item.product_id === productId);
      const [line] = at >= 0 ? items.splice(at, 1) : [];
      await line?.destroy({ transaction });
      return line !== undefined;
    });
    if (!changed?.value) throw notFound(`Product ${productId} is not in your cart`);
    return this.priced(changed);
  }

  /**
   * Sets the quantity of a product's line (the cart page's quantity field): 0 removes the
   * line. Only a line already in the cart can be changed (404 otherwise), so the catalogue
   * is not asked; `quantity` is at most MAX_LINE_QUANTITY (the route's schema says so).
   */
  async setQuantity(userId: number, productId: number, quantity: number): Promise<CartView> {
    const changed = await this.changeCart(userId, { create: false }, async (_cart, items, transaction) => {
      const at = items.findIndex((item) => item.product_id === productId);
      const line = items[at];
      if (!line) return undefined;
      const previous = line.quantity;
      if (quantity === 0) {
        items.splice(at, 1);
        await line.destroy({ transaction });
      } else {
        await line.update({ quantity }, { transaction });
      }
      return previous;
    });
    if (changed?.value === undefined) throw notFound(`Product ${productId} is not in your cart`);
    const before = changed.value;
    if (quantity > before) businessMetrics.cartItemsAdded.add(quantity - before);
    return this.priced(changed);
  }

  /**
   * A cart and its lines priced at current catalogue prices. After a change, the lines are
   * those its transaction read and wrote under the cart's lock, rather than read back (two
   * queries).
   */
  private async priced(
    { cart, items }: { cart: Order; items: OrderItem[] },
    known: CatalogProduct[] = [],
  ): Promise<CartView> {
    const catalogue = new Map(known.map((product) => [product.id, product]));
    const unknown = items.map((item) => item.product_id).filter((id) => !catalogue.has(id));
    for (const [id, product] of await this.products.findMany(unknown)) catalogue.set(id, product);
    return cartView(cart, items, catalogue);
  }

  /**
   * Runs `change` in a transaction holding the lock on the user's cart row, with the cart's
   * lines read under it in the order they were added (one query: the line to change, the
   * number of lines and the answer's lines at once); `change` keeps that list in step with
   * what it writes. Resolves to undefined when there is no cart and `create` is false.
   *
   * With `create`, a missing cart is inserted in the same transaction: under READ COMMITTED
   * (every connection's isolation level, common/src/db.ts) the locking read of a missing
   * cart takes no gap lock, so shoppers creating their carts at the same moment do not
   * deadlock. Two requests of the same shopper creating one: the second waits on the unique
   * `open_user_id`, then either loses (a UniqueConstraintError: the transaction is run again
   * and finds the winner's cart) or, if it locked the cart first, simply finds it. (Under
   * REPEATABLE READ, that locking read took a gap lock; new carts have neighbouring ids, so
   * shoppers adding their first items at the same moment held gap locks over the same gap
   * of order_items' index and their inserts deadlocked one another.)
   */
  private changeCart<T>(userId: number, options: { create: true }, change: CartChange<T>): Promise<ChangedCart<T>>;
  private changeCart<T>(
    userId: number,
    options: { create: false },
    change: CartChange<T>,
  ): Promise<ChangedCart<T> | undefined>;
  private async changeCart<T>(
    userId: number,
    { create }: { create: boolean },
    change: CartChange<T>,
  ): Promise<ChangedCart<T> | undefined> {
    return transactionWithRetry(
      this.sequelize,
      async (transaction) => {
        let cart = await Order.findOne({
          where: { open_user_id: userId },
          lock: transaction.LOCK.UPDATE,
          transaction,
        });
        let items: OrderItem[] = [];
        if (!cart) {
          if (!create) return undefined;
          cart = await Order.create({ user_id: userId, open_user_id: userId }, { transaction });
        } else {
          if (cart.status !== 'open') {
            throw conflict(
              'A checkout of this cart is in progress; try again in a moment',
              undefined,
              'already_in_progress',
            );
          }
          items = await OrderItem.findAll({
            where: { order_id: cart.id },
            order: [['id', 'ASC']],
            lock: transaction.LOCK.UPDATE,
            transaction,
          });
        }
        return { cart, items, value: await change(cart, items, transaction) };
      },
      { retryIf: (err) => err instanceof UniqueConstraintError },
    );
  }
}

/** A change to a cart's lines, inside the transaction that holds its lock; keeps `items` in step with what it writes. */
type CartChange<T> = (cart: Order, items: OrderItem[], transaction: Transaction) => Promise<T>;

/** A cart after a change: the cart row, its lines as the change left them, and what the change returned. */
interface ChangedCart<T> {
  cart: Order;
  items: OrderItem[];
  value: T;
}
