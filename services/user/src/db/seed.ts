import { hashPassword, type Logger } from '@shopscope/common';
import type { UserModels } from './models';

/**
 * The demo account the coursework logs in with. A well-known password is fine for a
 * learning stack on loopback ports; change it before exposing the shop anywhere.
 */
const DEMO_ADMIN = {
  username: 'admin',
  email: 'admin@shopscope.local',
  password: 'admin123',
  first_name: 'Shop',
  last_name: 'Admin',
};

/**
 * Idempotent: creates the demo admin only if no user of that name exists, and never
 * touches an existing one. `migrate` runs this under its named lock, so two replicas do
 * not race here; INSERT IGNORE (`ignoreDuplicates`) still makes a concurrent insert harmless.
 */
export async function seed({ User }: UserModels, logger: Logger): Promise<void> {
  if (await User.findOne({ where: { username: DEMO_ADMIN.username }, attributes: ['id'] })) return;
  const { password, ...profile } = DEMO_ADMIN;
  // `create` sends the values as bound parameters; `bulkCreate` would inline them in the SQL
  // text, which the database spans record (db.query.text): the hash must not be in it.
  await User.create(
    { ...profile, password_hash: await hashPassword(password), is_admin: true },
    { ignoreDuplicates: true },
  );
  logger.info({ username: DEMO_ADMIN.username }, 'demo admin account created');
}
