import {
  type CreationOptional,
  DataTypes,
  type ForeignKey,
  type InferAttributes,
  type InferCreationAttributes,
  Model,
  type Sequelize,
} from 'sequelize';

/** A catalogue entry. Prices are integer cents; `stock` can never go below zero (UNSIGNED). */
export class Product extends Model<InferAttributes<Product>, InferCreationAttributes<Product>> {
  declare id: CreationOptional<number>;
  declare name: string;
  declare slug: string;
  declare description: string;
  declare price_cents: number;
  declare currency: CreationOptional<string>;
  declare stock: number;
  declare image: string;
  declare created_at: CreationOptional<Date>;
  declare updated_at: CreationOptional<Date>;
}

/**
 * - `reserved`: the stock is held, until `expires_at` unless confirmed;
 * - `confirmed`: order-service got the answer and is placing the order: held until released;
 * - `released`: given back by order-service (a failed or replaced checkout);
 * - `expired`: never confirmed, given back by the sweeper once `expires_at` had passed.
 * A `released` or `expired` order_ref can be reserved again.
 */
export type ReservationStatus = 'reserved' | 'confirmed' | 'released' | 'expired';

/**
 * Stock held for one order, keyed by the caller's `order_ref` so that a retried request
 * finds the reservation it already made instead of taking the stock twice.
 */
export class Reservation extends Model<InferAttributes<Reservation>, InferCreationAttributes<Reservation>> {
  declare order_ref: string;
  declare status: ReservationStatus;
  /** When an unconfirmed hold gives its stock back; null once confirmed (and for holds older than expiry). */
  declare expires_at: Date | null;
  /** When the stock went back (released or expired). */
  declare released_at: Date | null;
  declare created_at: CreationOptional<Date>;
  declare updated_at: CreationOptional<Date>;
}

/** One product line of a reservation, with the name and price as they were when reserved. */
export class ReservationItem extends Model<InferAttributes<ReservationItem>, InferCreationAttributes<ReservationItem>> {
  declare order_ref: ForeignKey<Reservation['order_ref']>;
  declare product_id: ForeignKey<Product['id']>;
  declare name: string;
  declare quantity: number;
  declare unit_price_cents: number;
}

/** Where the web shop serves a product's picture unless one is given (the SVGs ship with the frontend). */
export function imagePathFor(slug: string): string {
  return `/static/images/products/${slug}.svg`;
}

export interface ProductModels {
  Product: typeof Product;
  Reservation: typeof Reservation;
  ReservationItem: typeof ReservationItem;
}

/** Binds the models to this process's Sequelize instance (the tables come from migrations.ts). */
export function initModels(sequelize: Sequelize): ProductModels {
  // Timestamps keep their column names as attribute names.
  const timestamps = { createdAt: 'created_at', updatedAt: 'updated_at' } as const;
  Product.init(
    {
      id: { type: DataTypes.INTEGER.UNSIGNED, autoIncrement: true, primaryKey: true },
      name: { type: DataTypes.STRING(200), allowNull: false },
      slug: { type: DataTypes.STRING(100), allowNull: false, unique: 'products_slug_unique' },
      description: { type: DataTypes.TEXT, allowNull: false },
      price_cents: { type: DataTypes.INTEGER.UNSIGNED, allowNull: false },
      currency: { type: DataTypes.CHAR(3), allowNull: false, defaultValue: 'EUR' },
      stock: { type: DataTypes.INTEGER.UNSIGNED, allowNull: false },
      image: { type: DataTypes.STRING(255), allowNull: false },
      created_at: DataTypes.DATE(3),
      updated_at: DataTypes.DATE(3),
    },
    { sequelize, tableName: 'products', ...timestamps },
  );
  Reservation.init(
    {
      order_ref: { type: DataTypes.STRING(64), primaryKey: true },
      status: { type: DataTypes.STRING(16), allowNull: false },
      expires_at: { type: DataTypes.DATE(3), allowNull: true },
      released_at: { type: DataTypes.DATE(3), allowNull: true },
      created_at: DataTypes.DATE(3),
      updated_at: DataTypes.DATE(3),
    },
    { sequelize, tableName: 'reservations', ...timestamps },
  );
  ReservationItem.init(
    {
      order_ref: { type: DataTypes.STRING(64), primaryKey: true },
      product_id: { type: DataTypes.INTEGER.UNSIGNED, primaryKey: true },
      name: { type: DataTypes.STRING(200), allowNull: false },
      quantity: { type: DataTypes.INTEGER.UNSIGNED, allowNull: false },
      unit_price_cents: { type: DataTypes.INTEGER.UNSIGNED, allowNull: false },
    },
    { sequelize, tableName: 'reservation_items', timestamps: false },
  );
  return { Product, Reservation, ReservationItem };
}
