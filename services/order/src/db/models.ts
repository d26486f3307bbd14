import {
  type CreationOptional,
  DataTypes,
  type InferAttributes,
  type InferCreationAttributes,
  Model,
  type NonAttribute,
  type Sequelize,
} from 'sequelize';

/**
 * An order's life: `open` (the user's cart) → `pending` (a checkout holds it while stock is
 * reserved) → `placed`. A failed checkout puts it back to `open`.
 */
export const ORDER_STATUSES = ['open', 'pending', 'placed'] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

/** Largest quantity of one product in one cart line. */
export const MAX_LINE_QUANTITY = 1000;
/** Most distinct products in one cart: bounds the product-service lookups and reservations. */
export const MAX_CART_LINES = 50;
/**
 * Largest order total, in cents, that checkout accepts: the largest integer a JS number
 * holds exactly (2^53 − 1, about €90 trillion). `orders.total_cents` is BIGINT UNSIGNED
 * (up to 2^64 − 1), so the column is never the limit. With product-service's bounds (a price
 * of at most 10,000,000 cents) a cart can reach only MAX_CART_LINES × MAX_LINE_QUANTITY ×
 * 10,000,000 = 5 × 10^11 cents (€5 billion): the limit is a guard should those bounds change.
 */
export const MAX_ORDER_TOTAL_CENTS = Number.MAX_SAFE_INTEGER;

export class Order extends Model<InferAttributes<Order>, InferCreationAttributes<Order>> {
  declare id: CreationOptional<number>;
  declare user_id: number;
  declare status: CreationOptional<OrderStatus>;
  /**
   * Equal to user_id while the order is the user's cart (open or pending), NULL once placed.
   * Its unique index is what guarantees one cart per user (MySQL allows many NULLs).
   */
  declare open_user_id: number | null;
  /** Set when the order is placed; a cart's totals are computed from current prices instead. */
  declare total_cents: CreationOptional<number>;
  declare item_count: CreationOptional<number>;
  declare currency: CreationOptional<string>;
  declare placed_at: CreationOptional<Date | null>;
  declare created_at: CreationOptional<Date>;
  declare updated_at: CreationOptional<Date>;

  declare items?: NonAttribute<OrderItem[]>;
}

export class OrderItem extends Model<InferAttributes<OrderItem>, InferCreationAttributes<OrderItem>> {
  declare id: CreationOptional<number>;
  declare order_id: number;
  declare product_id: number;
  /** Name and price when added; overwritten with the reservation's snapshot at checkout. */
  declare name: string;
  declare unit_price_cents: number;
  declare quantity: number;
  declare created_at: CreationOptional<Date>;
  declare updated_at: CreationOptional<Date>;
}

export interface OrderModels {
  Order: typeof Order;
  OrderItem: typeof OrderItem;
}

/** Binds the models to this service's Sequelize instance (the columns match migrations.ts). */
export function initModels(sequelize: Sequelize): OrderModels {
  const timestamps = { createdAt: 'created_at', updatedAt: 'updated_at' } as const;
  Order.init(
    {
      id: { type: DataTypes.INTEGER.UNSIGNED, autoIncrement: true, primaryKey: true },
      user_id: { type: DataTypes.INTEGER.UNSIGNED, allowNull: false },
      status: { type: DataTypes.ENUM(...ORDER_STATUSES), allowNull: false, defaultValue: 'open' },
      open_user_id: { type: DataTypes.INTEGER.UNSIGNED, allowNull: true },
      // BIGINT since migration 0003. mysql2 (as Sequelize configures it) returns a BIGINT as a
      // number when it is a safe integer, which checkout guarantees (MAX_ORDER_TOTAL_CENTS);
      // the getter keeps the attribute a number even if a string ever came back.
      total_cents: {
        type: DataTypes.BIGINT.UNSIGNED,
        allowNull: false,
        defaultValue: 0,
        get(this: Order) {
          const raw: unknown = this.getDataValue('total_cents');
          return typeof raw === 'string' ? Number(raw) : (raw as number);
        },
      },
      item_count: { type: DataTypes.INTEGER.UNSIGNED, allowNull: false, defaultValue: 0 },
      currency: { type: DataTypes.CHAR(3), allowNull: false, defaultValue: 'EUR' },
      placed_at: { type: DataTypes.DATE(3), allowNull: true },
      created_at: DataTypes.DATE(3),
      updated_at: DataTypes.DATE(3),
    },
    { sequelize, tableName: 'orders', ...timestamps },
  );
  OrderItem.init(
    {
      id: { type: DataTypes.INTEGER.UNSIGNED, autoIncrement: true, primaryKey: true },
      order_id: { type: DataTypes.INTEGER.UNSIGNED, allowNull: false },
      product_id: { type: DataTypes.INTEGER.UNSIGNED, allowNull: false },
      name: { type: DataTypes.STRING(200), allowNull: false },
      unit_price_cents: { type: DataTypes.INTEGER.UNSIGNED, allowNull: false },
      quantity: { type: DataTypes.INTEGER.UNSIGNED, allowNull: false },
      created_at: DataTypes.DATE(3),
      updated_at: DataTypes.DATE(3),
    },
    { sequelize, tableName: 'order_items', ...timestamps },
  );
  Order.hasMany(OrderItem, { as: 'items', foreignKey: 'order_id' });
  return { Order, OrderItem };
}
