/**
 * A minimal browser for HTTP-level tests of the web shop: a cookie jar, form posts with
 * the page's CSRF token, manual redirects (so tests can assert each hop), helpers to read
 * server-rendered HTML with regular expressions, and the shopper's usual steps.
 */
import assert from 'node:assert/strict';

export interface WebPage {
  status: number;
  headers: Headers;
  html: string;
  /** Redirect target (path and query) for 3xx answers. */
  location: string | undefined;
}

interface StoredCookie {
  value: string;
  attributes: string;
}

export class WebClient {
  readonly cookies = new Map<string, StoredCookie>();
  readonly baseUrl: string;

  constructor(baseUrl: string) {
    this.baseUrl = baseUrl;
  }

  get(path: string, headers: Record<string, string> = {}): Promise<WebPage> {
    return this.request('GET', path, undefined, headers);
  }

  /** Posts a form as a browser would (form-encoded, the jar's cookies, no redirect following). */
  post(path: string, fields: Record<string, string>): Promise<WebPage> {
    return this.request('POST', path, new URLSearchParams(fields).toString());
  }

  /** Loads `pagePath`, then posts `fields` to `action` with the CSRF token that page carries. */
  async submit(pagePath: string, action: string, fields: Record<string, string> = {}): Promise<WebPage> {
    const page = await this.get(pagePath);
    return this.post(action, { _csrf: csrfToken(page.html), ...fields });
  }

  /** Follows redirects from `page` until a non-redirect answer. */
  async follow(page: WebPage, maxHops = 5): Promise<WebPage> {
    let current = page;
    for (let hop = 0; hop < maxHops && current.location; hop++) current = await this.get(current.location);
    return current;
  }

  cookie(name: string): StoredCookie | undefined {
    return this.cookies.get(name);
  }

  private async request(
    method: string,
    path: string,
    body: string | undefined,
    extraHeaders: Record<string, string> = {},
  ): Promise<WebPage> {
    const headers: Record<string, string> = { accept: 'text/html', ...extraHeaders };
    if (body !== undefined) headers['content-type'] = 'application/x-www-form-urlencoded';
    const jar = [...this.cookies].map(([name, cookie]) => `${name}=${cookie.value}`).join('; ');
    if (jar) headers.cookie = jar;
    const res = await fetch(`${this.baseUrl}${path}`, { method, headers, body, redirect: 'manual' });
    for (const line of res.headers.getSetCookie()) this.store(line);
    const location = res.headers.get('location') ?? undefined;
    return { status: res.status, headers: res.headers, html: await res.text(), location };
  }

  private store(setCookie: string): void {
    const [pair = '', ...attributes] = setCookie.split(';');
    const index = pair.indexOf('=');
    const name = pair.slice(0, index).trim();
    const value = pair.slice(index + 1).trim();
    const attributeText = attributes.join(';');
    const expires = /expires=([^;]+)/i.exec(attributeText)?.[1];
    const expired = /max-age=0/i.test(attributeText) || (expires !== undefined && Date.parse(expires) < Date.now());
    if (expired || value === '') this.cookies.delete(name);
    else this.cookies.set(name, { value, attributes: attributeText });
  }
}

/** The CSRF token of the first form on the page. */
export function csrfToken(html: string): string {
  const token = /name="_csrf" value="([^"]+)"/.exec(html)?.[1];
  if (!token) throw new Error('no CSRF token on the page');
  return token;
}

/** The page's visible text: tags removed, entities decoded, all spaces (incl. U+00A0, U+202F) as one. */
export function pageText(html: string): string {
  return decodeEntities(
    html
      .replace(/<script[\s\S]*?<\/script>/gi, ' ')
      .replace(/<style[\s\S]*?<\/style>/gi, ' ')
      .replace(/<[^>]+>/g, ' '),
  )
    .replace(/[\s\u00a0\u202f]+/g, ' ')
    .trim();
}

export function decodeEntities(text: string): string {
  return text
    .replace(/&#(\d+);/g, (_, code: string) => String.fromCodePoint(Number(code)))
    .replace(/&#x([0-9a-f]+);/gi, (_, code: string) => String.fromCodePoint(Number.parseInt(code, 16)))
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/** Every match of the first capture group of `pattern` (which must have the g flag). */
export function allMatches(html: string, pattern: RegExp): string[] {
  return [...html.matchAll(pattern)].map((m) => decodeEntities(m[1] ?? ''));
}

/** The text of the first element matching `data-testid="…"`. */
export function testIdText(html: string, testId: string): string | undefined {
  const match = new RegExp(`data-testid="${testId}"[^>]*>([\\s\\S]*?)<`).exec(html);
  return match ? pageText(match[1] ?? '') : undefined;
}

/** Euros from integer cents as each language shows them (spaces normalised as in `pageText`). */
export function euros(cents: number, language: 'en' | 'fr'): string {
  const locale = language === 'fr' ? 'fr-FR' : 'en-GB';
  return new Intl.NumberFormat(locale, { style: 'currency', currency: 'EUR' })
    .format(cents / 100)
    .replace(/[\s\u00a0\u202f]+/g, ' ');
}

export const SHOPPER_PASSWORD = 'correct-horse-42';

/** Registers through the pages (which signs the shopper in); returns the client holding the session. */
export async function signedInShopper(baseUrl: string, username: string): Promise<WebClient> {
  const client = new WebClient(baseUrl);
  const registered = await client.submit('/register', '/register', {
    username,
    email: `${username}@example.test`,
    password: SHOPPER_PASSWORD,
    first_name: 'Ada',
    last_name: 'Lovelace',
  });
  assert.equal(registered.status, 303, pageText(registered.html));
  assert.equal(registered.location, '/?notice=registered');
  assert.ok(client.cookie('shopscope_session'), 'registering signs in');
  return client;
}

/** Adds a product from its page, as the add-to-cart form does. */
export async function addToCart(client: WebClient, slug: string, quantity: number): Promise<void> {
  const added = await client.submit(`/product/${slug}`, `/product/${slug}`, { quantity: String(quantity) });
  assert.equal(added.status, 303, pageText(added.html));
  assert.equal(added.location, `/product/${slug}?added=${quantity}`);
}

/** Places the order from the cart page; returns the new order's id. */
export async function checkout(client: WebClient): Promise<number> {
  const placed = await client.submit('/checkout', '/checkout/process');
  assert.equal(placed.status, 303, pageText(placed.html));
  const id = Number(/^\/order\/thank-you\?id=(\d+)(?:&trace=[0-9a-f]{32})?$/.exec(placed.location ?? '')?.[1]);
  assert.ok(id > 0, placed.location);
  return id;
}
