import { type Migration, TABLE_OPTIONS, timestampColumn } from '@shopscope/common';
import { DataTypes } from 'sequelize';

/**
 * The user-service schema, one versioned step per change. Applied steps are recorded in
 * `schema_migrations`; never edit a step that has shipped, add a new one. Each step is a
 * single CREATE TABLE (keys inline) because MySQL commits DDL statement by statement: a
 * step of several statements could be left half-done by a crash.
 */
export const migrations: Migration[] = [
  {
    name: '0001-create-users',
    async up({ context: qi }) {
      await qi.createTable(
        'users',
        {
          id: { type: DataTypes.INTEGER.UNSIGNED, autoIncrement: true, primaryKey: true },
          username: { type: DataTypes.STRING(32), allowNull: false },
          email: { type: DataTypes.STRING(254), allowNull: false },
          password_hash: { type: DataTypes.STRING(255), allowNull: false },
          first_name: { type: DataTypes.STRING(100), allowNull: false },
          last_name: { type: DataTypes.STRING(100), allowNull: false },
          is_admin: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: false },
          created_at: timestampColumn(),
          updated_at: timestampColumn(),
        },
        {
          ...TABLE_OPTIONS,
          // The unique keys are what really prevents duplicates when two sign-ups race;
          // the collation makes them case-insensitive ("Alice" and "alice" are one user).
          uniqueKeys: {
            users_username_unique: { fields: ['username'] },
            users_email_unique: { fields: ['email'] },
          },
        },
      );
    },
    async down({ context: qi }) {
      await qi.dropTable('users');
    },
  },
  {
    name: '0002-create-api-keys',
    async up({ context: qi }) {
      await qi.createTable(
        'api_keys',
        {
          id: { type: DataTypes.INTEGER.UNSIGNED, autoIncrement: true, primaryKey: true },
          user_id: {
            type: DataTypes.INTEGER.UNSIGNED,
            allowNull: false,
            references: { model: 'users', key: 'id' },
            onDelete: 'CASCADE',
          },
          key_hash: { type: DataTypes.CHAR(64), allowNull: false },
          created_at: timestampColumn(),
          last_used_at: { type: DataTypes.DATE(3), allowNull: true },
          revoked_at: { type: DataTypes.DATE(3), allowNull: true },
        },
        { ...TABLE_OPTIONS, uniqueKeys: { api_keys_key_hash_unique: { fields: ['key_hash'] } } },
      );
    },
    async down({ context: qi }) {
      await qi.dropTable('api_keys');
    },
  },
  {
    // API keys get a lifetime (domain/accounts.ts sets expires_at at login). One ALTER statement.
    // Keys issued before this step never expired and may have been copied anywhere: they
    // take the default, the time of the upgrade, so they expire with it and their holders
    // sign in again once. The default also means a row inserted without a lifetime is
    // expired from the start (fail closed). The index serves the purge of expired keys.
    name: '0003-api-key-expiry',
    async up({ context: qi }) {
      await qi.sequelize.query(
        'ALTER TABLE api_keys ADD COLUMN expires_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3), ' +
          'ADD INDEX api_keys_expires_at (expires_at)',
      );
    },
    async down({ context: qi }) {
      await qi.sequelize.query('ALTER TABLE api_keys DROP INDEX api_keys_expires_at, DROP COLUMN expires_at');
    },
  },
];
