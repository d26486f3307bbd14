import { type Migration, TABLE_OPTIONS, timestampColumn } from '@shopscope/common';
import { DataTypes } from 'sequelize';
import { ORDER_STATUSES } from './models';

/**
 * Versioned schema changes, applied in name order at start-up under a named lock.
 * Never edit a migration that has shipped: add a new one.
 */
export const migrations: Migration[] = [
  {
    name: '0001-create-orders',
    async up({ context: qi }) {
      await qi.createTable(
        'orders',
        {
          id: { type: DataTypes.INTEGER.UNSIGNED, autoIncrement: true, primaryKey: true },
          user_id: { type: DataTypes.INTEGER.UNSIGNED, allowNull: false },
          status: { type: DataTypes.ENUM(...ORDER_STATUSES), allowNull: false, defaultValue: 'open' },
          open_user_id: { type: DataTypes.INTEGER.UNSIGNED, allowNull: true },
          total_cents: { type: DataTypes.INTEGER.UNSIGNED, allowNull: false, defaultValue: 0 },
          item_count: { type: DataTypes.INTEGER.UNSIGNED, allowNull: false, defaultValue: 0 },
          currency: { type: DataTypes.CHAR(3), allowNull: false, defaultValue: 'EUR' },
          placed_at: { type: DataTypes.DATE(3), allowNull: true },
          created_at: timestampColumn(),
          updated_at: timestampColumn(),
        },
        TABLE_OPTIONS,
      );
      // open_user_id is user_id while the order is a cart and NULL once placed; unique (with
      // any number of NULLs allowed) it guarantees at most one cart per user, even under races.
      await qi.addIndex('orders', ['open_user_id'], { name: 'orders_one_cart_per_user', unique: true });
      // Order history: a user's placed orders, newest first.
      await qi.addIndex('orders', ['user_id', 'status', 'placed_at'], { name: 'orders_history' });
    },
    async down({ context: qi }) {
      await qi.dropTable('orders');
    },
  },
  {
    name: '0002-create-order-items',
    async up({ context: qi }) {
      await qi.createTable(
        'order_items',
        {
          id: { type: DataTypes.INTEGER.UNSIGNED, autoIncrement: true, primaryKey: true },
          order_id: {
            type: DataTypes.INTEGER.UNSIGNED,
            allowNull: false,
            references: { model: 'orders', key: 'id' },
            onDelete: 'CASCADE',
          },
          product_id: { type: DataTypes.INTEGER.UNSIGNED, allowNull: false },
          name: { type: DataTypes.STRING(200), allowNull: false },
          unit_price_cents: { type: DataTypes.INTEGER.UNSIGNED, allowNull: false },
          quantity: { type: DataTypes.INTEGER.UNSIGNED, allowNull: false },
          created_at: timestampColumn(),
          updated_at: timestampColumn(),
        },
        TABLE_OPTIONS,
      );
      // One line per product: adding a product again increases the line's quantity.
      await qi.addIndex('order_items', ['order_id', 'product_id'], {
        name: 'order_items_one_line_per_product',
        unique: true,
      });
    },
    async down({ context: qi }) {
      await qi.dropTable('order_items');
    },
  },
  {
    // A total above 4,294,967,295 cents (€42.9M) overflowed INT UNSIGNED: every checkout of
    // such a cart answered 500, so it could never be placed. Line totals and cart totals are never stored (they are
    // computed from unit prices, which stay INT UNSIGNED like product-service's prices).
    name: '0003-widen-order-total',
    async up({ context: qi }) {
      await qi.changeColumn('orders', 'total_cents', {
        type: DataTypes.BIGINT.UNSIGNED,
        allowNull: false,
        defaultValue: 0,
      });
    },
    async down({ context: qi }) {
      await qi.changeColumn('orders', 'total_cents', {
        type: DataTypes.INTEGER.UNSIGNED,
        allowNull: false,
        defaultValue: 0,
      });
    },
  },
];
