/**
 * Bounded waiting: `until` polls a probe until it answers or a deadline passes, and stops at
 * once when `fatal` reports a reason (a process of the stack died); `httpOk` is the usual
 * probe (a 2xx answer within 2 s).
 */

/**
 * Polls `probe` until it returns something other than undefined/false, at most `timeoutMs`.
 * `fatal` is checked first on every round: when it returns a message, polling stops at once.
 */
export async function until<T>(
  what: string,
  probe: () => Promise<T | undefined | false>,
  { timeoutMs, intervalMs = 500, fatal }: { timeoutMs: number; intervalMs?: number; fatal?: () => string | undefined },
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    const dead = fatal?.();
    if (dead) throw new Error(`${what}: ${dead}`);
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() >= deadline) break;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  const why = lastError instanceof Error ? lastError.message : lastError === undefined ? '' : String(lastError);
  throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}${why ? ` (last error: ${why})` : ''}`);
}

/** True when `url` answers 2xx within 2 s (the body is read and dropped). */
export async function httpOk(url: string): Promise<boolean> {
  const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
  await res.arrayBuffer();
  return res.ok;
}
