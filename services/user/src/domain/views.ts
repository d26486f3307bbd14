import type { PublicUser } from '@shopscope/contracts';
import type { User } from '../db/models';

/** The user as every API answer shows it (@shopscope/contracts `PublicUser`): no password hash, no key. */
export function toPublicUser(user: User): PublicUser {
  return {
    id: user.id,
    username: user.username,
    email: user.email,
    first_name: user.first_name,
    last_name: user.last_name,
    is_admin: Boolean(user.is_admin),
    created_at: user.created_at.toISOString(),
  };
}
