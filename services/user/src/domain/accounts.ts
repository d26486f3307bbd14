import { conflict, hashPassword, type Logger, randomToken, sha256Hex, verifyPassword } from '@shopscope/common';
import { Op, UniqueConstraintError } from 'sequelize';
import type { ApiKey, User, UserModels } from '../db/models';

/**
 * The account rules of the user-service, kept apart from HTTP so they read as plain steps:
 * register, check a password, hand out and revoke API keys.
 */

export interface Registration {
  username: string;
  email: string;
  password: string;
  first_name: string;
  last_name: string;
}

/**
 * Creates an account; 409 naming the field(s) already taken. The check up front gives a
 * precise message; the unique keys catch the race where two sign-ups pass the check at once.
 */
export async function register({ User }: UserModels, registration: Registration): Promise<User> {
  const { password, ...profile } = registration;
  await assertAvailable(User, profile.username, profile.email);
  const password_hash = await hashPassword(password);
  try {
    return await User.create({ ...profile, password_hash });
  } catch (err) {
    if (!(err instanceof UniqueConstraintError)) throw err;
    await assertAvailable(User, profile.username, profile.email);
    throw takenConflict({ username: false, email: false }); // the clashing row is gone already
  }
}

async function assertAvailable(UserModel: typeof User, username: string, email: string): Promise<void> {
  const existing = await UserModel.findAll({
    where: { [Op.or]: [{ username }, { email }] },
    attributes: ['username', 'email'],
  });
  if (existing.length === 0) return;
  // Compare as the table's collation does (utf8mb4_unicode_ci ignores case and accents).
  const same = (a: string, b: string) => a.localeCompare(b, 'en', { sensitivity: 'base' }) === 0;
  throw takenConflict({
    username: existing.some((u) => same(u.username, username)),
    email: existing.some((u) => same(u.email, email)),
  });
}

function takenConflict(taken: { username: boolean; email: boolean }) {
  const fields: Record<string, string> = {};
  if (taken.username) fields.username = 'is already taken';
  if (taken.email) fields.email = 'is already registered';
  const message =
    taken.username && taken.email
      ? 'Username and email are already in use'
      : taken.username
        ? 'Username is already taken'
        : taken.email
          ? 'Email is already registered'
          : 'Username or email is already in use';
  return conflict(message, { fields }, 'already_exists');
}

/** A hash of a random password, verified against when the user does not exist (see below). */
let decoyHash: Promise<string> | undefined;

/**
 * The user whose password matches, or undefined. An unknown username costs one scrypt as
 * well, so response times do not reveal which usernames exist.
 */
export async function checkCredentials(
  { User }: UserModels,
  username: string,
  password: string,
): Promise<User | undefined> {
  const user = await User.findOne({ where: { username } });
  if (!user) {
    // Not cached when it fails (a full hashing line sheds it): the next login tries again.
    decoyHash ??= hashPassword(randomToken()).catch((err: unknown) => {
      decoyHash = undefined;
      throw err;
    });
    await verifyPassword(password, await decoyHash);
    return undefined;
  }
  return (await verifyPassword(password, user.password_hash)) ? user : undefined;
}

/** An expired key's row is kept this long (its holder still hears "expired"), then deleted. */
export const EXPIRED_KEY_RETENTION_MS = 24 * 60 * 60 * 1000;
/** How often each replica deletes the keys past their retention. */
const PURGE_INTERVAL_MS = 60 * 60 * 1000;
/** Rows deleted per statement, so a purge never holds many locks at once. */
const PURGE_BATCH = 1000;

/**
 * Creates a fresh API key for the user, valid for `lifetimeMs` from now (API_KEY_TTL_SECONDS;
 * an absolute lifetime: using the key does not extend it). The key is returned once; only
 * its SHA-256 is stored.
 */
export async function issueApiKey({ ApiKey }: UserModels, user: User, lifetimeMs: number): Promise<string> {
  const key = randomToken(32);
  await ApiKey.create({
    user_id: user.id,
    key_hash: sha256Hex(key),
    last_used_at: null,
    revoked_at: null,
    expires_at: new Date(Date.now() + lifetimeMs),
  });
  return key;
}

/** True once the key's lifetime is over: it authenticates no more (401, "log in again"). */
export function isApiKeyExpired(apiKey: Pick<ApiKey, 'expires_at'>, now = Date.now()): boolean {
  return apiKey.expires_at.getTime() <= now;
}

/** Deletes the keys (revoked or not) that expired more than a retention period ago; returns how many. */
export async function purgeExpiredApiKeys({ ApiKey }: UserModels, now = Date.now()): Promise<number> {
  const where = { expires_at: { [Op.lt]: new Date(now - EXPIRED_KEY_RETENTION_MS) } };
  let deleted = 0;
  for (;;) {
    const batch = await ApiKey.destroy({ where, limit: PURGE_BATCH });
    deleted += batch;
    if (batch < PURGE_BATCH) return deleted;
  }
}

/**
 * Purges expired keys now and then every hour, in the background (several replicas may
 * purge at once: deleting the same rows twice is harmless). Returns the function that stops it.
 */
export function startApiKeyPurge(models: UserModels, logger: Logger): () => void {
  const purge = () => {
    purgeExpiredApiKeys(models)
      .then((deleted) => {
        if (deleted > 0) logger.info({ deleted }, 'expired API keys deleted');
      })
      .catch((err: unknown) => logger.warn({ err }, 'could not delete expired API keys'));
  };
  purge();
  const timer = setInterval(purge, PURGE_INTERVAL_MS);
  timer.unref();
  return () => clearInterval(timer);
}

/** Revokes one key (logout). Other sessions of the same user keep theirs. */
export async function revokeApiKey({ ApiKey }: UserModels, apiKeyId: number): Promise<void> {
  await ApiKey.update({ revoked_at: new Date() }, { where: { id: apiKeyId, revoked_at: null } });
}
