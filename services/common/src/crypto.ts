import { createHash, randomBytes, scrypt as scryptCallback, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';

const scryptUnbounded = promisify(scryptCallback) as (
  password: string,
  salt: Buffer,
  keylen: number,
  options: { N: number; r: number; p: number; maxmem: number },
) => Promise<Buffer>;

/**
 * At most this many password hashes are computed at once. Each one holds 128·N·r bytes
 * (16 MB) on a libuv thread-pool thread: four concurrent logins took 64 MB and all four
 * pool threads, which also serve DNS lookups. Two keep the memory bounded and leave two
 * threads free; further logins wait their turn (a hash takes a few tens of milliseconds).
 */
const MAX_CONCURRENT_HASHES = 2;
let hashing = 0;
const waiting: Array<() => void> = [];

async function scrypt(...args: Parameters<typeof scryptUnbounded>): Promise<Buffer> {
  if (hashing < MAX_CONCURRENT_HASHES) hashing++;
  else await new Promise<void>((resolve) => waiting.push(resolve)); // a finishing hash hands over its slot
  try {
    return await scryptUnbounded(...args);
  } finally {
    const next = waiting.shift();
    if (next) next();
    else hashing--;
  }
}

/** Compares two strings in constant time (for tokens and keys). */
export function timingSafeEqualStrings(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}

/** A random URL-safe token, e.g. an API key. */
export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/** SHA-256 hex digest: how API keys are stored (they are random, so no salt or stretching is needed). */
export function sha256Hex(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

/**
 * Password hashing with scrypt (memory-hard), in a self-describing format:
 * `scrypt$N$r$p$salt$hash` so parameters can be raised later without breaking old hashes.
 */
const SCRYPT = { N: 16384, r: 8, p: 1, keylen: 32 };

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const { N, r, p, keylen } = SCRYPT;
  const hash = await scrypt(password, salt, keylen, { N, r, p, maxmem: 64 * 1024 * 1024 });
  return ['scrypt', N, r, p, salt.toString('base64'), hash.toString('base64')].join('$');
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !n || !r || !p || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64');
  const actual = await scrypt(password, Buffer.from(salt, 'base64'), expected.length, {
    N: Number(n),
    r: Number(r),
    p: Number(p),
    maxmem: 64 * 1024 * 1024,
  });
  return timingSafeEqual(actual, expected);
}
