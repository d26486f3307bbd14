import {
  type CreationOptional,
  DataTypes,
  type ForeignKey,
  type InferAttributes,
  type InferCreationAttributes,
  Model,
  type NonAttribute,
  type Sequelize,
} from 'sequelize';

/** An account. `password_hash` never leaves this service: see `toPublicUser` (domain/views.ts). */
export class User extends Model<InferAttributes<User>, InferCreationAttributes<User>> {
  declare id: CreationOptional<number>;
  declare username: string;
  declare email: string;
  declare password_hash: string;
  declare first_name: string;
  declare last_name: string;
  declare is_admin: CreationOptional<boolean>;
  declare created_at: CreationOptional<Date>;
  declare updated_at: CreationOptional<Date>;
}

/**
 * An API key handed out at login. Only its SHA-256 is stored, so a copy of the database
 * does not let anyone act as a user; revoking (logout) keeps the row for auditing. A key
 * works until `expires_at` (login + API_KEY_TTL_SECONDS); a day later the row is deleted.
 */
export class ApiKey extends Model<InferAttributes<ApiKey>, InferCreationAttributes<ApiKey>> {
  declare id: CreationOptional<number>;
  declare user_id: ForeignKey<User['id']>;
  declare key_hash: string;
  declare created_at: CreationOptional<Date>;
  declare last_used_at: Date | null;
  declare revoked_at: Date | null;
  declare expires_at: Date;
  /** Loaded with `include: 'user'` when authenticating. */
  declare user?: NonAttribute<User>;
}

export interface UserModels {
  User: typeof User;
  ApiKey: typeof ApiKey;
}

/** Binds the models to this process's Sequelize instance (the tables come from migrations.ts). */
export function initModels(sequelize: Sequelize): UserModels {
  User.init(
    {
      id: { type: DataTypes.INTEGER.UNSIGNED, autoIncrement: true, primaryKey: true },
      username: { type: DataTypes.STRING(32), allowNull: false, unique: 'users_username_unique' },
      email: { type: DataTypes.STRING(254), allowNull: false, unique: 'users_email_unique' },
      password_hash: { type: DataTypes.STRING(255), allowNull: false },
      first_name: { type: DataTypes.STRING(100), allowNull: false },
      last_name: { type: DataTypes.STRING(100), allowNull: false },
      is_admin: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: false },
      created_at: DataTypes.DATE(3),
      updated_at: DataTypes.DATE(3),
    },
    // Timestamps keep their column names as attribute names, as the API shows them.
    { sequelize, tableName: 'users', createdAt: 'created_at', updatedAt: 'updated_at' },
  );
  ApiKey.init(
    {
      id: { type: DataTypes.INTEGER.UNSIGNED, autoIncrement: true, primaryKey: true },
      key_hash: { type: DataTypes.CHAR(64), allowNull: false, unique: 'api_keys_key_hash_unique' },
      created_at: DataTypes.DATE(3),
      last_used_at: { type: DataTypes.DATE(3), allowNull: true },
      revoked_at: { type: DataTypes.DATE(3), allowNull: true },
      expires_at: { type: DataTypes.DATE(3), allowNull: false },
    },
    { sequelize, tableName: 'api_keys', createdAt: 'created_at', updatedAt: false },
  );
  User.hasMany(ApiKey, { foreignKey: 'user_id', as: 'api_keys' });
  ApiKey.belongsTo(User, { foreignKey: 'user_id', as: 'user' });
  return { User, ApiKey };
}
