/**
 * Where the shop may send a browser after login or a language switch. Only paths on this
 * site are accepted: `//evil.example` or `/\evil.example` are protocol-relative URLs to
 * another host, so an open redirect would let a phishing link borrow the shop's name.
 */
export function safeLocalPath(candidate: unknown, fallback = '/'): string {
  if (typeof candidate !== 'string' || candidate.length > 2000) return fallback;
  if (!candidate.startsWith('/') || candidate.startsWith('//') || candidate.startsWith('/\\')) return fallback;
  // Backslashes and control characters (e.g. a decoded newline) have no business in a redirect target.
  if (candidate.includes('\\') || [...candidate].some(isControlCharacter)) return fallback;
  return candidate;
}

function isControlCharacter(char: string): boolean {
  const code = char.charCodeAt(0);
  return code < 0x20 || code === 0x7f;
}

/** `/login?next=…` (plus an optional notice key) for a page that needs a signed-in shopper. */
export function loginPath(next: string, notice?: string): string {
  const params = new URLSearchParams();
  if (notice) params.set('notice', notice);
  if (next !== '/') params.set('next', next);
  const query = params.toString();
  return query ? `/login?${query}` : '/login';
}

/** Adds query parameters to a local path. */
export function withQuery(path: string, params: Record<string, string | number>): string {
  const url = new URL(path, 'http://shop.invalid');
  for (const [key, value] of Object.entries(params)) url.searchParams.set(key, String(value));
  return `${url.pathname}${url.search}`;
}
