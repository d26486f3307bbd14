import { createHash, randomBytes, scrypt as scryptCallback, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import { RetryLaterError } from './errors';

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

/**
 * The waiting line is bounded, in length and in time: a flood of logins (600 bad passwords
 * at once) used to queue behind two slots, so an innocent login waited 5–6 s. Now a hash
 * that would join a full line is refused at once, and one that waited `maxWaitMs` without
 * getting a slot is refused then, with a 503 and `Retry-After: 1` (PasswordHashingBusyError).
 * Every login is answered within about a second plus its own hash, flood or not. A hash
 * takes ~50 ms alone and ~80 ms with two at once on a 2-CPU machine, so 16 waiters are about
 * 0.6 s of work: the length bound sheds floods, and absorbs ordinary bursts (the benchmark
 * signs in 4 at a time, the k6 spike a few dozen a second). The time bound is the backstop
 * for a stalled machine, so it is not tight: under k6/load.js's peak in the compose stack
 * every login took under 250 ms, yet a 0.5 s bound once shed a login there (a stall of over
 * half a second, cause not found). Throughput is unchanged: the two slots stay busy as long as anyone waits.
 */
export interface PasswordHashingLimits {
  /** Most hashes waiting for a slot (PASSWORD_HASH_MAX_QUEUE in user-service, default 16). */
  maxQueued: number;
  /** Longest a hash waits for a slot before it is refused (PASSWORD_HASH_MAX_WAIT_MS, default 1000). */
  maxWaitMs: number;
}

export const DEFAULT_PASSWORD_HASHING_LIMITS: Readonly<PasswordHashingLimits> = { maxQueued: 16, maxWaitMs: 1000 };

/** Seconds a client is told to wait (Retry-After) when its password check was shed. */
const BUSY_RETRY_AFTER_SECONDS = 1;

/** The password hashing line is full: a 503 with Retry-After, reason `password_hashing_busy`. */
export class PasswordHashingBusyError extends RetryLaterError {
  constructor() {
    super(503, 'Too many sign-ins at once, try again shortly', BUSY_RETRY_AFTER_SECONDS, 'password_hashing_busy');
    this.name = 'PasswordHashingBusyError';
  }
}

let limits: PasswordHashingLimits = { ...DEFAULT_PASSWORD_HASHING_LIMITS };
let hashing = 0;
interface Waiter {
  grant: () => void;
  timer: NodeJS.Timeout;
}
const waiting: Waiter[] = [];

/** Sets the bounds of the waiting line (services call it once at start-up; tests to shrink it). */
export function configurePasswordHashing(next: Partial<PasswordHashingLimits>): void {
  limits = { ...limits, ...next };
}

/** How many hashes run and wait right now (for tests and diagnostics). */
export function passwordHashingLoad(): { running: number; queued: number } {
  return { running: hashing, queued: waiting.length };
}

/**
 * True when a hash asked for now would be refused (both slots busy and the line full): a
 * login can be shed before it costs a database lookup.
 */
export function passwordHashingFull(): boolean {
  return hashing >= MAX_CONCURRENT_HASHES && waiting.length >= limits.maxQueued;
}

/** Takes a slot, waiting in the bounded line if need be; rejects with PasswordHashingBusyError. */
function acquireSlot(): Promise<void> | undefined {
  if (hashing < MAX_CONCURRENT_HASHES) {
    hashing++;
    return undefined;
  }
  if (waiting.length >= limits.maxQueued) return Promise.reject(new PasswordHashingBusyError());
  return new Promise<void>((resolve, reject) => {
    const waiter: Waiter = {
      grant: () => {
        clearTimeout(waiter.timer);
        resolve();
      },
      // The refusal waits for the loop's poll phase: after a stall of the event loop the
      // timer phase comes first, while a hash that finished during the stall has not yet
      // handed its slot over. A waiter is refused only if no slot came free by then.
      timer: setTimeout(() => {
        setImmediate(() => {
          const index = waiting.indexOf(waiter);
          if (index < 0) return;
          waiting.splice(index, 1);
          reject(new PasswordHashingBusyError());
        });
      }, limits.maxWaitMs),
    };
    waiting.push(waiter);
  });
}

/** A finishing hash hands its slot to the first waiter, or frees it. */
function releaseSlot(): void {
  const next = waiting.shift();
  if (next) next.grant();
  else hashing--;
}

async function scrypt(...args: Parameters<typeof scryptUnbounded>): Promise<Buffer> {
  await acquireSlot();
  try {
    return await scryptUnbounded(...args);
  } finally {
    releaseSlot();
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
