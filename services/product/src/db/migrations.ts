import { type Migration, TABLE_OPTIONS, timestampColumn } from '@shopscope/common';
import { DataTypes } from 'sequelize';

/**
 * The product-service schema, one versioned step per change. Applied steps are recorded in
 * `schema_migrations`; never edit a step that has shipped, add a new one. Each step is a
 * single CREATE TABLE (keys inline) because MySQL commits DDL statement by statement: a
 * step of several statements could be left half-done by a crash.
 */
export const migrations: Migration[] = [
  {
    name: '0001-create-products',
    async up({ context: qi }) {
      await qi.createTable(
        'products',
        {
          id: { type: DataTypes.INTEGER.UNSIGNED, autoIncrement: true, primaryKey: true },
          name: { type: DataTypes.STRING(200), allowNull: false },
          slug: { type: DataTypes.STRING(100), allowNull: false },
          description: { type: DataTypes.TEXT, allowNull: false },
          price_cents: { type: DataTypes.INTEGER.UNSIGNED, allowNull: false },
          currency: { type: DataTypes.CHAR(3), allowNull: false, defaultValue: 'EUR' },
          // UNSIGNED: even a bug cannot oversell, the UPDATE would fail instead.
          stock: { type: DataTypes.INTEGER.UNSIGNED, allowNull: false },
          image: { type: DataTypes.STRING(255), allowNull: false },
          created_at: timestampColumn(),
          updated_at: timestampColumn(),
        },
        { ...TABLE_OPTIONS, uniqueKeys: { products_slug_unique: { fields: ['slug'] } } },
      );
    },
    async down({ context: qi }) {
      await qi.dropTable('products');
    },
  },
  {
    name: '0002-create-reservations',
    async up({ context: qi }) {
      await qi.createTable(
        'reservations',
        {
          order_ref: { type: DataTypes.STRING(64), primaryKey: true },
          status: { type: DataTypes.STRING(16), allowNull: false },
          released_at: { type: DataTypes.DATE(3), allowNull: true },
          created_at: timestampColumn(),
          updated_at: timestampColumn(),
        },
        TABLE_OPTIONS,
      );
    },
    async down({ context: qi }) {
      await qi.dropTable('reservations');
    },
  },
  {
    name: '0003-create-reservation-items',
    async up({ context: qi }) {
      await qi.createTable(
        'reservation_items',
        {
          order_ref: {
            type: DataTypes.STRING(64),
            primaryKey: true,
            references: { model: 'reservations', key: 'order_ref' },
            onDelete: 'CASCADE',
          },
          product_id: {
            type: DataTypes.INTEGER.UNSIGNED,
            primaryKey: true,
            references: { model: 'products', key: 'id' },
            onDelete: 'RESTRICT',
          },
          name: { type: DataTypes.STRING(200), allowNull: false },
          quantity: { type: DataTypes.INTEGER.UNSIGNED, allowNull: false },
          unit_price_cents: { type: DataTypes.INTEGER.UNSIGNED, allowNull: false },
        },
        TABLE_OPTIONS,
      );
    },
    async down({ context: qi }) {
      await qi.dropTable('reservation_items');
    },
  },
  {
    // Hold expiry: a hold that is taken but never confirmed gives its stock back once
    // `expires_at` has passed. One ALTER (column and the sweeper's index together), so the
    // step is applied whole or not at all. Holds taken before this step keep NULL: they
    // belong to orders that were placed, and never expire.
    name: '0004-reservation-expiry',
    async up({ context: qi }) {
      await qi.sequelize.query(
        'ALTER TABLE reservations ADD COLUMN expires_at DATETIME(3) NULL AFTER status, ' +
          'ADD INDEX reservations_status_expires_at (status, expires_at)',
      );
    },
    async down({ context: qi }) {
      await qi.sequelize.query(
        'ALTER TABLE reservations DROP INDEX reservations_status_expires_at, DROP COLUMN expires_at',
      );
    },
  },
];
